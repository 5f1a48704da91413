"""What `DedupModel.observe` keeps of one document: its paragraphs' sketches and, beside them, their
exact hashes and facts, as numpy arrays; and their JSON form (the sketch cache and the dedup state).

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
