"""Sentences left untranslated inside a paragraph of the document's language.

Only suspect sentences reach langdetect: a run of another script, or a Latin sentence
dense in another language's function words and poor in English ones.
"""

from __future__ import annotations

import re

from cleaners.artefacts.spans import Finding, sentences
from cleaners.language import detect

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

_FOREIGN_BYTES = frozenset(w.encode() for w in _FOREIGN)
# A letter-like character (`[^\W\d_]` is a superset of str.isalpha) beyond Latin Extended-B.
_NON_LATIN = re.compile(r"[^\W\d_\x00-\u024f]")
# Upper-case ASCII letters lowered, every other byte a space: `.split()` then gives the lowered `_WORD` words.
_ASCII_WORDS = bytes(c + 32 if 65 <= c <= 90 else c if 97 <= c <= 122 else 32 for c in range(256))


def _may_have_foreign(text: str) -> bool:
    """False when `find` cannot report anything: without a non-Latin letter every sentence's Latin share
    is 1.0, and sentences split at whitespace, so fewer than 2 foreign function words in the paragraph
    means fewer than 2 in each sentence."""
    if text.isascii():
        words = text.encode("ascii").translate(_ASCII_WORDS).split()
        return sum(map(_FOREIGN_BYTES.__contains__, words)) >= 2
    if _NON_LATIN.search(text):
        return True
    return sum(1 for w in _WORD.findall(text) if w.lower() in _FOREIGN) >= 2


def _latin_share(text: str) -> float:
    if _NON_LATIN.search(text) is None:
        return 1.0  # no non-Latin letter: the share below would be n / n (or 1.0 without letters)
    letters = [ch for ch in text if ch.isalpha()]
    if not letters:
        return 1.0
    return sum(1 for ch in letters if ord(ch) <= 0x24F) / len(letters)


def find(text: str, doc_lang: str, seed: int = 0, enough: int | None = None) -> list[Finding]:
    """Foreign sentences in one paragraph whose language is `doc_lang`.

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
    out, covered = [], 0
    for s, sent, rule in suspects:
        lang, prob = detect(sent, seed)
        if rule == "foreign:function_words" and prob < 0.8:
            continue
        if lang in (doc_lang, "und"):
            continue
        out.append(Finding(KIND, s, s + len(sent), sent, None, rule, round(min(prob, 0.99), 3), lang=lang))
        covered += len(sent)
        if enough is not None and covered >= enough:
            break
    return sorted(out, key=lambda f: f.start)


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
