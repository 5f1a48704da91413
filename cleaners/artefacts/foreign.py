"""Sentences and fragments left untranslated inside a paragraph of the document's language.

Only suspect sentences reach langdetect: a sentence mostly in another script, or a Latin sentence
dense in another language's function words and poor in English ones. A shorter run of another
script inside a Latin sentence ("the sign read 欢迎光临 in red") needs no langdetect: its script
is the evidence, and names the language where only one language writes it.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_left, bisect_right
from functools import lru_cache

from cleaners import gates
from cleaners.artefacts.spans import Finding, sentences
from cleaners.language import detect, lower_words

KIND = "foreign_fragment"
MIN_WORDS = 4
_WORD = re.compile(r"[^\W\d_]+")
_EN = frozenset(
    "the of and to in is was that for with as by at from it be are were has have had this which will "
    "would not but an their its they he she said been who also after we you our".split()
)
_FOREIGN = frozenset(
    "der die das und ist nicht ein eine den dem des mit auf für sich vor von zu im wir uns "
    "le la les et est une des dans pour que qui pas sur au du nous vous ne sont aux "
    "el los las por con una para es y como del pero muy il che di non per sono".split()
)

# A letter-like character (`[^\W\d_]` is a superset of str.isalpha) beyond Latin Extended-B.
_NON_LATIN = re.compile(r"[^\W\d_\x00-\u024f]")


def _may_have_foreign(text: str) -> bool:
    """False when `find` cannot report anything: without a non-Latin letter every sentence's Latin share
    is 1.0, and sentences split at whitespace, so fewer than 2 foreign function words in the paragraph
    means fewer than 2 in each sentence."""
    if text.isascii():
        return sum(map(_FOREIGN.__contains__, lower_words(text))) >= 2
    if _NON_LATIN.search(text):
        return True
    return sum(1 for w in _WORD.findall(text) if w.lower() in _FOREIGN) >= 2


def column_gate() -> str | None:
    """The column gate (`cleaners.gates`) of `_may_have_foreign`: a letter beyond Latin, or two of
    `_FOREIGN`'s words, each after a character that is no letter (or the start) and the second one
    whole. `(?i)` matches a superset of what `str.lower()` folds to these lower-case words."""
    words = "|".join(sorted(_FOREIGN, key=len, reverse=True))
    two = re.compile(rf"(?:^|[\W\d_])(?i:{words})(?s:.*)[\W\d_](?i:{words})(?:[\W\d_]|$)")
    return gates.any_of([gates.gate(_NON_LATIN), gates.gate(two)])


def _latin_share(text: str) -> float:
    if _NON_LATIN.search(text) is None:
        return 1.0  # no non-Latin letter: the share below would be n / n (or 1.0 without letters)
    letters = [ch for ch in text if ch.isalpha()]
    if not letters:
        return 1.0
    return sum(1 for ch in letters if ord(ch) <= 0x24F) / len(letters)


def find(text: str, doc_lang: str, seed: int = 0, enough: int | None = None) -> list[Finding]:
    """Foreign sentences in one paragraph whose language is `doc_lang`, and runs of another script
    inside its Latin sentences (`_script_runs`, judged without langdetect).

    With `enough`, the caller discards the findings once they cover that many characters (a whole
    foreign paragraph is the language stage's finding): the longest suspects are judged first and
    the search stops there, which spares most langdetect calls on foreign paragraphs."""
    if not _may_have_foreign(text):
        return []
    suspects = []
    for s, e in sentences(text):
        sent = text[s:e].strip()
        s = text.index(sent, s) if sent else s
        rule = _suspect(sent)
        if rule is not None:
            suspects.append((s, sent, rule))
    if enough is not None:
        suspects.sort(key=lambda x: -len(x[1]))  # stable: equal lengths keep their order
    out: list[Finding] = []
    covered = 0
    for s, sent, rule in suspects:
        lang, prob = detect(sent, seed)
        if rule == "foreign:function_words" and prob < 0.8:
            continue
        if lang in (doc_lang, "und"):
            continue
        out.append(Finding(KIND, s, s + len(sent), sent, None, rule, round(min(prob, 0.99), 3), lang=lang))
        covered += len(sent)
        if enough is not None and covered >= enough:
            return sorted(out, key=lambda f: f.start)
    out += _script_runs(text, [(f.start, f.end) for f in out])
    return sorted(out, key=lambda f: f.start)


# Scripts (the first word of a letter's Unicode name) that no English sentence is written in.
# Latin (with IPA), mathematical and letter-like symbols are not among them; Greek is, but a
# single letter ("the β coefficient") is a symbol: runs need `MIN_RUN_LETTERS`.
_SCRIPT_LANG: dict[str, str | None] = {
    "CJK": "zh", "HIRAGANA": "ja", "KATAKANA": "ja", "HANGUL": "ko", "CYRILLIC": None, "ARABIC": None,
    "HEBREW": "he", "GREEK": "el", "GEORGIAN": "ka", "ARMENIAN": "hy", "DEVANAGARI": None, "BENGALI": None,
    "THAI": "th", "TAMIL": "ta", "TELUGU": "te", "GUJARATI": "gu", "GURMUKHI": "pa", "KANNADA": "kn",
    "MALAYALAM": "ml", "SINHALA": "si", "LAO": "lo", "TIBETAN": "bo", "MYANMAR": "my", "KHMER": "km",
    "ETHIOPIC": "am", "SYRIAC": None, "THAANA": "dv", "MONGOLIAN": "mn", "ORIYA": "or", "BOPOMOFO": "zh",
}  # fmt: skip
MIN_RUN_LETTERS = 2
MIN_LATIN_WORDS = 2  # a run stands "inside an English sentence" with at least this many Latin words
_LATIN_LETTER = re.compile(r"[A-Za-z\u00c0-\u024f]")
_LATIN_WORD = re.compile(r"[A-Za-z\u00c0-\u024f]{2,}")
_NEWLINE = re.compile("\n")


@lru_cache(maxsize=4096)
def _script(ch: str) -> str | None:
    """The script of a letter beyond Latin, when it is one of `_SCRIPT_LANG`'s."""
    first = unicodedata.name(ch, "").replace("-", " ").split(" ")[0]
    return first if first in _SCRIPT_LANG else None


def _script_runs(text: str, found: list[tuple[int, int]]) -> list[Finding]:
    """Runs of another script inside a Latin sentence: letters of `_SCRIPT_LANG`'s scripts with
    only spaces, digits and punctuation between them (no Latin letter, no line break), of
    `MIN_RUN_LETTERS` letters or more, in a line of the sentence that has `MIN_LATIN_WORDS` Latin
    words besides. A line of its own in another script (a language menu) is no fragment of an
    English sentence; a whole foreign sentence is `find`'s to judge with langdetect."""
    runs: list[list[int]] = []  # [start, end, letters] per run
    scripts: list[set[str]] = []
    for m in _NON_LATIN.finditer(text):
        script = _script(m.group(0))
        if script is None:
            continue
        pos = m.start()
        gap = text[runs[-1][1] : pos] if runs else ""
        if runs and "\n" not in gap and not _LATIN_LETTER.search(gap):
            runs[-1][1], runs[-1][2] = pos + 1, runs[-1][2] + 1
            scripts[-1].add(script)
        else:
            runs.append([pos, pos + 1, 1])
            scripts.append({script})
    out: list[Finding] = []
    bounds = sentences(text)
    starts = [s for s, _ in bounds]
    breaks = [m.start() for m in _NEWLINE.finditer(text)]
    words = [m.start() for m in _LATIN_WORD.finditer(text)]  # bisected: linear in runs and words, never quadratic
    for (start, end, letters), used in zip(runs, scripts, strict=True):
        while end < len(text) and unicodedata.category(text[end]).startswith("M"):
            end += 1  # combining vowel signs and diacritics belong to the run
        if letters < MIN_RUN_LETTERS or any(start < e and s < end for s, e in found):
            continue
        k = bisect_right(starts, start) - 1
        sent_start, sent_end = bounds[k] if k >= 0 else (0, len(text))
        b = bisect_right(breaks, start)
        lo = max(sent_start, breaks[b - 1] + 1 if b > 0 else 0)
        hi = min(sent_end, breaks[b] if b < len(breaks) else len(text))
        latin = bisect_left(words, hi) - bisect_left(words, lo)  # a run holds no Latin letter: all around it
        if latin < MIN_LATIN_WORDS:
            continue
        out.append(Finding(KIND, start, end, text[start:end], None, "foreign:script_run", 0.9, lang=_run_lang(used)))
    return out


def _run_lang(scripts: set[str]) -> str | None:
    """The language a run's scripts name: kana with or without Han is Japanese, Hangul Korean,
    Han alone Chinese; scripts several languages use (Cyrillic, Arabic, Devanagari) name none."""
    if scripts & {"HIRAGANA", "KATAKANA"}:
        return "ja"
    if "HANGUL" in scripts:
        return "ko"
    langs = {_SCRIPT_LANG[s] for s in scripts}
    return langs.pop() if len(langs) == 1 else None


def _suspect(sent: str) -> str | None:
    """The rule under which langdetect judges `sent`: another script, or dense foreign function words."""
    words = _WORD.findall(sent)
    if len(words) < MIN_WORDS:
        return None
    if _latin_share(sent) < 0.5:
        return "foreign:script"
    low = [w.lower() for w in words]
    foreign = sum(1 for w in low if w in _FOREIGN)
    english = sum(1 for w in low if w in _EN)
    if foreign < 2 or english > foreign / 3:
        return None
    return "foreign:function_words"
