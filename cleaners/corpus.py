"""The protocol of corpus-level models: observe documents, merge partial models, decide, apply.

A model's statistics come from documents seen in any batch, process or earlier run; because
partial models merge, one code path serves a single process, Dask workers and incremental runs.
Each model keeps per-document contributions so a document can also be taken away (`forget`).
"""

from __future__ import annotations

from typing import Any, Protocol, Self

from cleaners.document import Document


class CorpusModel(Protocol):
    def observe(self, doc: Document) -> None:
        """Add one document's statistics."""

    def forget(self, doc_id: str) -> None:
        """Take one document's statistics away (a removed or changed raw file)."""

    def merge(self, other: Self) -> Self:
        """Combine with a partial model built elsewhere; returns self."""

    def decide(self) -> None:
        """Turn the statistics into decisions; call once after the last observe/merge."""

    def apply(self, doc: Document) -> None:
        """Edit `doc` by the decisions, appending events."""

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe state (never pickle)."""
