"""References for `cleaners.language.count_letters` and `quick_english`: character by character."""

from __future__ import annotations

from cleaners.language import _EN_MORE, _EN_STOP, _FOREIGN_STOP, _WORD


def count_letters(text: str) -> int:
    return sum(1 for ch in text if ch.isalpha())


def quick_english(text: str) -> bool | None:
    letters = count_letters(text)
    if letters == 0:
        return None
    non_latin = sum(1 for ch in text if ord(ch) > 0x24F and ch.isalpha())
    if non_latin / letters > 0.3:
        return False
    ascii_letters = not any(ord(ch) > 0x7F and ch.isalpha() for ch in text)
    words = [w.lower() for w in _WORD.findall(text)]
    if len(words) < 8:
        return None
    en = sum(w in _EN_STOP for w in words)
    foreign = sum(w in _FOREIGN_STOP for w in words)
    if en / len(words) >= 0.12 and foreign <= en / 4:
        return True
    if foreign == 0 and ascii_letters:
        en += sum(w in _EN_MORE for w in words)
        if en >= 3 and en / len(words) >= 0.06:
            return True
    return None
