"""The order of the stages, as plain functions the flow (or a test) calls batch by batch.

per document:  read -> repair -> rule chrome -> language -> artefacts (per-document kinds)
corpus:        chrome lines + name variants: observe -> merge -> decide
per document:  apply learned chrome and name fixes, then MinHash signatures (dedup observe)
corpus:        near-duplicate clustering (decide)
per document:  drop duplicates, write
"""

from __future__ import annotations

import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cleaners import artefacts, chrome
from cleaners.dedup import DedupModel
from cleaners.document import Document
from cleaners.encoding import repair
from cleaners.language import detect_languages
from cleaners.limits import DocumentTimeout, time_limit
from cleaners.overrides import load_overrides
from cleaners.reading import Source, discover, read_source
from cleaners.settings import Settings


@dataclass
class Resources:
    """Data files loaded once per process."""

    settings: Settings
    chrome_rules: Any
    artefacts: Any
    review: dict[str, str] = field(default_factory=dict)

    @classmethod
    def load(cls, settings: Settings) -> Resources:
        return cls(
            settings=settings,
            chrome_rules=chrome.load_rules(settings.chrome_rules, settings.chrome_model),
            artefacts=artefacts.load_resources(settings),
            review=load_overrides(settings.overrides),
        )


def _fail(doc: Document, stage: str, exc: BaseException) -> None:
    doc.status = "error"
    where = traceback.extract_tb(exc.__traceback__)[-1] if exc.__traceback__ else None
    loc = f" at {Path(where.filename).name}:{where.lineno}" if where else ""
    doc.error = f"{stage} failed: {type(exc).__name__}: {exc}{loc}"
    doc.paragraphs = []


def prepare_document(doc: Document, res: Resources) -> Document:
    """The per-document passes. A failure turns the document into an error record."""
    if doc.status != "ok":
        return doc
    doc.review = res.review
    try:
        with time_limit(res.settings.doc_timeout):
            _passes(doc, res)
    except DocumentTimeout as exc:
        _fail(doc, "per-document passes", exc)
    return doc


def _passes(doc: Document, res: Resources) -> None:
    stage = "repair"
    try:
        repair(doc)
        stage = "chrome"
        chrome.strip_chrome(doc, res.chrome_rules)
        stage = "language"
        detect_languages(doc, res.settings)
        stage = "artefacts"
        artefacts.detect_artefacts(doc, res.settings, res.artefacts)
    except DocumentTimeout:
        raise
    except Exception as exc:  # noqa: BLE001 - one bad document must not stop the run
        _fail(doc, stage, exc)


def prepare_source(source: Source, res: Resources) -> list[Document]:
    return [prepare_document(doc, res) for doc in read_source(source, res.settings)]


@dataclass
class CorpusModels:
    """The corpus-level models that edit documents before near-duplicate detection."""

    chrome: chrome.ChromeModel
    names: artefacts.NameModel

    @classmethod
    def empty(cls, res: Resources) -> CorpusModels:
        return cls(chrome.ChromeModel(res.settings), artefacts.NameModel(res.settings, res.artefacts))

    def observe(self, doc: Document) -> None:
        if doc.status == "ok":
            self.chrome.observe(doc)
            self.names.observe(doc)

    def merge(self, other: CorpusModels) -> CorpusModels:
        self.chrome.merge(other.chrome)
        self.names.merge(other.names)
        return self

    def decide(self) -> None:
        self.chrome.decide()
        self.names.decide()

    def apply(self, doc: Document) -> None:
        if doc.status != "ok":
            return
        try:
            self.chrome.apply(doc)
            self.names.apply(doc)
        except Exception as exc:  # noqa: BLE001
            _fail(doc, "corpus decisions", exc)

    def to_dict(self) -> dict[str, Any]:
        return {"chrome": self.chrome.to_dict(), "names": self.names.to_dict()}

    @classmethod
    def from_dict(cls, data: dict[str, Any], res: Resources) -> CorpusModels:
        return cls(
            chrome.ChromeModel.from_dict(data["chrome"], res.settings),
            artefacts.NameModel.from_dict(data["names"], res.settings, res.artefacts),
        )

    def decisions_dict(self) -> dict[str, Any]:
        """The decided models without their observations: what `apply` needs, a fraction of the size."""
        return {"chrome": {"learned": self.chrome.learned}, "names": self.names.decisions_dict()}

    @classmethod
    def from_decisions(cls, data: dict[str, Any], res: Resources) -> CorpusModels:
        return cls(
            chrome.ChromeModel.from_dict(data["chrome"], res.settings),
            artefacts.NameModel.from_decisions(data["names"], res.settings, res.artefacts),
        )


@dataclass
class CorpusResult:
    documents: list[Document]
    dedup: DedupModel
    models: CorpusModels
    members: list[dict[str, Any]] = field(default_factory=list)


def finish_document(doc: Document, dedup: DedupModel) -> list[dict[str, Any]]:
    """Drop duplicates; returns the document's cluster-member records for the report."""
    if doc.status != "ok":
        return []
    members = dedup.members(doc)
    dedup.apply(doc)
    return members


def run_library(raw_dir: Path, settings: Settings) -> CorpusResult:
    """The whole pipeline in one process, without Prefect: for tests, benchmarks and scoring."""
    res = Resources.load(settings)
    docs = [d for src in discover(raw_dir, settings) for d in prepare_source(src, res)]
    return clean_prepared(docs, res)


def clean_prepared(docs: list[Document], res: Resources) -> CorpusResult:
    """The corpus-level half of the pipeline over documents that went through `prepare_document`."""
    settings = res.settings
    for doc in docs:
        doc.review = res.review
    models = CorpusModels.empty(res)
    for doc in docs:
        models.observe(doc)
    models.decide()
    dedup = DedupModel(settings, models.names)  # names compared through the run's name model
    for doc in docs:
        models.apply(doc)
        if doc.status == "ok":
            dedup.observe(doc)
    dedup.decide()
    members = [m for doc in docs for m in finish_document(doc, dedup)]
    return CorpusResult(documents=docs, dedup=dedup, models=models, members=members)
