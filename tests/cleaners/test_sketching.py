"""The vectorised sketching and normalising paths give exactly what the straightforward ones give."""

from __future__ import annotations

import random
import string
from pathlib import Path

import numpy as np
import pytest
import xxhash
from datasketch import MinHash
from hypothesis import given, settings
from hypothesis import strategies as st

from cleaners import sketching
from cleaners.dedup import _normalise_unicode, normalise
from cleaners.document import split_paragraphs

REPO_RAW = Path(__file__).resolve().parents[2] / "raw"

ASCII = st.text(alphabet=st.characters(max_codepoint=127), max_size=300)
MIXED = st.text(alphabet=string.ascii_letters + " ,.0123456789é’–\u00ad", max_size=200)


@pytest.fixture(scope="module")
def sample_texts() -> list[str]:
    """Paragraphs of the repository's sample corpus (English prose, a few other languages)."""
    texts = [
        p.text
        for path in sorted(REPO_RAW.rglob("*.txt"))
        for p in split_paragraphs(path.read_text(encoding="utf-8", errors="replace"))
    ]
    assert len(texts) > 100
    return texts


def _reference(texts: list[str], k: int, num_perm: int) -> np.ndarray:
    """datasketch's own batch API on the same shingles, one MinHash per text."""
    sets = [sketching._char_shingles(t, k) for t in texts]
    mhs = MinHash.bulk(sets, num_perm=num_perm, seed=sketching.SEED, hashfunc=xxhash.xxh32_intdigest)
    return np.stack([m.hashvalues for m in mhs]).astype(np.uint32)


@given(st.binary(min_size=15, max_size=80), st.integers(min_value=1, max_value=15))
def test_xxh32_windows_equal_xxhash(data: bytes, length: int) -> None:
    arr = np.frombuffer(data, dtype=np.uint8)
    starts = np.arange(len(data) - length + 1)
    got = sketching.xxh32_windows(arr, starts, length)
    assert got.tolist() == [xxhash.xxh32_intdigest(data[i : i + length]) for i in starts]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.one_of(ASCII, MIXED), min_size=1, max_size=12), st.sampled_from([3, 5, 9]))
def test_sketch_char_equals_minhash_bulk(texts: list[str], k: int) -> None:
    texts = [normalise(t) for t in texts]
    texts = [t for t in texts if t] or ["a lone paragraph"]
    assert np.array_equal(sketching.sketch_char(texts, k, 64), _reference(texts, k, 64))


def test_sketch_char_equals_minhash_bulk_on_prose(sample_texts: list[str]) -> None:
    """Whole documents' worth of paragraphs: many groups per chunk and groups larger than a chunk."""
    norms = [normalise(t) for t in sample_texts]
    norms = [t for t in norms if t]
    long_one = " ".join(norms)  # more shingles than one chunk holds
    texts = norms + [long_one * (1 + sketching._CHUNK_SHINGLES // max(1, len(long_one)))]
    assert np.array_equal(sketching.sketch_char(texts, 5, 128), _reference(texts, 5, 128))


@given(ASCII)
def test_ascii_normalise_equals_unicode_path(text: str) -> None:
    assert normalise(text) == _normalise_unicode(text)


def test_ascii_normalise_on_every_ascii_character() -> None:
    every = "".join(chr(c) for c in range(128))
    rng = random.Random(1)
    for _ in range(200):
        text = "".join(rng.choice(every) for _ in range(60))
        assert normalise(text) == _normalise_unicode(text)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.text(alphabet="abc é", min_size=1, max_size=40), min_size=1, max_size=10),
    st.lists(st.text(alphabet="abc é", min_size=3, max_size=3), max_size=30),
)
def test_sketch_char_without_frequent_shingles_equals_minhash_bulk(texts: list[str], table: list[str]) -> None:
    """A small alphabet, so texts share shingles with the table, some keep none (they keep all theirs)."""
    texts = [normalise(t) for t in texts]
    texts = [t for t in texts if t] or ["a b"]
    frequent = np.unique(np.array([xxhash.xxh32_intdigest(s.encode()) for s in table], dtype=np.uint32))
    sets = [sketching.rare_shingles(sketching._char_shingles(t, 3), frequent) for t in texts]
    mhs = MinHash.bulk(sets, num_perm=32, seed=sketching.SEED, hashfunc=xxhash.xxh32_intdigest)
    expected = np.stack([m.hashvalues for m in mhs]).astype(np.uint32)
    assert np.array_equal(sketching.sketch_char(texts, 3, 32, frequent), expected)


@settings(max_examples=80, deadline=None)
@given(
    st.lists(st.integers(0, 2**32 - 1), max_size=300, unique=True),
    st.lists(st.integers(0, 2**32 - 1), max_size=300),
    st.integers(0, 2**18),
)
def test_table_lookup_equals_membership(table: list[int], others: list[int], low: int) -> None:
    """Values sharing low bits (so slots collide), values absent, and the slot numbers themselves."""
    values = table + [low, low | 1 << 20, low | 1 << 25, low ^ 1]
    frequent = np.unique(np.array(values, dtype=np.uint32))
    hashes = np.array(others + values + [low ^ 1 | 1 << 30, 0, 1], dtype=np.uint32)
    expected = np.array([h in set(frequent.tolist()) for h in hashes.tolist()], dtype=bool)
    assert np.array_equal(sketching.in_table(hashes, frequent), expected)
    assert not sketching.in_table(np.array([1, 0, 3], dtype=np.uint32), np.array([7], dtype=np.uint32)).any()
