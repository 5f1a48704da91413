"""The pipeline, declared once: the per-document stages and the corpus models, as lists the runners
iterate (this module's `run_library`, the batch steps of `cleaners.batches` that the flow runs on
workers, the tests and the benchmark).

per document:  read -> DOCUMENT_STAGES (repair, chrome, language, artefacts)
corpus:        CORPUS_MODELS (learned chrome lines, name spellings): observe -> merge -> decide
per document:  apply the corpus models, then MinHash signatures (dedup observe)
corpus:        near-duplicate clustering (decide)
per document:  drop duplicates, write

Adding a per-document stage is one `Stage` in `DOCUMENT_STAGES`; adding a corpus model is one class
(following `cleaners.corpus.CorpusModel`) in `CORPUS_MODELS`.
"""

from __future__ import annotations

import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cleaners import artefacts, chrome
from cleaners.artefacts.tables import ArtefactTables
from cleaners.corpus import CorpusModel, fit
from cleaners.dedup import DedupModel
from cleaners.document import Document
from cleaners.encoding import repair
from cleaners.language import detect_languages
from cleaners.limits import DocumentTimeout, time_limit
from cleaners.reading import Source, discover, read_source
from cleaners.settings import Settings
from cleaners.state import verdicts_hash
from cleaners.verdicts import NO_VERDICTS, Verdicts


@dataclass(frozen=True)
class Resources:
    """Everything a run reads once per process besides the documents: the settings, the chrome rule
    bank (with the article-line model), the artefact tables and the reviewer's verdicts."""

    settings: Settings
    chrome_rules: chrome.ChromeRules
    tables: ArtefactTables
    verdicts: Verdicts = NO_VERDICTS

    @classmethod
    def load(cls, settings: Settings) -> Resources:
        """Loaded once per process and settings (and overrides file): the batch steps call this per batch."""
        key = settings.model_dump_json() + str(verdicts_hash(settings))
        if key not in _LOADED:
            _LOADED.clear()
            _LOADED[key] = cls(
                settings=settings,
                chrome_rules=chrome.load_rules(settings.chrome_rules, settings.chrome_model),
                tables=artefacts.load_tables(settings),
                verdicts=Verdicts.load(settings.overrides),
            )
        return _LOADED[key]


_LOADED: dict[str, Resources] = {}


def _fail(doc: Document, stage: str, exc: BaseException) -> None:
    where = traceback.extract_tb(exc.__traceback__)[-1] if exc.__traceback__ else None
    loc = f" at {Path(where.filename).name}:{where.lineno}" if where else ""
    doc.fail(f"{stage} failed: {type(exc).__name__}: {exc}{loc}")


@dataclass(frozen=True)
class Stage:
    """One per-document stage: a name (an error says which stage failed) and a function over a batch of
    documents, so that a stage can judge a whole batch at once; `prepare_document` gives it one."""

    name: str
    run: Callable[[list[Document], Resources], None]


def _repair(docs: list[Document], res: Resources) -> None:
    for doc in docs:
        repair(doc, res.verdicts)


def _chrome(docs: list[Document], res: Resources) -> None:
    for doc in docs:
        chrome.strip_chrome(doc, res.chrome_rules, res.verdicts)


def _language(docs: list[Document], res: Resources) -> None:
    for doc in docs:
        detect_languages(doc, res.settings, res.verdicts)


def _artefacts(docs: list[Document], res: Resources) -> None:
    for doc in docs:
        artefacts.detect_artefacts(doc, res.settings, res.tables, res.verdicts)


DOCUMENT_STAGES: tuple[Stage, ...] = (
    Stage("repair", _repair),
    Stage("chrome", _chrome),
    Stage("language", _language),
    Stage("artefacts", _artefacts),
)

# The corpus-level models that edit documents before near-duplicate detection, in the order they apply.
CORPUS_MODELS: dict[str, type[CorpusModel]] = {
    "chrome": chrome.ChromeModel,
    "transliteration": artefacts.TransliterationModel,
}


def prepare_document(doc: Document, res: Resources) -> Document:
    """The per-document stages. A failure turns the document into an error record."""
    if doc.status != "ok":
        return doc
    try:
        with time_limit(res.settings.doc_timeout):
            _passes(doc, res)
    except DocumentTimeout as exc:
        _fail(doc, "per-document passes", exc)
    return doc


def _passes(doc: Document, res: Resources) -> None:
    for stage in DOCUMENT_STAGES:
        try:
            stage.run([doc], res)
        except DocumentTimeout:
            raise
        except Exception as exc:  # noqa: BLE001 - one bad document must not stop the run
            _fail(doc, stage.name, exc)
            return


def prepare_source(source: Source, res: Resources) -> list[Document]:
    return [prepare_document(doc, res) for doc in read_source(source, res.settings)]


class CorpusModels:
    """The `CORPUS_MODELS` of one run, observed, merged, decided and applied together."""

    def __init__(self, models: dict[str, CorpusModel]) -> None:
        self.models = models

    def __getattr__(self, name: str) -> CorpusModel:
        models = self.__dict__.get("models", {})
        if name in models:
            return models[name]
        raise AttributeError(name)

    @classmethod
    def empty(cls, res: Resources) -> CorpusModels:
        return cls({name: model(res.settings, res.tables) for name, model in CORPUS_MODELS.items()})

    def observe(self, doc: Document) -> None:
        if doc.status == "ok":
            for model in self.models.values():
                model.observe(doc)

    def merge(self, other: CorpusModels) -> CorpusModels:
        for name, model in self.models.items():
            model.merge(other.models[name])
        return self

    def decide(self) -> None:
        for model in self.models.values():
            model.decide()

    def fit(self, docs: list[Document]) -> CorpusModels:
        """Observe the documents that read well, then decide."""
        fit(self.models.values(), (d for d in docs if d.status == "ok"))
        return self

    def apply(self, doc: Document, verdicts: Verdicts = NO_VERDICTS) -> None:
        if doc.status != "ok":
            return
        try:
            for model in self.models.values():
                model.apply(doc, verdicts)
        except Exception as exc:  # noqa: BLE001
            _fail(doc, "corpus decisions", exc)

    def to_dict(self) -> dict[str, Any]:
        return {name: model.to_dict() for name, model in self.models.items()}

    @classmethod
    def from_dict(cls, data: dict[str, Any], res: Resources) -> CorpusModels:
        return cls(
            {name: model.from_dict(data[name], res.settings, res.tables) for name, model in CORPUS_MODELS.items()}
        )

    def decisions(self) -> dict[str, Any]:
        """The decided models without their observations: what `apply` needs, a fraction of the size."""
        return {name: model.decisions() for name, model in self.models.items()}

    @classmethod
    def from_decisions(cls, data: dict[str, Any], res: Resources) -> CorpusModels:
        return cls(
            {name: model.from_decisions(data[name], res.settings, res.tables) for name, model in CORPUS_MODELS.items()}
        )


@dataclass
class CorpusResult:
    documents: list[Document]
    dedup: DedupModel
    models: CorpusModels
    members: list[dict[str, Any]] = field(default_factory=list)


def finish_document(doc: Document, dedup: DedupModel, verdicts: Verdicts = NO_VERDICTS) -> list[dict[str, Any]]:
    """Drop duplicates; returns the document's cluster-member records for the report."""
    if doc.status != "ok":
        return []
    members = dedup.members(doc)
    dedup.apply(doc, verdicts)
    return members


def run_library(raw_dir: Path, settings: Settings) -> CorpusResult:
    """The whole pipeline in one process, without Prefect: for tests, benchmarks and scoring."""
    res = Resources.load(settings)
    docs = [d for src in discover(raw_dir, settings) for d in prepare_source(src, res)]
    return clean_prepared(docs, res)


def clean_prepared(docs: list[Document], res: Resources) -> CorpusResult:
    """The corpus-level half of the pipeline over documents that went through `prepare_document`."""
    settings = res.settings
    models = CorpusModels.empty(res).fit(docs)
    dedup = DedupModel(settings, models.transliteration)  # names compared through the run's transliteration model
    for doc in docs:
        models.apply(doc, res.verdicts)
        if doc.status == "ok":
            dedup.observe(doc)
    dedup.decide()
    members = [m for doc in docs for m in finish_document(doc, dedup, res.verdicts)]
    return CorpusResult(documents=docs, dedup=dedup, models=models, members=members)
