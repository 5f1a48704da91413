"""The batch runner (`prepare_documents`): stages see a whole batch, each document keeps its own time
limit and its own failure record, and a batch gives what the documents give one by one."""

from __future__ import annotations

import dataclasses
import time
from pathlib import Path

import pytest
from conftest import REPO, shared_path
from reference import pipeline as ref_pipeline

from cleaners import pipeline
from cleaners.document import Document
from cleaners.pipeline import Resources, Stage, prepare_document, prepare_documents
from cleaners.reading import Source, discover, read_bytes, read_source
from cleaners.settings import Settings

SETTINGS = Settings(workers=1)
RES = Resources.load(SETTINGS)


def read(name: str, text: str) -> Document:
    return read_bytes(Source(rel=name, path=Path(name)), text.encode(), SETTINGS)[0]


def docs_of(folder: Path) -> list[Document]:
    return [d for src in discover(folder, SETTINGS) for d in read_source(src, SETTINGS)]


@pytest.mark.parametrize("where", ["repo raw", "seeds", "dev-corpus", "real-pages", "real-mt"])
def test_a_batch_gives_what_its_documents_give_one_by_one(where: str) -> None:
    """The runner, columns and all, equals the plain reference: each document alone, no columns."""
    folder = {
        "repo raw": lambda: REPO / "raw",
        "seeds": lambda: shared_path("seeds"),
        "dev-corpus": lambda: shared_path("dev-corpus", "raw"),
        "real-pages": lambda: shared_path("real-pages", "raw"),
        "real-mt": lambda: shared_path("real-mt", "raw"),
    }[where]()
    batch = prepare_documents(docs_of(folder), RES)
    single = [ref_pipeline.prepare_document(d, RES) for d in docs_of(folder)]
    assert [d.to_dict() for d in batch] == [d.to_dict() for d in single]
    assert any(d.events for d in batch)


def _with_stage(monkeypatch: pytest.MonkeyPatch, stage: Stage, at: int = 1) -> None:
    stages = list(pipeline.DOCUMENT_STAGES)
    stages.insert(at, stage)
    monkeypatch.setattr(pipeline, "DOCUMENT_STAGES", tuple(stages))


def _texts() -> list[Document]:
    return [read(f"s/{name}.txt", f"Title {name}\n\nThe harbour of {name} was closed on Monday.\n") for name in "abc"]


def test_a_failing_document_becomes_an_error_record_and_the_batch_goes_on(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[str] = []

    def each(doc: Document, context: object, res: Resources) -> None:
        if doc.id == "s/b.txt":
            raise ValueError("bad paragraph")

    def later(doc: Document, context: object, res: Resources) -> None:
        seen.append(doc.id)

    _with_stage(monkeypatch, Stage("flaky", each))
    _with_stage(monkeypatch, Stage("later", later), at=5)
    docs = prepare_documents(_texts(), RES)
    assert [d.status for d in docs] == ["ok", "error", "ok"]
    assert docs[1].error.startswith("flaky failed: ValueError: bad paragraph")
    assert docs[1].paragraphs == []
    assert seen == ["s/a.txt", "s/c.txt"]  # the failed document skips the later stages
    assert docs[0].language == "en" and docs[2].language == "en"


def test_each_document_has_its_own_time_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    def slow(doc: Document, context: object, res: Resources) -> None:
        if doc.id == "s/a.txt":
            while True:
                time.sleep(0.01)

    _with_stage(monkeypatch, Stage("slow", slow))
    res = dataclasses.replace(RES, settings=SETTINGS.model_copy(update={"doc_timeout": 0.3}))
    t0 = time.perf_counter()
    docs = prepare_documents(_texts(), res)
    assert time.perf_counter() - t0 < 5
    assert [d.status for d in docs] == ["error", "ok", "ok"]
    assert docs[0].error.startswith("per-document passes failed: DocumentTimeout: took longer than")
    assert "limit of 0.3 s" in docs[0].error


def test_the_limit_counts_every_stage_of_a_document(monkeypatch: pytest.MonkeyPatch) -> None:
    """Two stages of 0.2 s each exceed a limit of 0.3 s: the budget is the document's, not the stage's."""

    def nap(doc: Document, context: object, res: Resources) -> None:
        if doc.id == "s/c.txt":
            deadline = time.perf_counter() + 0.2
            while time.perf_counter() < deadline:
                pass

    _with_stage(monkeypatch, Stage("nap1", nap))
    _with_stage(monkeypatch, Stage("nap2", nap), at=2)
    res = dataclasses.replace(RES, settings=SETTINGS.model_copy(update={"doc_timeout": 0.3}))
    docs = prepare_documents(_texts(), res)
    assert [d.status for d in docs] == ["ok", "ok", "error"]
    assert "limit of 0.3 s" in docs[2].error


def test_stages_see_the_whole_batch_and_failing_columns_change_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    batches: list[list[str]] = []

    def columns(docs: list[Document], res: Resources) -> list[object]:
        batches.append([d.id for d in docs])
        raise RuntimeError("no columns today")

    def each(doc: Document, context: object, res: Resources) -> None:
        assert context is None

    _with_stage(monkeypatch, Stage("gated", each, columns))
    docs = prepare_documents(_texts(), RES)
    assert batches == [["s/a.txt", "s/b.txt", "s/c.txt"]]
    assert [d.status for d in docs] == ["ok", "ok", "ok"]
    plain = [prepare_document(d, RES) for d in _texts()]
    assert [d.to_dict() for d in docs] == [d.to_dict() for d in plain]


def test_a_panic_of_the_column_engine_leaves_the_batch_to_python(monkeypatch: pytest.MonkeyPatch) -> None:
    """Rust panics reach Python as a BaseException; the runner treats one like any failure of the columns."""
    from polars.exceptions import PanicException

    def columns(docs: list[Document], res: Resources) -> list[object]:
        raise PanicException("index out of bounds")

    stages = [dataclasses.replace(s, columns=columns) for s in pipeline.DOCUMENT_STAGES]
    monkeypatch.setattr(pipeline, "DOCUMENT_STAGES", tuple(stages))
    docs = prepare_documents(_texts(), RES)
    monkeypatch.undo()
    assert [d.to_dict() for d in docs] == [d.to_dict() for d in prepare_documents(_texts(), RES)]


def test_documents_that_did_not_read_are_left_alone() -> None:
    broken = Document(id="x.txt", source="x.txt").fail("read failed: binary")
    docs = prepare_documents([broken, *_texts()], RES)
    assert docs[0].error == "read failed: binary"
    assert [d.status for d in docs[1:]] == ["ok", "ok", "ok"]


def test_a_stage_finishes_the_documents_that_came_through_its_part(monkeypatch: pytest.MonkeyPatch) -> None:
    """`finish` gets the documents `each` did not fail, and one it cannot finish becomes an error record."""
    given: list[list[str]] = []

    def each(doc: Document, context: object, res: Resources) -> None:
        if doc.id == "s/a.txt":
            raise ValueError("bad paragraph")

    def finish(docs: list[Document], contexts: list[object], res: Resources) -> dict[int, Exception]:
        given.append([d.id for d in docs])
        return {1: ValueError("cannot rewrite")}  # the second of those it got: s/c.txt

    _with_stage(monkeypatch, Stage("finishing", each, None, finish))
    docs = prepare_documents(_texts(), RES)
    assert given == [["s/b.txt", "s/c.txt"]]
    assert [d.status for d in docs] == ["error", "ok", "error"]
    assert docs[2].error.startswith("finishing failed: ValueError: cannot rewrite")
    assert docs[1].language == "en"  # the later stages went on with the rest


def test_a_finish_that_fails_leaves_each_document_to_its_own_part(monkeypatch: pytest.MonkeyPatch) -> None:
    """The chrome stage leaves the article-line model's later rounds to its batch part; when that part
    fails, each document is given the whole stage alone, with the same result."""
    from cleaners import chrome

    calls: list[int] = []

    def broken(docs: list[Document], contexts: list[object], res: Resources) -> dict[int, Exception]:
        calls.append(len(docs))
        raise RuntimeError("no batch today")

    stages = [dataclasses.replace(s, finish=broken) if s.name == "chrome" else s for s in pipeline.DOCUMENT_STAGES]
    monkeypatch.setattr(pipeline, "DOCUMENT_STAGES", tuple(stages))
    docs = prepare_documents(docs_of(REPO / "raw"), RES)
    monkeypatch.undo()
    expected = prepare_documents(docs_of(REPO / "raw"), RES)
    assert calls and [d.to_dict() for d in docs] == [d.to_dict() for d in expected]
    assert any(e.rule in chrome.MODEL_RULES for d in docs for e in d.events)  # the rounds took lines
