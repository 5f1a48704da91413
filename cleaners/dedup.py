"""Near-duplicate paragraphs: MinHash sketches, LSH candidates, clustering without chaining.

Why this shape:
- Paragraphs are normalised (case, punctuation, digits, spacing) so that copies differing in
  typography still compare equal, then shingled and sketched: datasketch's MinHash (xxh32 as the
  32-bit input hash its default "affine32" scheme expects), computed for a whole document at once
  by `cleaners.sketching` with values identical to `MinHash.bulk`.
- Only the sketches' hash values are kept (one uint32 array per document), never MinHash objects,
  so a million paragraphs cost num_perm * 4 bytes each.
- `decide` walks paragraphs in (document id, paragraph index) order and compares each one with
  cluster representatives only (first occurrences), found through `MinHashLSH` with a lower
  threshold than the verification threshold; every candidate is verified by estimated Jaccard.
  Comparing with representatives only is what stops chains (A~B, B~C does not pull C to A).
- Paragraphs too short to shingle are compared by exact normalised hash inside their own
  document: a repeated one-line subheading in another article is not a copy, and empty sketches
  would all collide.
- Similar wording is not enough: a removed copy must not lose a fact of its own. The sketch folds
  digits, and character 5-grams at 0.425 match template lines (the same frame, other values in
  its slots: "X wrote on March 11 at 08:00", "Step 5", price lines, blotter entries), so a
  near-duplicate must also have the same numbers as its kept paragraph (`numbers`: the same
  multiset once number formats are folded) and name no one the kept paragraph does not (`names`,
  through the name model's spelling links). The exact hash keeps digits as digits, so an exact
  repeat is still a copy and "Step 5" / "Step 7" are not. These facts are computed where the
  sketch is and stored beside it (the clustering phase has no texts), and taken afresh from the
  text whenever a cached sketch is reused (the name model may have changed meanwhile).
"""

from __future__ import annotations

import base64
import os
import re
import unicodedata
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Protocol

import numpy as np
import xxhash
from datasketch import MinHashLSH

from cleaners import sketching
from cleaners.document import Document, Event
from cleaners.settings import Settings

SEED = sketching.SEED
SCHEME = "affine32"  # datasketch 2 default: 32-bit input hashes, uint32 hash values
SIG_DTYPE = sketching.SIG_DTYPE
RULE_MINHASH = "dedup:minhash"
RULE_EXACT = "dedup:exact"
FORMAT_VERSION = 2  # 2: facts (numbers, names) beside the sketches
# A paragraph is sketched from at most this many normalised characters, so a pathological 10 MB
# "paragraph" costs bounded memory; its exact hash still covers all of it.
MAX_SKETCH_CHARS = 100_000


class _FoldTable(dict):
    """str.translate table built lazily: punctuation and symbols become spaces, every other
    character maps to itself. Lazy because Unicode is large and a corpus uses few characters."""

    def __missing__(self, code: int) -> str | None:
        cat = unicodedata.category(chr(code))
        if cat[0] in "PSZ" or cat == "Cc":
            value = " "
        elif cat == "Cf":  # soft hyphens, zero-width characters: invisible, so not a word break
            value = ""
        else:
            value = chr(code)
        self[code] = value
        return value


_FOLD = _FoldTable()
_ASCII_FOLD = bytes(ord(_FOLD[c] or " ") for c in range(256))  # no ASCII character folds to ""
_ASCII_DIGITS = re.compile(rb"[0-9]+")


def normalise(text: str) -> str:
    """Lowercase, punctuation and symbols stripped, digit runs folded to "0", whitespace collapsed:
    what two copies of one paragraph still share after different typography and number formats."""
    if text.isascii():  # NFKC and casefold keep ASCII ASCII: the same folds on bytes, in C
        data = _ASCII_DIGITS.sub(b"0", text.encode("ascii").lower().translate(_ASCII_FOLD))
        return b" ".join(data.split()).decode("ascii")
    return _normalise_unicode(text)


def _normalise_unicode(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).casefold().translate(_FOLD)
    out = []
    for token in text.split():
        if any(ch.isdigit() for ch in token):
            token = _fold_digits(token)
        out.append(token)
    return " ".join(out)


def _fold_digits(token: str) -> str:
    chars: list[str] = []
    for ch in token:
        if ch.isdigit():
            if not chars or chars[-1] != "0":
                chars.append("0")
        else:
            chars.append(ch)
    return "".join(chars)


def shingles(norm: str, settings: Settings) -> list[bytes]:
    """Word or character n-grams of normalised text, as UTF-8 bytes for the hash function.
    A text shorter than one shingle yields itself as its only shingle (never an empty list)."""
    k = max(1, settings.shingle_size)
    if settings.shingle == "word":
        words = norm.split()
        if len(words) <= k:
            return [" ".join(words).encode("utf-8")] if words else []
        return [" ".join(words[i : i + k]).encode("utf-8") for i in range(len(words) - k + 1)]
    if len(norm) <= k:
        return [norm.encode("utf-8")] if norm else []
    return [norm[i : i + k].encode("utf-8") for i in range(len(norm) - k + 1)]


def _exact_hash(norm: str, nums: list[str] | None = None) -> int:
    """Hash of a normalised text with its digits as digits (`nums`, in order): "Step 5" and "Step 7"
    normalise alike but are different paragraphs; "4,000" and "4 000" are the same one."""
    if nums:
        norm = norm + "\x1f" + " ".join(nums)
    return xxhash.xxh3_64_intdigest(norm.encode("utf-8", "surrogatepass"))


# --- facts: what a removed copy must not lose -----------------------------------------------------


class NameIndex(Protocol):
    """What the facts need from the name model (`cleaners.artefacts.NameModel`): which capitalised
    words are names, and the key that links the spellings of one name."""

    def same_name(self, token: str) -> str: ...

    def is_name(self, low: str) -> bool: ...


# A number: digit groups separated by spaces ("4 000", "1 500 000": a first group of 1-3 digits, then
# groups of exactly 3, so that "1 5 Reply" stays two numbers), or digit runs joined by single "." or ","
# ("4,000", "169.99", "27.01.2024"). A match never starts inside a digit run: the run's first digit
# always matches, and every match ends where its digits do.
_NUMBER = re.compile(r"\d{1,3}(?:[ \u00a0\u2009\u202f]\d{3})+(?!\d)|\d+(?:[.,]\d+)*")
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
    """Sorted keys of the names a text mentions: its capitalised words that the name model counts as
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
    text: str, index: NameIndex | None = None, cache: dict[str, list[str]] | None = None
) -> tuple[list[str], list[str]]:
    """What a removed copy must not lose: its numbers (`numbers`, and the months it names, as numbers)
    and its names (`names`)."""
    words = _capitalised(text)
    nums = numbers(text) + [_MONTHS[w.lower()] for w in words if w.lower() in _MONTHS]
    return nums, _names_of(words, index, cache)


def _capitalised(text: str) -> list[str]:
    """The words of a text that start with a capital (hyphenated words whole)."""
    if text.isascii():
        return _CAPITALISED_ASCII.findall(text)
    return [w for w in _NAME_WORD.findall(text) if w[0].isupper()]


def _numbers_key(nums: list[str]) -> int:
    """One uint64 per paragraph: equal exactly when the multisets of numbers are (translations reorder)."""
    return xxhash.xxh3_64_intdigest(" ".join(sorted(nums)).encode("ascii"))


def _name_hashes(keys: list[str]) -> list[int]:
    return sorted({xxhash.xxh3_64_intdigest(k.encode("utf-8", "surrogatepass")) for k in keys})


def sketch(shingle_sets: list[list[bytes]], num_perm: int) -> np.ndarray:
    """MinHash hash values of several shingle lists at once, as an (n, num_perm) uint32 array."""
    return sketching.bulk(shingle_sets, num_perm)


def sketch_texts(norms: list[str], settings: Settings) -> np.ndarray:
    """Signatures of normalised texts: character shingles through the vectorised path (identical
    values), word shingles through datasketch's batch API."""
    texts = [n[:MAX_SKETCH_CHARS] for n in norms]
    if settings.shingle == "char":
        return sketching.sketch_char(texts, max(1, settings.shingle_size), settings.num_perm)
    return sketch([shingles(t, settings) for t in texts], settings.num_perm)


def lsh_params(settings: Settings) -> tuple[int, int]:
    """Bands and rows for MinHashLSH: the most rows per band (fewest chance collisions), then the
    fewest bands (memory), such that a pair whose Jaccard equals the verification threshold is
    proposed with probability >= settings.lsh_recall. Its effective threshold, (1/b)^(1/r), is
    therefore well below the verification threshold."""
    return _recall_params(settings.threshold, settings.num_perm, settings.lsh_recall)


@lru_cache(maxsize=16)
def _recall_params(threshold: float, num_perm: int, recall: float) -> tuple[int, int]:
    t = min(max(threshold, 1e-6), 1.0)
    for r in range(num_perm // 2, 0, -1):
        p = t**r
        for b in range(2, num_perm // r + 1):
            if 1.0 - (1.0 - p) ** b >= recall:
                return b, r
    return num_perm, 1


class _Sig:
    """The part of a MinHash that MinHashLSH reads (hash values, scheme, length): rebuilding a
    full MinHash per query would re-validate its permutations every time."""

    __slots__ = ("hashvalues", "scheme")

    def __init__(self, hashvalues: np.ndarray) -> None:
        self.hashvalues = hashvalues
        self.scheme = SCHEME

    def __len__(self) -> int:
        return len(self.hashvalues)


def _band_key(data: bytes) -> bytes:
    """Compresses LSH band keys (r * 4 bytes) to 8 bytes (bytes: what every datasketch storage accepts)."""
    return xxhash.xxh64_digest(data)


def _lsh_key(key: int) -> bytes:
    """Representative keys as bytes: with `prepickle=False` nothing read back from a storage is unpickled."""
    return b"%d" % key


@dataclass
class _DocSigs:
    """One document's contribution: sketched paragraphs and short (exact-only) ones, with their facts."""

    index: np.ndarray  # int32 paragraph indices, ascending
    exact: np.ndarray  # uint64 normalised-text hashes (digits as digits), aligned with index
    sketched: np.ndarray  # bool, aligned with index: True when the paragraph has a row in sigs
    sigs: np.ndarray  # (number of sketched paragraphs, num_perm) uint32
    wording: np.ndarray  # uint64 normalised-text hashes with digits folded, aligned with index
    numbers: np.ndarray  # uint64 `_numbers_key` of `facts`, aligned with index
    name_counts: np.ndarray  # int32 number of name hashes per paragraph, aligned with index
    names: np.ndarray  # uint64 `_name_hashes` of every paragraph, concatenated

    _offsets: np.ndarray | None = field(default=None, repr=False, compare=False)

    def name_offsets(self) -> np.ndarray:
        """Where each paragraph's name hashes start in `names` (one more entry than paragraphs)."""
        if self._offsets is None:
            self._offsets = np.zeros(len(self.name_counts) + 1, dtype=np.int64)
            np.cumsum(self.name_counts, out=self._offsets[1:])
        return self._offsets

    def to_dict(self) -> dict[str, Any]:
        return {
            "index": self.index.astype("<i4").tolist(),
            "exact": _b64(self.exact.astype("<u8")),
            "sketched": _b64(np.packbits(self.sketched)),
            "sigs": _b64(self.sigs.astype(SIG_DTYPE)),
            "wording": _b64(self.wording.astype("<u8")),
            "numbers": _b64(self.numbers.astype("<u8")),
            "name_counts": _b64(self.name_counts.astype("<i4")),
            "names": _b64(self.names.astype("<u8")),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any], num_perm: int) -> _DocSigs:
        index = np.asarray(data["index"], dtype=np.int32)
        n = len(index)
        sketched = np.unpackbits(_unb64(data["sketched"], np.uint8), count=n).astype(bool)
        sigs = _unb64(data["sigs"], SIG_DTYPE).reshape(-1, num_perm)
        return cls(
            index=index,
            exact=_unb64(data["exact"], np.dtype("<u8")),
            sketched=sketched,
            sigs=sigs,
            wording=_unb64(data["wording"], np.dtype("<u8")),
            numbers=_unb64(data["numbers"], np.dtype("<u8")),
            name_counts=_unb64(data["name_counts"], np.dtype("<i4")),
            names=_unb64(data["names"], np.dtype("<u8")),
        )


def _b64(arr: np.ndarray) -> str:
    return base64.b64encode(np.ascontiguousarray(arr).tobytes()).decode("ascii")


def _unb64(text: str, dtype: Any) -> np.ndarray:
    return np.frombuffer(base64.b64decode(text), dtype=dtype).copy()


_MIX = np.uint64(0x9E3779B97F4A7C15)
_PAIR_CHUNK = 1 << 19


def _band_keys(sigs: np.ndarray, band: int, rows: int) -> np.ndarray:
    """One band's keys as uint64: the r hash values themselves when they fit in 64 bits, else mixed."""
    cols = sigs[:, band * rows : (band + 1) * rows]
    if rows == 1:
        return cols[:, 0].astype(np.uint64)
    if rows == 2:
        return np.ascontiguousarray(cols).view(np.uint64).ravel()
    key = np.zeros(len(sigs), dtype=np.uint64)
    with np.errstate(over="ignore"):
        for c in range(rows):
            key = (key ^ cols[:, c].astype(np.uint64)) * _MIX
            key ^= key >> np.uint64(29)
    return key


def _bucket_pairs(keys: np.ndarray, chunk: int = _PAIR_CHUNK) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """All pairs (i < j) of positions whose keys are equal, in chunks of about `chunk` pairs, so
    memory stays bounded however large the buckets grow."""
    order = np.argsort(keys, kind="stable")
    sk = keys[order]
    new = np.empty(len(sk), dtype=bool)
    new[:1] = True
    np.not_equal(sk[1:], sk[:-1], out=new[1:])
    starts = np.flatnonzero(new)
    first_of = starts[np.cumsum(new) - 1]
    offset = np.arange(len(sk)) - first_of  # position within its bucket = partners before it
    ends = np.cumsum(offset)
    lo = 0
    while lo < len(sk):
        done = int(ends[lo - 1]) if lo else 0
        hi = max(lo + 1, int(np.searchsorted(ends, done + chunk, side="right")))
        off = offset[lo:hi]
        total = int(off.sum())
        if total:
            j = np.repeat(order[lo:hi], off)
            first = np.repeat(first_of[lo:hi], off)
            within = np.arange(total) - np.repeat(np.cumsum(off) - off, off)
            yield order[first + within].astype(np.int64), j.astype(np.int64)
        lo = hi


_LOW_BITS = np.uint64(0x1111111111111111)


def _nibbles(sigs: np.ndarray, chunk: int = 1 << 15) -> np.ndarray:
    """A 4-bit digest of every hash value, 16 to a uint64: equal values have equal digests.
    Computed `chunk` rows at a time: the uint64 intermediates are 4 times the signatures' size."""
    n, p = sigs.shape
    width = -(-p // 16) * 16
    out = np.empty((n, width // 16), dtype=np.uint64)
    shifts = np.arange(16, dtype=np.uint64) * np.uint64(4)
    for a in range(0, n, chunk):
        s = sigs[a : a + chunk]
        d = s ^ (s >> 4) ^ (s >> 8) ^ (s >> 12) ^ (s >> 16) ^ (s >> 20) ^ (s >> 24) ^ (s >> 28)
        d = (d & 0xF).astype(np.uint64)
        if width != p:  # pad with equal digits: they count as matches, which only makes the filter looser
            d = np.concatenate([d, np.zeros((len(d), width - p), dtype=np.uint64)], axis=1)
        out[a : a + chunk] = np.bitwise_or.reduce(d.reshape(len(d), width // 16, 16) << shifts, axis=2)
    return out


def _band_candidates(
    sigs: np.ndarray, small: np.ndarray, exact: np.ndarray, band: int, rows: int, need: float
) -> tuple[np.ndarray, np.ndarray]:
    """The pairs sharing one band whose digests can reach the threshold (or whose texts are equal)."""
    kept_i, kept_j = [], []
    for i, j in _bucket_pairs(_band_keys(sigs, band, rows)):
        x = small[i] ^ small[j]
        x |= x >> np.uint64(1)
        x |= x >> np.uint64(2)
        rough = small.shape[1] * 16 - np.bitwise_count(x & _LOW_BITS).sum(axis=1, dtype=np.int64)
        keep = (rough >= need - 1) | (exact[i] == exact[j])
        kept_i.append(i[keep])
        kept_j.append(j[keep])
    empty = np.empty(0, np.int64)
    return (np.concatenate(kept_i), np.concatenate(kept_j)) if kept_i else (empty, empty)


def _verified_pairs(
    docs: list[_DocSigs], params: tuple[int, int], threshold: float, num_perm: int, threads: int = 1
) -> dict[int, list[tuple[int, float, str]]]:
    """For each sketched paragraph (global position in document order), the earlier paragraphs that
    share a band with it and reach the threshold: (position, score, rule).

    Candidates are verified in numpy chunks; a 4-bit digest of each hash value (16 packed in a
    uint64, compared with xor and popcount) is compared first: it matches whenever the full value
    does, so a pair below the threshold on digests is below it on values too; only the few
    survivors are compared in full. Chance band collisions still grow with the square of the
    corpus: on the benchmark's English prose 0.07-0.09 % of all distinct pairs share one of the
    default 41 bands of 3 rows (1.4 % at 24 bands of 2 rows, which lsh_recall 0.99 would choose).
    Bands are independent, so `threads` of them run at once (numpy releases the GIL in the heavy
    steps); the candidates are sorted afterwards, so the result does not depend on the order."""
    if not docs:
        return {}
    sigs = np.concatenate([d.sigs for d in docs])
    exact = np.concatenate([d.exact[d.sketched] for d in docs])
    small = _nibbles(sigs)
    need = threshold * num_perm
    bands, rows = params
    with ThreadPoolExecutor(max_workers=max(1, threads)) as pool:
        found = list(pool.map(lambda band: _band_candidates(sigs, small, exact, band, rows, need), range(bands)))
    kept_i = [i for i, _ in found]
    kept_j = [j for _, j in found]
    n = len(sigs)
    code = np.unique(np.concatenate(kept_i) * n + np.concatenate(kept_j)) if kept_i else np.empty(0, np.int64)
    i, j = code // n, code % n
    same_text = exact[i] == exact[j]
    same = np.zeros(len(i), dtype=np.int64)
    for a in range(0, len(i), _PAIR_CHUNK):
        same[a : a + _PAIR_CHUNK] = np.count_nonzero(
            sigs[i[a : a + _PAIR_CHUNK]] == sigs[j[a : a + _PAIR_CHUNK]], axis=1
        )
    score = same / num_perm
    ok = same_text | (score >= threshold)
    near = np.flatnonzero(ok & ~same_text)
    ok[near] = _facts_kept(docs, i[near], j[near])  # alike in wording is not enough: the same facts too
    i, j, score, same_text = i[ok], j[ok], np.where(same_text[ok], 1.0, score[ok]), same_text[ok]
    partners: dict[int, list[tuple[int, float, str]]] = {}
    for x, y, sc, ex in zip(i.tolist(), j.tolist(), score.tolist(), same_text.tolist(), strict=True):
        partners.setdefault(y, []).append((x, sc, RULE_EXACT if ex else RULE_MINHASH))
    return partners


def _reusable_sigs(data: dict[str, Any], rows: int, num_perm: int) -> np.ndarray | None:
    """The signatures of a cached export when they fit the paragraphs to sketch, else None."""
    try:
        sigs = _unb64(data["sigs"], SIG_DTYPE).reshape(-1, num_perm)
    except (KeyError, TypeError, ValueError):  # a damaged cache entry: sketched again
        return None
    return sigs if len(sigs) == rows else None


def _names_kept(kept: np.ndarray, removed: np.ndarray) -> bool:
    """Every name of the paragraph to remove is named by the paragraph kept (hashes of name keys)."""
    return not removed.size or set(removed.tolist()) <= set(kept.tolist())


def _facts_kept(docs: list[_DocSigs], i: np.ndarray, j: np.ndarray) -> np.ndarray:
    """For pairs of sketched paragraphs (global positions, i earlier: the one kept; never the same
    text), whether j keeps i's facts: the same numbers, no name that i lacks, and other wording (the
    same wording with other digits, or the same digits in other places, is a template filled in
    twice). Numbers in numpy, names pair by pair (only pairs whose later paragraph names anyone)."""
    numbers = np.concatenate([d.numbers[d.sketched] for d in docs])
    wording = np.concatenate([d.wording[d.sketched] for d in docs])
    counts = np.concatenate([d.name_counts[d.sketched] for d in docs])
    hashes = np.concatenate([d.names[np.repeat(d.sketched, d.name_counts)] for d in docs])
    offsets = np.zeros(len(counts) + 1, dtype=np.int64)
    np.cumsum(counts, out=offsets[1:])
    ok = (numbers[i] == numbers[j]) & (wording[i] != wording[j])
    for k in np.flatnonzero(ok & (counts[j] > 0)).tolist():
        a, b = int(i[k]), int(j[k])
        ok[k] = _names_kept(hashes[offsets[a] : offsets[a + 1]], hashes[offsets[b] : offsets[b + 1]])
    return ok


@dataclass(frozen=True)
class _Member:
    cluster: int
    kept: bool
    of_doc: str
    of_paragraph: int
    confidence: float
    rule: str


class DedupModel:
    """Corpus model (see cleaners.corpus.CorpusModel) for near-duplicate paragraphs."""

    def __init__(self, settings: Settings, name_index: NameIndex | None = None) -> None:
        """`name_index`: the run's decided name model, through which paragraphs' names are compared
        (spellings it links are one name); None compares capitalised words as they are written."""
        self.settings = settings
        self.name_index = name_index
        self._name_keys: dict[str, list[str]] = {}
        self._docs: dict[str, _DocSigs] = {}
        self._members: dict[tuple[str, int], _Member] = {}
        self._clusters: list[dict[str, Any]] = []

    # statistics ---------------------------------------------------------------------------------
    def observe(self, doc: Document, reuse: dict[str, Any] | None = None) -> None:
        """Sketch the document's live paragraphs (their current text) in one bulk call, and take their
        facts. `reuse`: this document's `export_doc` from an earlier run over the same text; its
        signatures are reused, its facts never (they depend on the name model, which may have changed)."""
        s = self.settings
        index, exact, wording, sketched, norms, nums, counts, hashes = [], [], [], [], [], [], [], []
        for p in doc.live:
            norm = normalise(p.text)
            if not norm:
                continue
            found, name_keys = facts(p.text, self.name_index, self._name_keys)
            keys = _name_hashes(name_keys)
            index.append(p.index)
            exact.append(_exact_hash(norm, numbers(p.text)))
            wording.append(_exact_hash(norm))
            nums.append(_numbers_key(found))
            counts.append(len(keys))
            hashes += keys
            long_enough = norm.count(" ") + 1 >= s.min_dedup_tokens  # normalised: single spaces
            sketched.append(long_enough)
            if long_enough:
                norms.append(norm)
        sigs = _reusable_sigs(reuse, len(norms), s.num_perm) if reuse is not None else None
        self._docs[doc.id] = _DocSigs(
            index=np.asarray(index, dtype=np.int32),
            exact=np.asarray(exact, dtype=np.uint64),
            sketched=np.asarray(sketched, dtype=bool),
            sigs=sketch_texts(norms, s) if sigs is None else sigs,
            wording=np.asarray(wording, dtype=np.uint64),
            numbers=np.asarray(nums, dtype=np.uint64),
            name_counts=np.asarray(counts, dtype=np.int32),
            names=np.asarray(hashes, dtype=np.uint64),
        )

    def forget(self, doc_id: str) -> None:
        self._docs.pop(doc_id, None)

    def export_doc(self, doc_id: str) -> dict[str, Any]:
        """One document's sketches, JSON-safe, for the state store's cache."""
        return self._docs[doc_id].to_dict()

    def import_doc(self, doc_id: str, data: dict[str, Any]) -> None:
        """Reuse sketches exported by an earlier run (same settings: the state's fingerprint)."""
        self._docs[doc_id] = _DocSigs.from_dict(data, self.settings.num_perm)

    def merge(self, other: DedupModel) -> DedupModel:
        """Union of observed documents; a document seen by both keeps `other`'s (later) sketch."""
        self._check_compatible(other.settings)
        self._docs.update(other._docs)
        return self

    def _check_compatible(self, other: Settings) -> None:
        mine = self.settings
        for name in ("shingle", "shingle_size", "num_perm", "min_dedup_tokens"):
            if getattr(mine, name) != getattr(other, name):
                raise ValueError(f"dedup models built with different {name} cannot be merged")

    # decisions ----------------------------------------------------------------------------------
    def decide(self) -> None:
        """Greedy clustering in (doc id, paragraph index) order against representatives only.

        With `lsh_storage` set, candidates come from datasketch's MinHashLSH (e.g. on redis);
        otherwise from a compact in-memory band index that proposes exactly the same candidates
        (pairs sharing one of the same b bands of r rows) at a fraction of MinHashLSH's memory."""
        if self.settings.lsh_storage is not None or self.settings.store is not None:
            self._decide_minhashlsh()
        else:
            self._decide_compact()

    def _decide_compact(self) -> None:
        s = self.settings
        order = sorted(self._docs)
        threads = s.workers if s.workers > 0 else (os.cpu_count() or 1)  # the workers idle meanwhile
        docs = [self._docs[k] for k in order]
        partners = _verified_pairs(docs, lsh_params(s), s.threshold, s.num_perm, threads)
        rep_doc: list[str] = []
        rep_row: list[int] = []
        members: dict[int, list[tuple[str, int, float, str]]] = {}
        key_of: dict[int, int] = {}  # global sketched position -> rep key, representatives only
        pos = 0
        for doc_id in order:
            d = self._docs[doc_id]
            local_exact: dict[int, int] = {}
            for row in range(len(d.index)):
                if not d.sketched[row]:
                    h = int(d.exact[row])
                    rep = local_exact.get(h)
                    if rep is None:
                        local_exact[h] = len(rep_doc)
                        rep_doc.append(doc_id)
                        rep_row.append(row)
                    else:
                        members.setdefault(rep, []).append((doc_id, row, 1.0, RULE_EXACT))
                    continue
                best: tuple[int, float, str] | None = None
                for i, score, rule in partners.get(pos, ()):
                    key = key_of.get(i)
                    # Same order as MinHashLSH's candidates: ascending key, first best score wins.
                    if key is not None and (best is None or score > best[1] or (score == best[1] and key < best[0])):
                        best = (key, score, rule)
                if best is None:
                    key_of[pos] = len(rep_doc)
                    rep_doc.append(doc_id)
                    rep_row.append(row)
                else:
                    members.setdefault(best[0], []).append((doc_id, row, best[1], best[2]))
                pos += 1
        self._record(members, rep_doc, rep_row)

    def _decide_minhashlsh(self) -> None:
        s = self.settings
        storage = s.lsh_storage
        if s.store is not None:  # this corpus's index in Redis, cleared first (cleaners.redis_store)
            from cleaners.redis_store import lsh_storage

            storage = lsh_storage(s)
        lsh = MinHashLSH(
            num_perm=s.num_perm,
            params=lsh_params(s),
            storage_config=storage,
            prepickle=False,
            hashfunc=_band_key,
        )
        rep_doc: list[str] = []  # representative key (int) -> its document id
        rep_row: list[int] = []  # ... its row in that document's arrays
        rep_sig: list[int] = []  # ... its row in that document's sigs (-1: short, exact-only)
        members: dict[int, list[tuple[str, int, float, str]]] = {}  # rep key -> non-kept members
        for doc_id in sorted(self._docs):
            d = self._docs[doc_id]
            sig_rows = np.cumsum(d.sketched) - 1
            local_exact: dict[int, int] = {}  # normalised hash -> rep key, short paragraphs only
            for row in range(len(d.index)):
                h = int(d.exact[row])
                if not d.sketched[row]:
                    rep = local_exact.get(h)
                    if rep is None:
                        local_exact[h] = len(rep_doc)
                        rep_doc.append(doc_id)
                        rep_row.append(row)
                        rep_sig.append(-1)
                    else:
                        members.setdefault(rep, []).append((doc_id, row, 1.0, RULE_EXACT))
                    continue
                sig = d.sigs[sig_rows[row]]
                best = self._best_rep(lsh, sig, h, (d, row), rep_doc, rep_row, rep_sig)
                if best is None:
                    key = len(rep_doc)
                    rep_doc.append(doc_id)
                    rep_row.append(row)
                    rep_sig.append(int(sig_rows[row]))
                    lsh.insert(_lsh_key(key), _Sig(sig), check_duplication=False)
                else:
                    rep, score, rule = best
                    members.setdefault(rep, []).append((doc_id, row, score, rule))
        self._record(members, rep_doc, rep_row)

    def _best_rep(
        self,
        lsh: MinHashLSH,
        sig: np.ndarray,
        h: int,
        at: tuple[_DocSigs, int],
        rep_doc: list[str],
        rep_row: list[int],
        rep_sig: list[int],
    ) -> tuple[int, float, str] | None:
        member, row = at
        best: tuple[int, float, str] | None = None
        for key in sorted(int(k) for k in lsh.query(_Sig(sig))):
            d = self._docs[rep_doc[key]]
            if int(d.exact[rep_row[key]]) == h:
                score, rule = 1.0, RULE_EXACT
            else:
                other = d.sigs[rep_sig[key]]
                score, rule = float(np.count_nonzero(other == sig)) / len(sig), RULE_MINHASH
                if score >= self.settings.threshold and not self._keeps_facts(d, rep_row[key], member, row):
                    continue
            if score >= self.settings.threshold and (best is None or score > best[1]):
                best = (key, score, rule)
        return best

    @staticmethod
    def _keeps_facts(kept: _DocSigs, kept_row: int, removed: _DocSigs, removed_row: int) -> bool:
        """`_facts_kept` for one pair of rows (the MinHashLSH path)."""
        if (
            kept.numbers[kept_row] != removed.numbers[removed_row]
            or kept.wording[kept_row] == removed.wording[removed_row]
        ):
            return False
        ko, ro = kept.name_offsets(), removed.name_offsets()
        return _names_kept(
            kept.names[ko[kept_row] : ko[kept_row + 1]], removed.names[ro[removed_row] : ro[removed_row + 1]]
        )

    def _record(
        self,
        members: dict[int, list[tuple[str, int, float, str]]],
        rep_doc: list[str],
        rep_row: list[int],
    ) -> None:
        self._members = {}
        self._clusters = []
        for cluster_id, rep in enumerate(sorted(members)):
            kept_doc = rep_doc[rep]
            kept_par = int(self._docs[kept_doc].index[rep_row[rep]])
            self._members[(kept_doc, kept_par)] = _Member(cluster_id, True, kept_doc, kept_par, 1.0, "")
            listed = [{"doc": kept_doc, "paragraph": kept_par}]
            for doc_id, row, score, rule in members[rep]:
                par = int(self._docs[doc_id].index[row])
                self._members[(doc_id, par)] = _Member(cluster_id, False, kept_doc, kept_par, score, rule)
                listed.append({"doc": doc_id, "paragraph": par})
            self._clusters.append(
                {"cluster": cluster_id, "kept": {"doc": kept_doc, "paragraph": kept_par}, "members": listed}
            )

    # output -------------------------------------------------------------------------------------
    def apply(self, doc: Document) -> None:
        """Drop every non-first member of a cluster from the clean text, with one event each."""
        for p in doc.paragraphs:
            m = self._members.get((doc.id, p.index))
            if m is None or m.kept or p.removed is not None:
                continue
            if doc.add(
                Event(
                    doc=doc.id,
                    paragraph=p.index,
                    kind="duplicate",
                    action="removed",
                    text=p.text,
                    start=None,
                    end=None,
                    rule=m.rule,
                    confidence=round(m.confidence, 4),
                    cluster=m.cluster,
                    duplicate_of={"doc": m.of_doc, "paragraph": m.of_paragraph},
                )
            ):
                p.removed = "duplicate"

    def members(self, doc: Document) -> list[dict[str, Any]]:
        """Rows for clusters.jsonl: this document's paragraphs in clusters of two or more."""
        rows = []
        for p in doc.paragraphs:
            m = self._members.get((doc.id, p.index))
            if m is not None:
                rows.append(
                    {
                        "cluster": m.cluster,
                        "doc": doc.id,
                        "paragraph": p.index,
                        "text": p.text,
                        "kept": m.kept,
                    }
                )
        return rows

    def clusters(self) -> list[dict[str, Any]]:
        return [dict(c) for c in self._clusters]

    # persistence --------------------------------------------------------------------------------
    def to_dict(self, sketches: bool = True) -> dict[str, Any]:
        """JSON-safe model; without `sketches`, only the decisions (what `apply` and `members` need)."""
        s = self.settings
        return {
            "version": FORMAT_VERSION,
            "scheme": SCHEME,
            "seed": SEED,
            "hash": "xxh32",
            "shingle": s.shingle,
            "shingle_size": s.shingle_size,
            "num_perm": s.num_perm,
            "min_dedup_tokens": s.min_dedup_tokens,
            "docs": {k: self._docs[k].to_dict() for k in sorted(self._docs)} if sketches else {},
            "decisions": [
                {
                    "doc": doc_id,
                    "paragraph": par,
                    "cluster": m.cluster,
                    "kept": m.kept,
                    "of": [m.of_doc, m.of_paragraph],
                    "confidence": m.confidence,
                    "rule": m.rule,
                }
                for (doc_id, par), m in sorted(self._members.items())
            ],
            "clusters": self._clusters,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any], settings: Settings) -> DedupModel:
        """Rebuild a model; sketches made with other shingling settings cannot be reused."""
        model = cls(settings)
        if data.get("version") != FORMAT_VERSION or data.get("scheme") != SCHEME:
            raise ValueError("dedup state has an unknown format")
        for name in ("shingle", "shingle_size", "num_perm", "min_dedup_tokens"):
            if data.get(name) != getattr(settings, name):
                raise ValueError(f"dedup state was built with another {name}; observe the documents again")
        model._docs = {k: _DocSigs.from_dict(v, settings.num_perm) for k, v in data.get("docs", {}).items()}
        for row in data.get("decisions", []):
            model._members[(row["doc"], int(row["paragraph"]))] = _Member(
                int(row["cluster"]),
                bool(row["kept"]),
                row["of"][0],
                int(row["of"][1]),
                float(row["confidence"]),
                row["rule"],
            )
        model._clusters = list(data.get("clusters", []))
        return model
