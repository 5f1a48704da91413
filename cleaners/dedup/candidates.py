"""Candidate representatives for a paragraph: LSH parameters, and the two candidate sources the one
clustering loop (`cleaners.dedup.cluster`) can be fed by.

Why this shape:
- LSH proposes candidates at a lower threshold than the verification threshold (`lsh_params`: a
  pair at the threshold is proposed with probability >= `lsh_recall`), and every candidate is then
  verified: by estimated Jaccard (or the same exact hash), and by its facts (`numbers_names`).
- Two sources give exactly the same verified candidates (pairs sharing one of the same b bands of r
  rows), as datasketch's storage switch gives one index on several storages:
  `BandIndex`, a compact band index that finds and verifies every pair at once in numpy (the
  default), its band buckets either sorted in memory or, with `store` set, kept in Redis
  (`cleaners.redis_store.RedisBands`) and gathered in bulk, a batch of paragraphs per round trip;
  and `LshIndex`, datasketch's MinHashLSH on any storage it supports, queried and verified paragraph
  by paragraph (given to `DedupModel.decide` explicitly: tests and benchmarks hold it equal).
- Candidates are gathered first and the greedy loop runs on them offline: a per-paragraph query of
  a networked index waits on one round trip per band, which at a million paragraphs is hours.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from functools import lru_cache
from typing import Any, Protocol

import numpy as np
import xxhash
from datasketch import MinHashLSH

from cleaners.dedup.numbers_names import names_kept
from cleaners.dedup.signatures import DocSigs
from cleaners.dedup.text import SCHEME
from cleaners.settings import Settings

RULE_MINHASH = "dedup:minhash"
RULE_EXACT = "dedup:exact"


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


_MIX = np.uint64(0x9E3779B97F4A7C15)
# Pairs of one band made and filtered at once (`_bucket_pairs`): each pair costs about 150 bytes in the
# digest comparison, per band thread; 2^18 keeps both threads' share near 80 MB at 1 M paragraphs, where
# 2^19 added 0.2 GiB to the clustering's peak and ran 15 % slower (the chunks fell out of cache).
_PAIR_CHUNK = 1 << 18


def _band_keys(sigs: np.ndarray, band: int, rows: int, chunk: int = 1 << 16) -> np.ndarray:
    """One band's keys as uint64: the r hash values themselves when they fit in 64 bits, else mixed.
    Mixed `chunk` rows at a time: a band's values are a few bytes of each 512-byte signature, so reading
    them column by column over the whole corpus fetched every signature's cache line once per column;
    a chunk's columns are read while its lines are still in cache (twice as fast at a million rows)."""
    cols = sigs[:, band * rows : (band + 1) * rows]
    if rows == 1:
        return cols[:, 0].astype(np.uint64)
    if rows == 2:
        return np.ascontiguousarray(cols).view(np.uint64).ravel()
    out = np.empty(len(sigs), dtype=np.uint64)
    with np.errstate(over="ignore"):
        for lo in range(0, len(sigs), chunk):
            part = cols[lo : lo + chunk].astype(np.uint64)
            key = np.zeros(len(part), dtype=np.uint64)
            for c in range(rows):
                key = (key ^ part[:, c]) * _MIX
                key ^= key >> np.uint64(29)
            out[lo : lo + chunk] = key
    return out


def _bucket_pairs(keys: np.ndarray, chunk: int = _PAIR_CHUNK) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """All pairs (i < j) of positions whose keys are equal, in chunks of about `chunk` pairs, so
    memory stays bounded however large the buckets grow.

    The sort need not be stable (the default one is four times faster on uint64 keys, a third of the
    clustering's sorting at a million paragraphs): a bucket's positions come in any order, so each pair
    is put in order afterwards."""
    order = np.argsort(keys)
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
            i = order[first + within].astype(np.int64)
            j = j.astype(np.int64)
            yield np.minimum(i, j), np.maximum(i, j)
        lo = hi


# Per 2-bit digit of a uint64, its low bit.
_LOW_BITS = np.uint64(0x5555555555555555)
_DIGITS_PER_WORD = 32


def _digests(sigs: np.ndarray, chunk: int = 1 << 14, threads: int = 1) -> np.ndarray:
    """A 2-bit digest of every hash value (the xor of its sixteen 2-bit digits), 32 to a uint64: equal
    values have equal digests. Two bits, not more: a pair's digests are read from two random places
    of this table for each of the band pairs (tens of millions at a million paragraphs), and at two
    bits a 128-value sketch's digests fill 32 bytes, half a cache line; unrelated values still agree
    on only a quarter of the digits, so the filter keeps few pairs that fail the threshold (at a
    million bench paragraphs, 16 % more than with 4-bit digests, and the test of the digests took
    0.47 s instead of 1.12 s). Computed `chunk` rows at a time, on `threads` threads (numpy releases
    the GIL in each step)."""
    n, p = sigs.shape
    width = -(-p // _DIGITS_PER_WORD) * _DIGITS_PER_WORD
    out = np.empty((n, width // _DIGITS_PER_WORD), dtype=np.uint64)
    shifts = np.arange(_DIGITS_PER_WORD, dtype=np.uint64) * np.uint64(2)

    def digest(a: int) -> None:
        s = sigs[a : a + chunk]
        d = s ^ (s >> 2)
        d ^= d >> 4
        d ^= d >> 8
        d ^= d >> 16
        d = (d & 3).astype(np.uint64)
        if width != p:  # padded with equal digits, which `_promising` does not count
            d = np.concatenate([d, np.zeros((len(d), width - p), dtype=np.uint64)], axis=1)
        words = d.reshape(len(d), width // _DIGITS_PER_WORD, _DIGITS_PER_WORD) << shifts
        out[a : a + chunk] = np.bitwise_or.reduce(words, axis=2)

    with ThreadPoolExecutor(max_workers=max(1, threads)) as pool:
        list(pool.map(digest, range(0, n, chunk)))
    return out


def _band_candidates(
    sigs: np.ndarray, small: np.ndarray, band: int, rows: int, need: float
) -> tuple[np.ndarray, np.ndarray]:
    """The pairs sharing one band whose digests can reach the threshold (as equal texts always do)."""
    kept_i, kept_j = [], []
    for i, j in _bucket_pairs(_band_keys(sigs, band, rows)):
        i, j = _promising(small, i, j, need, sigs.shape[1])
        kept_i.append(i)
        kept_j.append(j)
    empty = np.empty(0, np.int64)
    return (np.concatenate(kept_i), np.concatenate(kept_j)) if kept_i else (empty, empty)


class BandStore(Protocol):
    """Band buckets kept outside the process (`cleaners.redis_store.RedisBands`)."""

    def add(self, start: int, keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Put the paragraphs at positions start, start + 1, ... (one row of band keys each, one column
        per band) in their buckets; return every pair (earlier, this one) that now shares a bucket."""
        ...


_STORE_BATCH = 10_000  # paragraphs per round trip to a band store


def _verified_pairs(
    docs: list[DocSigs],
    params: tuple[int, int],
    threshold: float,
    num_perm: int,
    threads: int = 1,
    store: BandStore | None = None,
) -> dict[int, list[tuple[int, float, str]]]:
    """For each sketched paragraph (global position in document order), the earlier paragraphs that
    share a band with it and reach the threshold: (position, score, rule).

    Candidates are verified in numpy chunks; a 2-bit digest of each hash value (`_digests`, 32 packed
    in a uint64, compared with xor and popcount) is compared first: it matches whenever the full value
    does, so a pair below the threshold on digests is below it on values too; only the few
    survivors are compared in full. Chance band collisions grow with the square of the corpus; the
    sketches leave out shingles frequent in any English text (`cleaners.dedup.frequent`), which keeps
    them rare. Bands are independent, so `threads` of them run at once (numpy releases the GIL in the
    heavy steps); the candidates are sorted afterwards, so the result does not depend on the order.
    With `store`, the buckets are kept there and the pairs gathered from it a batch at a time."""
    if not docs:
        return {}
    sigs = np.concatenate([d.sigs for d in docs])
    exact = np.concatenate([d.exact[d.sketched] for d in docs])
    small = _digests(sigs, threads=threads)
    need = threshold * num_perm
    bands, rows = params
    if store is None:
        with ThreadPoolExecutor(max_workers=max(1, threads)) as pool:
            found = list(pool.map(lambda band: _band_candidates(sigs, small, band, rows, need), range(bands)))
    else:
        found = list(_stored_candidates(sigs, small, params, need, store))
    kept_i = [i for i, _ in found]
    kept_j = [j for _, j in found]
    n = len(sigs)
    code = np.unique(np.concatenate(kept_i) * n + np.concatenate(kept_j)) if kept_i else np.empty(0, np.int64)
    return _verify(docs, sigs, exact, code // n, code % n, threshold, num_perm)


def _stored_candidates(
    sigs: np.ndarray, small: np.ndarray, params: tuple[int, int], need: float, store: BandStore
) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """`_band_candidates` of every band, the buckets kept in `store`: the same band keys, so the same
    pairs, gathered a batch of paragraphs at a time."""
    bands, rows = params
    for start in range(0, len(sigs), _STORE_BATCH):
        part = sigs[start : start + _STORE_BATCH]
        keys = np.stack([_band_keys(part, band, rows) for band in range(bands)], axis=1)
        i, j = store.add(start, keys)
        yield _promising(small, i, j, need, sigs.shape[1])


def _promising(
    small: np.ndarray, i: np.ndarray, j: np.ndarray, need: float, values: int
) -> tuple[np.ndarray, np.ndarray]:
    """The pairs whose digests (`_digests` of sketches of `values` hash values) can reach the threshold.
    Equal texts need no test of their own: they have equal sketches, so equal digests. (Rows gathered
    with `take` and the bits folded in place: a third faster than fancy indexing into new arrays, on the
    hundred million pairs of a million paragraphs of the bench.)"""
    x = np.take(small, i, axis=0)
    x ^= np.take(small, j, axis=0)
    x |= x >> np.uint64(1)
    x &= _LOW_BITS  # per 2-bit digit, its low bit: set where the digits differ
    # the digits padding the last word are equal in every pair: only the `values` real ones count
    rough = values - np.bitwise_count(x).sum(axis=1, dtype=np.int64)
    keep = rough >= need - 1
    return i[keep], j[keep]


def _verify(
    docs: list[DocSigs],
    sigs: np.ndarray,
    exact: np.ndarray,
    i: np.ndarray,
    j: np.ndarray,
    threshold: float,
    num_perm: int,
) -> dict[int, list[tuple[int, float, str]]]:
    """The candidate pairs (i < j, sorted, distinct) that reach the threshold or have the same text,
    and keep their facts, as `_verified_pairs` returns them."""
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


def _facts_kept(docs: list[DocSigs], i: np.ndarray, j: np.ndarray) -> np.ndarray:
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
        ok[k] = names_kept(hashes[offsets[a] : offsets[a + 1]], hashes[offsets[b] : offsets[b + 1]])
    return ok


def keeps_facts(kept: DocSigs, kept_row: int, removed: DocSigs, removed_row: int) -> bool:
    """`_facts_kept` for one pair of rows (the per-paragraph path of `LshIndex`)."""
    if kept.numbers[kept_row] != removed.numbers[removed_row] or kept.wording[kept_row] == removed.wording[removed_row]:
        return False
    ko, ro = kept.name_offsets(), removed.name_offsets()
    return names_kept(kept.names[ko[kept_row] : ko[kept_row + 1]], removed.names[ro[removed_row] : ro[removed_row + 1]])


# --- the candidate sources -----------------------------------------------------------------------


class CandidateSource(Protocol):
    """Where the clustering loop finds a sketched paragraph's candidate representatives.

    The loop visits sketched paragraphs in (document id, paragraph index) order; `pos` counts them
    from 0 in that order, `sig_row` is the paragraph's row in `doc.sigs`, `row` its row in the other
    arrays. Representative keys increase in the loop's order."""

    def candidates(self, pos: int, doc: DocSigs, row: int, sig_row: int) -> Iterable[tuple[int, float, str]]:
        """The representatives (key, score, rule) that this paragraph is a verified copy of."""
        ...

    def add(self, key: int, pos: int, doc: DocSigs, row: int, sig_row: int) -> None:
        """The paragraph became the representative `key` of a new cluster."""
        ...


class BandIndex:
    """Every verified pair of the corpus found at once (`_verified_pairs`), the band buckets sorted in
    memory or kept in `store`; a paragraph's candidates are its earlier partners that became
    representatives."""

    def __init__(self, docs: list[DocSigs], settings: Settings, store: BandStore | None = None) -> None:
        """`docs` in the loop's order (by document id)."""
        threads = settings.workers if settings.workers > 0 else (os.cpu_count() or 1)  # the workers idle meanwhile
        self._partners = _verified_pairs(
            docs, lsh_params(settings), settings.threshold, settings.num_perm, threads, store
        )
        self._key_of: dict[int, int] = {}  # global sketched position -> rep key, representatives only

    def candidates(self, pos: int, doc: DocSigs, row: int, sig_row: int) -> Iterator[tuple[int, float, str]]:
        for i, score, rule in self._partners.get(pos, ()):
            key = self._key_of.get(i)
            if key is not None:
                yield key, score, rule

    def add(self, key: int, pos: int, doc: DocSigs, row: int, sig_row: int) -> None:
        self._key_of[pos] = key


class LshIndex:
    """Representatives in datasketch's MinHashLSH (any storage it supports: `storage_config`), each
    query's candidates verified against the representative's sketch and facts."""

    def __init__(self, settings: Settings, storage: dict[str, Any] | None) -> None:
        self._threshold = settings.threshold
        self._lsh = MinHashLSH(
            num_perm=settings.num_perm,
            params=lsh_params(settings),
            storage_config=storage,
            prepickle=False,
            hashfunc=_band_key,
        )
        self._reps: dict[int, tuple[DocSigs, int, int]] = {}  # rep key -> its document, row, sig row

    def candidates(self, pos: int, doc: DocSigs, row: int, sig_row: int) -> Iterator[tuple[int, float, str]]:
        sig = doc.sigs[sig_row]
        h = int(doc.exact[row])
        for key in sorted(int(k) for k in self._lsh.query(_Sig(sig))):
            kept, kept_row, kept_sig = self._reps[key]
            if int(kept.exact[kept_row]) == h:
                yield key, 1.0, RULE_EXACT
                continue
            score = float(np.count_nonzero(kept.sigs[kept_sig] == sig)) / len(sig)
            if score >= self._threshold and keeps_facts(kept, kept_row, doc, row):
                yield key, score, RULE_MINHASH

    def add(self, key: int, pos: int, doc: DocSigs, row: int, sig_row: int) -> None:
        self._reps[key] = (doc, row, sig_row)
        self._lsh.insert(_lsh_key(key), _Sig(doc.sigs[sig_row]), check_duplication=False)


def candidate_source(settings: Settings, docs: list[DocSigs]) -> CandidateSource:
    """The source `store` selects: the band index with its buckets in Redis at that URL (this corpus's
    index, cleared first), else in memory. `docs` in the loop's order. (`LshIndex`, datasketch's
    MinHashLSH on any storage, is given to `DedupModel.decide` explicitly: it finds the same clusters.)"""
    if settings.store is not None:
        from cleaners.redis_store import RedisBands

        return BandIndex(docs, settings, RedisBands(settings))
    return BandIndex(docs, settings)
