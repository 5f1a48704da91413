"""The protocol of corpus-level models: observe documents, merge partial models, decide, apply.

A model's statistics come from documents seen in any batch, process or earlier run; because
partial models merge, one code path serves a single process, Dask workers and incremental runs.
Each model keeps per-document contributions so a document can also be taken away (`forget`).
A decided model travels to the workers that apply it as its `decisions()` only (the observations
grow with the corpus), and `from_decisions` rebuilds a model that can `apply`.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Protocol, Self

from cleaners.document import Document
from cleaners.settings import Settings
from cleaners.verdicts import NO_VERDICTS, Verdicts


class CorpusModel(Protocol):
    def __init__(self, settings: Settings, resources: Any = None) -> None:
        """An empty model (`resources`: the artefact tables, for the models that need them)."""

    def observe(self, doc: Document) -> None:
        """Add one document's statistics."""

    def forget(self, doc_id: str) -> None:
        """Take one document's statistics away (a removed or changed raw file)."""

    def merge(self, other: Self) -> Self:
        """Combine with a partial model built elsewhere; returns self."""

    def decide(self) -> None:
        """Turn the statistics into decisions; call once after the last observe/merge."""

    def apply(self, doc: Document, verdicts: Verdicts = NO_VERDICTS) -> None:
        """Edit `doc` by the decisions, appending events (carried out after the reviewer's `verdicts`)."""

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe state with the observations (never pickle)."""

    def decisions(self) -> dict[str, Any]:
        """JSON-safe decisions only: what `apply` needs."""

    @classmethod
    def from_dict(cls, data: dict[str, Any], settings: Settings, resources: Any = None) -> Self:
        """The model `to_dict` wrote."""

    @classmethod
    def from_decisions(cls, data: dict[str, Any], settings: Settings, resources: Any = None) -> Self:
        """A decided model from `decisions()`, able to `apply` (and only that)."""


def fit(models: Iterable[CorpusModel], docs: Iterable[Document]) -> None:
    """Observe every document with every model, then decide: the whole statistics phase in one call.

    >>> from cleaners.chrome import ChromeModel
    >>> from cleaners.settings import Settings
    >>> model = ChromeModel(Settings())
    >>> fit([model], [])
    >>> model.learned
    {}
    """
    models = list(models)
    for doc in docs:
        for model in models:
            model.observe(doc)
    for model in models:
        model.decide()
