"""References for `cleaners.artefacts.transliteration.model.TransliterationModel._count_words` and `_spans`."""

from __future__ import annotations

from collections import defaultdict

from cleaners.artefacts.spans import Finding
from cleaners.artefacts.transliteration.model import _WORD, TransliterationModel, _name_shaped


def count_words(model: TransliterationModel, words: list[str]) -> tuple[dict[str, int], dict[str, str], set[str]]:
    """`_count_words` word by word."""
    names: dict[str, int] = defaultdict(int)
    forms: dict[str, str] = {}
    lower: set[str] = set()
    for word in words:
        low = word.lower()
        if word[:1].isupper():
            if len(word) >= 3 and low not in model.tl.stopwords and _name_shaped(word):
                names[low] += 1
                if not word.isupper() or low not in forms:
                    forms[low] = word
        elif word.islower() and len(word) >= 3:
            lower.add(word)
    return dict(names), forms, lower


def spans(model: TransliterationModel, text: str) -> list[Finding]:
    """`_spans` visiting every word, not only the capitalised ones."""
    return model._runs(text, _WORD.finditer(text))
