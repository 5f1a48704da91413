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


def _latin_share(text: str) -> float:
    letters = [ch for ch in text if ch.isalpha()]
    if not letters:
        return 1.0
    return sum(1 for ch in letters if ord(ch) <= 0x24F) / len(letters)


def find(text: str, doc_lang: str, seed: int = 0) -> list[Finding]:
    """Foreign sentences in one paragraph whose language is `doc_lang`."""
    out = []
    for s, e in sentences(text):
        sent = text[s:e].strip()
        s = text.index(sent, s) if sent else s
        words = _WORD.findall(sent)
        if len(words) < MIN_WORDS:
            continue
        latin = _latin_share(sent)
        if latin < 0.5:
            lang, prob = detect(sent, seed)
            rule = "foreign:script"
        else:
            low = [w.lower() for w in words]
            foreign = sum(1 for w in low if w in _FOREIGN)
            english = sum(1 for w in low if w in _EN)
            if foreign < 2 or english > foreign / 3:
                continue
            lang, prob = detect(sent, seed)
            rule = "foreign:function_words"
            if prob < 0.8:
                continue
        if lang in (doc_lang, "und"):
            continue
        out.append(Finding(KIND, s, s + len(sent), sent, None, rule, round(min(prob, 0.99), 3), lang=lang))
    return out
