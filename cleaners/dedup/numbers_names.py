"""The facts of a paragraph that a removed copy must not lose: its numbers and the names it mentions.

Why: similar wording is not enough. The sketch folds digits, and character 5-grams at 0.425 match
template lines (the same frame, other values in its slots: "X wrote on March 11 at 08:00", "Step 5",
price lines, blotter entries), so a near-duplicate must also have the same numbers as its kept
paragraph (`numbers`: the same multiset once number formats are folded) and name no one the kept
paragraph does not (`names`, through the transliteration model's spelling links). These facts are computed where
the sketch is and stored beside it as hashes (`cleaners.dedup.signatures`; the clustering phase has no
texts), and taken afresh from the text whenever a cached sketch is reused (the transliteration model may have
changed meanwhile).
"""

from __future__ import annotations

import re
import unicodedata
from typing import Protocol

import numpy as np
import xxhash


class NameIndex(Protocol):
    """What the facts need from the transliteration model (`cleaners.artefacts.TransliterationModel`): which capitalised
    words are names, and the key that links the spellings of one name."""

    def same_name(self, token: str) -> str: ...

    def is_name(self, low: str) -> bool: ...


# A number: digit groups separated by spaces ("4 000", "1 500 000": a first group of 1-3 digits, then
# groups of exactly 3, so that "1 5 Reply" stays two numbers), or digit runs joined by single "." or ","
# ("4,000", "169.99", "27.01.2024"). A match never starts inside a digit run: the run's first digit
# always matches, and every match ends where its digits do. The leading `(?=\d)` changes no match: it
# lets the regex engine skip to the next digit instead of trying both alternatives at every position
# (twice as fast on prose, where digits are few).
_NUMBER = re.compile(r"(?=\d)(?:\d{1,3}(?:[ \u00a0\u2009\u202f]\d{3})+(?!\d)|\d+(?:[.,]\d+)*)")
_NUMBER_SEPARATORS = re.compile(r"[.,]")
_SPACES = re.compile(r"[ \u00a0\u2009\u202f]")
_NAME_WORD = re.compile(r"[^\W\d_]+(?:-[^\W\d_]+)*")
# The `_NAME_WORD` matches of ASCII text that start with A-Z, found directly: the lookbehinds, checked once
# a capital is found, reject a capital inside a word, as `_NAME_WORD` (greedy) would have consumed it.
_CAPITALISED_ASCII = re.compile(r"[A-Z](?<![A-Za-z].)(?<![A-Za-z]-.)[A-Za-z]*(?:-[A-Za-z]+)*")
# Distinct words whose name keys a model remembers, at most (a corpus's capitalised vocabulary, bounded).
_MAX_NAME_WORDS = 200_000


def numbers(text: str) -> list[str]:
    """The numbers of a text in order, with their formats folded: group and decimal separators
    dropped (`4,000` = `4.000` = `4 000` = `4000`; `1.5` = `1,5`; `$169.99` is `16999`, not `3999`),
    leading zeros dropped (`08:00` = `8:00`), digits of any script as ASCII. Digit groups joined by
    separators that are neither thousands groups nor one decimal part are several numbers: a date
    `27.01.2024` holds 27, 1 and 2024, a list `2,3,5` three numbers. Units and signs are not part of
    the number: `14 %`, `14%` and `14 per cent` all hold 14, as re-translated copies write it."""
    out: list[str] = []
    for found in _NUMBER.findall(text):
        if found.isdigit():
            out.append(_digits(found))
            continue
        groups = _NUMBER_SEPARATORS.split(_SPACES.sub("", found))
        if len(groups) > 2 and not all(len(g) == 3 for g in groups[1:-1]):
            out.extend(_digits(g) for g in groups)
        else:
            out.append(_digits("".join(groups)))
    return out


def _digits(digits: str) -> str:
    if not digits.isascii():
        digits = "".join(str(unicodedata.decimal(c, 0)) for c in digits)
    return digits.lstrip("0") or "0"


# Months are numbers: "Jan 27", "27 January" and "27.01." hold the same date (capitalised forms only).
# Weekdays are not facts here: a re-translated copy may add one ("published on Friday") to the same report.
_MONTHS = {
    m: str(n)
    for n, forms in enumerate(
        [
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sep", "sept"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ],
        start=1,
    )
    for m in forms
}


def names(text: str, index: NameIndex | None = None, cache: dict[str, list[str]] | None = None) -> list[str]:
    """Sorted keys of the names a text mentions: its capitalised words that the transliteration model counts as
    names, each as the key linking its spellings (`same_name`), so that "Tschelwari" and "Chelvari"
    are one name once the model links them, rewritten or only flagged. A hyphenated word the model
    has no decision on counts by its capitalised parts ("Vienna-based" names Vienna). Without a model,
    every capitalised word (or part) of three letters or more, lower-cased. `cache` remembers each
    word's keys across calls (one model's)."""
    return _names_of(_capitalised(text), index, cache)


def _names_of(words: list[str], index: NameIndex | None, cache: dict[str, list[str]] | None) -> list[str]:
    out: set[str] = set()
    for word in words:
        if word.lower() in _MONTHS:  # a month is a number (`facts`), under any of its names
            continue
        keys = cache.get(word) if cache is not None else None
        if keys is None:
            keys = _name_keys(word, index)
            if cache is not None and len(cache) < _MAX_NAME_WORDS:
                cache[word] = keys
        out.update(keys)
    return sorted(out)


def _name_keys(word: str, index: NameIndex | None) -> list[str]:
    if index is None:
        return [w.lower() for w in word.split("-") if w[:1].isupper() and len(w) >= 3]
    low = word.lower()
    key = index.same_name(word)
    if key != low:  # a spelling the model linked to another
        return [key]
    if "-" not in word:
        return [key] if index.is_name(low) else []
    return [index.same_name(w) for w in word.split("-") if w[:1].isupper() and index.is_name(w.lower())]


def facts(
    text: str,
    index: NameIndex | None = None,
    cache: dict[str, list[str]] | None = None,
    found: list[str] | None = None,
) -> tuple[list[str], list[str]]:
    """What a removed copy must not lose: its numbers (`numbers`, and the months it names, as numbers)
    and its names (`names`). `found`: `numbers(text)`, when the caller has it already."""
    words = _capitalised(text)
    nums = (numbers(text) if found is None else found) + [_MONTHS[w.lower()] for w in words if w.lower() in _MONTHS]
    return nums, _names_of(words, index, cache)


def _capitalised(text: str) -> list[str]:
    """The words of a text that start with a capital (hyphenated words whole)."""
    if text.isascii():
        return _CAPITALISED_ASCII.findall(text)
    return [w for w in _NAME_WORD.findall(text) if w[0].isupper()]


def numbers_key(nums: list[str]) -> int:
    """One uint64 per paragraph: equal exactly when the multisets of numbers are (translations reorder)."""
    return xxhash.xxh3_64_intdigest(" ".join(sorted(nums)).encode("ascii"))


def name_hashes(keys: list[str]) -> list[int]:
    return sorted({xxhash.xxh3_64_intdigest(k.encode("utf-8", "surrogatepass")) for k in keys})


def names_kept(kept: np.ndarray, removed: np.ndarray) -> bool:
    """Every name of the paragraph to remove is named by the paragraph kept (hashes of name keys)."""
    return not removed.size or set(removed.tolist()) <= set(kept.tolist())
