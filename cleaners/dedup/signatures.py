"""What `DedupModel.observe` keeps of one document: its paragraphs' sketches and, beside them, their
exact hashes and facts, as numpy arrays; their JSON form (the sketch cache and the dedup state); and
many documents' arrays packed together (`pack`, `unpack`: a batch's work file for the clustering).

Why: only the sketches' hash values are kept (one uint32 array per document), never MinHash objects,
so a million paragraphs cost num_perm * 4 bytes each; the facts are kept as hashes beside them because
the clustering phase has no texts.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from cleaners.dedup.text import SIG_DTYPE


@dataclass
class DocSigs:
    """One document's contribution: sketched paragraphs and short (exact-only) ones, with their facts."""

    index: np.ndarray  # int32 paragraph indices, ascending
    exact: np.ndarray  # uint64 normalised-text hashes (digits as digits), aligned with index
    sketched: np.ndarray  # bool, aligned with index: True when the paragraph has a row in sigs
    sigs: np.ndarray  # (number of sketched paragraphs, num_perm) uint32
    wording: np.ndarray  # uint64 normalised-text hashes with digits folded, aligned with index
    numbers: np.ndarray  # uint64 `numbers_key` of `facts`, aligned with index
    name_counts: np.ndarray  # int32 number of name hashes per paragraph, aligned with index
    names: np.ndarray  # uint64 `name_hashes` of every paragraph, concatenated

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
    def from_dict(cls, data: dict[str, Any], num_perm: int) -> DocSigs:
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


# The per-paragraph arrays of `DocSigs` (one entry per live paragraph with text), packed end to end.
_PER_PARAGRAPH = ("index", "exact", "sketched", "wording", "numbers", "name_counts")


def pack(docs: dict[str, DocSigs]) -> dict[str, np.ndarray]:
    """Many documents' arrays, each field's concatenated in the documents' order, with their ids and
    paragraph counts: a batch's work file is then a few large arrays, read back without decoding a
    string per document (base64 JSON cost the clustering 3 to 4.5 s, and 1.3 times the bytes, at a million
    paragraphs).

    >>> one = DocSigs(np.array([0, 2], np.int32), np.array([7, 8], np.uint64), np.array([True, False]),
    ...     np.zeros((1, 4), np.uint32), np.array([5, 6], np.uint64), np.array([1, 1], np.uint64),
    ...     np.array([1, 0], np.int32), np.array([9], np.uint64))
    >>> unpack(pack({"a": one, "b": one}), 4)["b"].index.tolist()
    [0, 2]
    """
    ids = list(docs)
    values = [docs[k] for k in ids]
    out = {name: _concat([getattr(d, name) for d in values], _DTYPES[name]) for name in (*_PER_PARAGRAPH, "names")}
    num_perm = values[0].sigs.shape[1] if values else 0
    out["sigs"] = _concat([d.sigs.reshape(-1, num_perm) for d in values], SIG_DTYPE, (0, num_perm))
    out["ids"] = np.array(ids, dtype=str) if ids else np.zeros(0, dtype="<U1")
    out["paragraphs"] = np.array([len(d.index) for d in values], dtype="<i8")
    return out


def unpack(arrays: Any, num_perm: int) -> dict[str, DocSigs]:
    """The documents `pack` packed (`arrays`: its dict, or the `np.load` of a file it was saved in), as
    views of the packed arrays."""
    ids = [str(x) for x in arrays["ids"]]
    bounds = np.zeros(len(ids) + 1, dtype=np.int64)
    np.cumsum(np.asarray(arrays["paragraphs"], dtype=np.int64), out=bounds[1:])
    per = {name: _split(np.asarray(arrays[name], dtype=_DTYPES[name]), bounds) for name in _PER_PARAGRAPH}

    def cut(values: np.ndarray, counts: Any) -> list[np.ndarray]:
        """`values` split per document, `counts` (per paragraph) of them each paragraph's."""
        ends = np.zeros(len(counts) + 1, dtype=np.int64)
        np.cumsum(counts, out=ends[1:])
        return _split(values, ends[bounds])

    sigs = cut(np.asarray(arrays["sigs"], dtype=SIG_DTYPE).reshape(-1, num_perm), np.asarray(arrays["sketched"]))
    names = cut(np.asarray(arrays["names"], dtype=_DTYPES["names"]), np.asarray(arrays["name_counts"]))
    return {
        doc_id: DocSigs(**{name: per[name][k] for name in _PER_PARAGRAPH}, sigs=sigs[k], names=names[k])
        for k, doc_id in enumerate(ids)
    }


_DTYPES = {
    "index": np.dtype("<i4"),
    "exact": np.dtype("<u8"),
    "sketched": np.dtype(bool),
    "wording": np.dtype("<u8"),
    "numbers": np.dtype("<u8"),
    "name_counts": np.dtype("<i4"),
    "names": np.dtype("<u8"),
}


def _split(values: np.ndarray, bounds: np.ndarray) -> list[np.ndarray]:
    """values[bounds[k]:bounds[k + 1]] for each k (`np.split` costs ten times as much per piece)."""
    at = bounds.tolist()
    return [values[a:b] for a, b in zip(at[:-1], at[1:], strict=True)]


def _concat(parts: list[np.ndarray], dtype: Any, empty: tuple[int, ...] = (0,)) -> np.ndarray:
    return np.concatenate(parts).astype(dtype, copy=False) if parts else np.zeros(empty, dtype=dtype)


def _b64(arr: np.ndarray) -> str:
    return base64.b64encode(np.ascontiguousarray(arr).tobytes()).decode("ascii")


def _unb64(text: str, dtype: Any) -> np.ndarray:
    return np.frombuffer(base64.b64decode(text), dtype=dtype).copy()


def reusable_sigs(data: dict[str, Any], rows: int, num_perm: int, frequent: str | None) -> np.ndarray | None:
    """The signatures of a cached export when they fit the paragraphs to sketch and were made without
    the same table of frequent shingles (`frequent`: its hash, None for none), else None."""
    if data.get("frequent_shingles") != frequent:
        return None
    try:
        sigs = _unb64(data["sigs"], SIG_DTYPE).reshape(-1, num_perm)
    except (KeyError, TypeError, ValueError):  # a damaged cache entry: sketched again
        return None
    return sigs if len(sigs) == rows else None
