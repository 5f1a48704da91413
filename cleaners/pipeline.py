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

import time
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
from cleaners.gates import engine_errors
from cleaners.language import detect_languages, language_columns
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
    """One per-document stage, in up to three parts. `columns` (optional) looks at a whole batch of
    documents at once: cheap gates evaluated over all their paragraphs or lines in one call, giving each
    document a context (what it holds that the detectors must look at). `each` is the Python part, one
    document at a time, under that document's time limit. `finish` (optional) runs after it over the
    documents that came through, with their contexts: fixed work that `each` left in the context for the
    batch to do at once (the chrome stage's later model rounds, which depend on what the rules took);
    it returns the documents it could not finish, by position, with why.

    `each` with a context of None must give the same result unaided: the columns only save work, so a
    batch whose `columns` part fails still runs; and `finish` must change no document before it can no
    longer fail, so that when it raises, each document is given its `each` part unaided instead."""

    name: str
    each: Callable[[Document, Any, Resources], None]
    columns: Callable[[list[Document], Resources], list[Any]] | None = None
    finish: Callable[[list[Document], list[Any], Resources], dict[int, Exception]] | None = None

    def contexts(self, docs: list[Document], res: Resources) -> list[Any]:
        return self.columns(docs, res) if self.columns is not None and docs else [None] * len(docs)

    def run(self, docs: list[Document], res: Resources) -> None:
        """The parts over `docs`, without time limits or failure records (tests, benchmarks)."""
        contexts = self.contexts(docs, res)
        for doc, context in zip(docs, contexts, strict=True):
            self.each(doc, context, res)
        if self.finish is not None and docs:
            for exc in self.finish(docs, contexts, res).values():
                raise exc


def _repair(doc: Document, context: Any, res: Resources) -> None:
    repair(doc, res.verdicts)


def _chrome(doc: Document, context: Any, res: Resources) -> None:
    # with the batch's columns, the article-line model's rounds wait for `_chrome_finish`
    chrome.strip_chrome(doc, res.chrome_rules, context, res.verdicts, defer=context is not None)


def _chrome_columns(docs: list[Document], res: Resources) -> list[Any]:
    return [chrome.chrome_columns(docs, res.chrome_rules)] * len(docs)


def _chrome_finish(docs: list[Document], contexts: list[Any], res: Resources) -> dict[int, Exception]:
    return chrome.finish_chrome(docs, contexts[0], res.verdicts) if contexts[0] is not None else {}


def _language(doc: Document, context: Any, res: Resources) -> None:
    detect_languages(doc, res.settings, context, res.verdicts)


def _language_columns(docs: list[Document], res: Resources) -> list[Any]:
    return language_columns(docs)


def _artefacts(doc: Document, context: Any, res: Resources) -> None:
    artefacts.detect_artefacts(doc, res.settings, res.tables, context, res.verdicts)


def _artefact_columns(docs: list[Document], res: Resources) -> list[Any]:
    return [artefacts.artefact_columns(docs, res.tables)] * len(docs)


DOCUMENT_STAGES: tuple[Stage, ...] = (
    Stage("repair", _repair),
    Stage("chrome", _chrome, _chrome_columns, _chrome_finish),
    Stage("language", _language, _language_columns),
    Stage("artefacts", _artefacts, _artefact_columns),
)

# The corpus-level models that edit documents before near-duplicate detection, in the order they apply.
CORPUS_MODELS: dict[str, type[CorpusModel]] = {
    "chrome": chrome.ChromeModel,
    "transliteration": artefacts.TransliterationModel,
}

# Documents whose columns are built together, at most (a `.jsonl` file can hold a whole corpus).
CHUNK_DOCUMENTS = 512


def prepare_document(doc: Document, res: Resources) -> Document:
    """The per-document stages for one document. A failure turns the document into an error record."""
    return prepare_documents([doc], res)[0]


def prepare_documents(docs: list[Document], res: Resources) -> list[Document]:
    """The per-document stages over a batch, stage by stage: each stage's `columns` part over the batch's
    documents at once, then its `each` part one document at a time, then its `finish` part over the
    batch. A document has `doc_timeout` seconds for all its `each` parts together; one that raises or
    runs out of time becomes an error record and skips the later stages, and the rest of the batch goes
    on."""
    # The rule bank's joint patterns and column gates, compiled now rather than under the first document's
    # time limit (once per process; a process that only decides or writes never needs them).
    res.chrome_rules.fast.warm()
    for lo in range(0, len(docs), CHUNK_DOCUMENTS):
        _prepare_chunk(docs[lo : lo + CHUNK_DOCUMENTS], res)
    return docs


def _prepare_chunk(docs: list[Document], res: Resources) -> None:
    todo = [doc for doc in docs if doc.status == "ok"]
    spent = [0.0] * len(todo)
    for stage in DOCUMENT_STAGES:
        try:
            with engine_errors():
                contexts = stage.contexts(todo, res)
        except Exception:  # noqa: BLE001 - the gates only save work: without them, every row is looked at
            contexts = [None] * len(todo)
        failed = _each(stage, todo, contexts, spent, res)
        if stage.finish is not None:
            done = [k for k in range(len(todo)) if k not in failed]
            try:
                with engine_errors():
                    unfinished = stage.finish([todo[k] for k in done], [contexts[k] for k in done], res)
            except Exception:  # noqa: BLE001 - nothing was changed: each document's part, unaided
                failed |= _each(stage, todo, [None] * len(todo), spent, res, only=done)
            else:
                for k, exc in unfinished.items():
                    _fail(todo[done[k]], stage.name, exc)
                    failed.add(done[k])
        if failed:
            todo = [doc for k, doc in enumerate(todo) if k not in failed]
            spent = [t for k, t in enumerate(spent) if k not in failed]


def _each(
    stage: Stage,
    docs: list[Document],
    contexts: list[Any],
    spent: list[float],
    res: Resources,
    only: list[int] | None = None,
) -> set[int]:
    """The stage's `each` part over the documents (those at positions `only`), each within what is left
    of its time limit (`spent` is added to); the positions of those that failed, now error records."""
    limit = res.settings.doc_timeout
    failed: set[int] = set()
    for k in range(len(docs)) if only is None else only:
        doc, t0 = docs[k], time.perf_counter()
        try:
            if limit > 0 and spent[k] >= limit:  # the last part overran its alarm (inside a C call)
                raise DocumentTimeout
            with time_limit(limit - spent[k] if limit > 0 else 0):
                stage.each(doc, contexts[k], res)
        except DocumentTimeout as exc:
            timeout = DocumentTimeout(f"took longer than the per-document limit of {limit:g} s")
            _fail(doc, "per-document passes", timeout.with_traceback(exc.__traceback__))
            failed.add(k)
        except Exception as exc:  # noqa: BLE001 - one bad document must not stop the run
            _fail(doc, stage.name, exc)
            failed.add(k)
        spent[k] += time.perf_counter() - t0
    return failed


def prepare_source(source: Source, res: Resources) -> list[Document]:
    return prepare_documents(read_source(source, res.settings), res)


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
    docs = prepare_documents([d for src in discover(raw_dir, settings) for d in read_source(src, settings)], res)
    return clean_prepared(docs, res)


def clean_prepared(docs: list[Document], res: Resources) -> CorpusResult:
    """The corpus-level half of the pipeline over documents that went through `prepare_document`."""
    settings = res.settings
    models = CorpusModels.empty(res).fit(docs)
    dedup = DedupModel(settings, models.transliteration)  # names compared through the run's transliteration model
    for doc in docs:
        models.apply(doc, res.verdicts)
    dedup.observe_many([(doc, None) for doc in docs if doc.status == "ok"])
    dedup.decide()
    members = [m for doc in docs for m in finish_document(doc, dedup, res.verdicts)]
    return CorpusResult(documents=docs, dedup=dedup, models=models, members=members)
