"""MinHash signatures of many paragraphs at once, identical to datasketch's.

datasketch's `MinHash.bulk` hashes every shingle with a Python call and reduces one paragraph at a
time, which caps sketching at a few MB/s. For ASCII text sketched by character n-grams every
shingle is a fixed-length byte window, so xxh32 can be computed for all windows of a document in
numpy (the algorithm below is xxHash's short-input path, checked against `xxhash.xxh32_intdigest`
in the tests), then datasketch's own "affine32" permutations (its `_fmix` pre-mix, `a * h + b`
modulo 2^32) are applied to all shingles of all paragraphs and reduced per paragraph with
`np.minimum.reduceat`. Anything else (word shingles, non-ASCII text, texts shorter than a shingle)
goes through `MinHash.bulk` unchanged. Equality with `MinHash.bulk` is what the tests assert.

Shingles whose xxh32 value is in `frequent` (`cleaners.dedup.frequent`: shared by unrelated
paragraphs) are left out on both paths, except in a text that has no other shingle: it keeps all of
them (an empty set would give every such text the same sketch).
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import xxhash
from datasketch import MinHash
from datasketch.minhash import _fmix

SEED = 1
SIG_DTYPE = np.dtype("<u4")
_P1, _P2, _P3, _P4, _P5 = (np.uint32(x) for x in (0x9E3779B1, 0x85EBCA77, 0xC2B2AE3D, 0x27D4EB2F, 0x165667B1))
# Shingles of the (permutations x shingles) matrix built at once: 3,072 x 128 uint32 = 1.5 MB, which the
# multiply, add and reduction pass over while it stays in a core's cache (16,384 shingles, 8 MB, took a
# fifth longer over a batch's paragraphs; 2,048 or fewer, half as long again: a chunk's fixed numpy calls).
_CHUNK_SHINGLES = 3_072


@lru_cache(maxsize=8)
def permutations(num_perm: int) -> tuple[np.ndarray, np.ndarray]:
    """datasketch's (a, b) for this number of permutations and our seed."""
    a, b = MinHash(num_perm=num_perm, seed=SEED, hashfunc=xxhash.xxh32_intdigest).permutations
    return a.astype(np.uint32), b.astype(np.uint32)


def _rotl(x: np.ndarray, r: int) -> np.ndarray:
    return (x << np.uint32(r)) | (x >> np.uint32(32 - r))


def xxh32_windows(data: np.ndarray, starts: np.ndarray, length: int) -> np.ndarray:
    """xxh32 (seed 0) of the `length`-byte windows of `data` (uint8) beginning at `starts`.
    Only xxHash's path for inputs under 16 bytes is needed (and implemented)."""
    if not 0 < length < 16:
        raise ValueError("windows of 1 to 15 bytes only")
    with np.errstate(over="ignore"):
        h = np.full(len(starts), np.uint32(_P5 + np.uint32(length)), dtype=np.uint32)
        p = 0
        while p + 4 <= length:
            word = (
                data[starts + p].astype(np.uint32)
                | (data[starts + p + 1].astype(np.uint32) << np.uint32(8))
                | (data[starts + p + 2].astype(np.uint32) << np.uint32(16))
                | (data[starts + p + 3].astype(np.uint32) << np.uint32(24))
            )
            h = _rotl(h + word * _P3, 17) * _P4
            p += 4
        while p < length:
            h = _rotl(h + data[starts + p].astype(np.uint32) * _P5, 11) * _P1
            p += 1
        h ^= h >> np.uint32(15)
        h *= _P2
        h ^= h >> np.uint32(13)
        h *= _P3
        h ^= h >> np.uint32(16)
    return h


def _minhash_rows(hashes: np.ndarray, bounds: np.ndarray, num_perm: int) -> np.ndarray:
    """Signatures of consecutive groups of shingle hashes (group g is hashes[bounds[g]:bounds[g+1]],
    never empty): min over each group of datasketch's permuted values."""
    a, b = permutations(num_perm)
    a, b = a[:, None], b[:, None]
    out = np.empty((len(bounds) - 1, num_perm), dtype=np.uint32)
    mixed = _fmix(hashes.astype(np.uint32), 32)
    buf = np.empty((num_perm, _CHUNK_SHINGLES), dtype=np.uint32)
    g = 0
    with np.errstate(over="ignore"):
        while g < len(bounds) - 1:
            # as many whole groups as fit in one chunk (at least one); permutations along rows, so
            # the reduction runs over contiguous memory (an order of magnitude faster than columns)
            last = int(np.searchsorted(bounds, bounds[g] + _CHUNK_SHINGLES, side="right")) - 1
            last = min(max(g + 1, last), len(bounds) - 1)
            lo, hi = int(bounds[g]), int(bounds[last])
            phv = buf[:, : hi - lo] if hi - lo <= _CHUNK_SHINGLES else np.empty((num_perm, hi - lo), np.uint32)
            np.multiply(a, mixed[None, lo:hi], out=phv)
            phv += b
            out[g:last] = np.minimum.reduceat(phv, bounds[g:last] - lo, axis=1).T
            g = last
    return out


def sketch_char(texts: list[str], k: int, num_perm: int, frequent: np.ndarray | None = None) -> np.ndarray:
    """Signatures (one row per text) of character k-gram shingle sets, equal to
    `MinHash.bulk([[t[i:i+k].encode() ...]], num_perm, seed=SEED, hashfunc=xxh32_intdigest)`;
    with `frequent` (sorted uint32 xxh32 values), of the shingles `rare_shingles` keeps."""
    out = np.empty((len(texts), num_perm), dtype=np.uint32)
    fast = [i for i, t in enumerate(texts) if len(t) > k and t.isascii()]
    slow = sorted(set(range(len(texts))) - set(fast))
    if fast:
        encoded = [texts[i].encode("ascii") for i in fast]
        data = np.frombuffer(b"".join(encoded), dtype=np.uint8)
        lengths = np.fromiter((len(e) for e in encoded), dtype=np.int64, count=len(encoded))
        offsets = np.concatenate([[0], np.cumsum(lengths)[:-1]])
        windows = lengths - k + 1
        bounds = np.concatenate([[0], np.cumsum(windows)])
        # start of every window: its text's offset plus its position in that text
        starts = np.repeat(offsets - bounds[:-1], windows) + np.arange(bounds[-1])
        hashes = xxh32_windows(data, starts, k)
        if frequent is not None and len(frequent):
            hashes, bounds = _drop_frequent(hashes, bounds, frequent)
        out[fast] = _minhash_rows(hashes, bounds, num_perm)
    if slow:
        sets = [rare_shingles(_char_shingles(texts[i], k), frequent) for i in slow]
        out[slow] = bulk(sets, num_perm)
    return out


# Bits of a shingle hash that address a slot of the frequent-shingle index (`_slot_index`): 2^18 slots
# (1 MB) hold a table of a few thousand entries with a dozen collisions.
_SLOT_BITS = 18
_SLOT_MASK = np.uint32((1 << _SLOT_BITS) - 1)


@lru_cache(maxsize=4)
def _slot_index(table: bytes) -> tuple[np.ndarray, np.ndarray]:
    """The table (sorted uint32 values, as bytes) as a direct-address index: slot `h & mask` holds the
    table's value with those low bits, and an empty slot holds a value whose low bits are not its own
    (so no hash matches it); the values that found their slot taken are the `rest`, looked up apart."""
    values = np.frombuffer(table, dtype=np.uint32)
    slots = np.arange(1 << _SLOT_BITS, dtype=np.uint32) ^ np.uint32(1)
    at, first = np.unique(values & _SLOT_MASK, return_index=True)
    slots[at] = values[first]
    placed = np.zeros(len(values), dtype=bool)
    placed[first] = True
    return slots, values[~placed]


def in_table(hashes: np.ndarray, table: np.ndarray) -> np.ndarray:
    """Per hash, whether it is in `table` (sorted uint32 values): one gather and compare per hash
    instead of a binary search (ten times faster on a document's shingles)."""
    slots, rest = _slot_index(table.tobytes())
    found = slots[hashes & _SLOT_MASK] == hashes
    if rest.size:
        found |= np.isin(hashes, rest)
    return found


def _drop_frequent(hashes: np.ndarray, bounds: np.ndarray, frequent: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The shingle hashes of each group (`bounds`) without the frequent ones, except in groups that have
    nothing else (they keep all theirs); and the new bounds. No group becomes empty."""
    windows = np.diff(bounds)
    rare = ~in_table(hashes, frequent)
    kept = np.add.reduceat(rare.astype(np.int64), bounds[:-1]) if len(windows) else windows
    only_frequent = kept == 0
    rare |= np.repeat(only_frequent, windows)
    kept = np.where(only_frequent, windows, kept)
    return hashes[rare], np.concatenate([[0], np.cumsum(kept)])


def rare_shingles(shingles: list[bytes], frequent: np.ndarray | None) -> list[bytes]:
    """The shingles whose xxh32 value is not in `frequent`, or all of them when none is left.

    >>> import xxhash
    >>> table = np.array([xxhash.xxh32_intdigest(b" the ")], dtype=np.uint32)
    >>> rare_shingles([b" the ", b"ferry"], table), rare_shingles([b" the "], table)
    ([b'ferry'], [b' the '])
    """
    if frequent is None or not len(frequent) or not shingles:
        return shingles
    hashes = np.fromiter((xxhash.xxh32_intdigest(s) for s in shingles), dtype=np.uint32, count=len(shingles))
    rare = ~in_table(hashes, frequent)
    return [s for s, r in zip(shingles, rare.tolist(), strict=True) if r] if rare.any() else shingles


def _char_shingles(text: str, k: int) -> list[bytes]:
    if len(text) <= k:
        return [text.encode("utf-8")] if text else []
    return [text[i : i + k].encode("utf-8") for i in range(len(text) - k + 1)]


def bulk(shingle_sets: list[list[bytes]], num_perm: int) -> np.ndarray:
    """datasketch's own batch API, for shingles the numpy path does not cover."""
    if not shingle_sets:
        return np.empty((0, num_perm), dtype=SIG_DTYPE)
    mhs = MinHash.bulk(shingle_sets, num_perm=num_perm, seed=SEED, hashfunc=xxhash.xxh32_intdigest)
    return np.stack([m.hashvalues for m in mhs]).astype(SIG_DTYPE, copy=False)
