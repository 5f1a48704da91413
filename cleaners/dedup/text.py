"""What a paragraph's text becomes for comparison: its normalised form, shingles, exact hash and MinHash sketch.

Why this shape:
- Paragraphs are normalised (case, punctuation, digits, spacing) so that copies differing in
  typography still compare equal, then shingled and sketched: datasketch's MinHash (xxh32 as the
  32-bit input hash its default "affine32" scheme expects), computed for a whole document at once
  by `cleaners.sketching` with values identical to `MinHash.bulk`.
- Shingles frequent in any English text (`frequent`: " the ", "tion ") are left out of the sketch:
  they are no evidence of copying, and they made unrelated paragraphs LSH candidates.
- The exact hash keeps digits as digits (the sketch folds them), so an exact repeat is still a copy
  and "Step 5" / "Step 7" are not; paragraphs too short to shingle are compared by it alone.

(The module is not called `normalise`: that name is the function the package exports.)
"""

from __future__ import annotations

import re
import unicodedata

import numpy as np
import xxhash

from cleaners import sketching
from cleaners.dedup import frequent
from cleaners.settings import Settings

SEED = sketching.SEED
SCHEME = "affine32"  # datasketch 2 default: 32-bit input hashes, uint32 hash values
SIG_DTYPE = sketching.SIG_DTYPE
# A paragraph is sketched from at most this many normalised characters, so a pathological 10 MB
# "paragraph" costs bounded memory; its exact hash still covers all of it.
MAX_SKETCH_CHARS = 100_000
# Texts sketched per vectorised call: a batch's paragraphs in one call would spill the processor's
# caches (a 20,000-text call is twice as slow per text as ten of 2,000), one document's pay the call's
# fixed cost twenty times over.
SKETCH_CHUNK_TEXTS = 2_048


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


def exact_hash(norm: str, nums: list[str] | None = None) -> int:
    """Hash of a normalised text with its digits as digits (`nums`, in order): "Step 5" and "Step 7"
    normalise alike but are different paragraphs; "4,000" and "4 000" are the same one."""
    if nums:
        norm = norm + "\x1f" + " ".join(nums)
    return xxhash.xxh3_64_intdigest(norm.encode("utf-8", "surrogatepass"))


def sketch(shingle_sets: list[list[bytes]], num_perm: int) -> np.ndarray:
    """MinHash hash values of several shingle lists at once, as an (n, num_perm) uint32 array."""
    return sketching.bulk(shingle_sets, num_perm)


def sketch_texts(norms: list[str], settings: Settings) -> np.ndarray:
    """Signatures of normalised texts: character shingles through the vectorised path (identical
    values), without the frequent shingles of the settings' table (`frequent`); word shingles through
    datasketch's batch API."""
    texts = [n[:MAX_SKETCH_CHARS] for n in norms]
    if settings.shingle == "char":
        table = frequent.for_settings(settings)
        hashes = table.hashes if table is not None else None
        size = max(1, settings.shingle_size)
        parts = [
            sketching.sketch_char(texts[lo : lo + SKETCH_CHUNK_TEXTS], size, settings.num_perm, hashes)
            for lo in range(0, len(texts), SKETCH_CHUNK_TEXTS)
        ]
        return np.concatenate(parts) if parts else np.empty((0, settings.num_perm), dtype=np.uint32)
    return sketch([shingles(t, settings) for t in texts], settings.num_perm)
