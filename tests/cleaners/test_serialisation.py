"""Documents travel between phases as JSON: the hand-written to_dict is what dataclasses.asdict
gives (it only skips asdict's deep copy), and a round trip through the work files is lossless."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path

import pytest

from cleaners.batches import read_docs, write_docs
from cleaners.document import Document, Event
from cleaners.pipeline import run_library
from cleaners.settings import Settings

REPO_RAW = Path(__file__).resolve().parents[2] / "raw"


def test_to_dict_equals_asdict_on_the_sample_corpus(tmp_path: Path) -> None:
    docs = run_library(REPO_RAW, Settings(workers=1)).documents
    docs.append(
        Document(
            id="x.jsonl#1",
            source="x.jsonl",
            record={"id": 1, "meta": {"tags": ["a", {"b": None}]}},
            events=[Event("x.jsonl#1", 0, "duplicate", "removed", "t", duplicate_of={"doc": "y", "paragraph": 2})],
        )
    )
    assert sum(len(d.events) for d in docs) > 50 and any(d.status == "error" for d in docs)
    for doc in docs:
        got = doc.to_dict()
        assert got == asdict(doc) and list(got) == list(asdict(doc))
        for event in doc.events:
            assert event.to_dict() == asdict(event)
    path = tmp_path / "docs.jsonl"
    write_docs(path, docs)
    back = list(read_docs(path))
    assert [d.to_dict() for d in back] == [d.to_dict() for d in docs]


def test_to_dict_is_a_copy() -> None:
    """Changing the dict (as the report code does) must not change the document."""
    doc = Document(id="a", source="a", record={"id": "a", "nested": {"k": 1}})
    doc.events.append(Event("a", 0, "duplicate", "removed", "t", duplicate_of={"doc": "b", "paragraph": 0}))
    data = doc.to_dict()
    data["record"]["nested"]["k"] = 2
    data["events"][0]["duplicate_of"]["doc"] = "c"
    data["paragraphs"].append({})
    assert doc.record == {"id": "a", "nested": {"k": 1}}
    assert doc.events[0].duplicate_of == {"doc": "b", "paragraph": 0} and doc.paragraphs == []


def test_a_key_this_version_does_not_know_is_left_out_and_a_missing_field_refused() -> None:
    """Documents and events are rebuilt from JSON as they are when their keys are the fields, and
    without the extra keys a file written by another version may hold."""
    event = Event("a.txt", 0, "chrome", "removed", "Share this", rule="chrome:share")
    doc = Document(id="a.txt", source="a.txt", events=[event])
    data = {**doc.to_dict(), "added_later": 1, "events": [{**event.to_dict(), "added_later": 2}]}
    back = Document.from_dict(data)
    assert back.to_dict() == doc.to_dict() and back.events[0] == event
    assert Event.from_dict({**event.to_dict(), "added_later": 3}) == event
    broken = event.to_dict()
    del broken["kind"]
    with pytest.raises(TypeError):
        Event.from_dict(broken)


def test_decided_corpus_models_travel_without_their_observations() -> None:
    """The apply batches get the decisions only (`decisions`): applying them gives exactly
    what the full model gives, on a corpus with learned chrome and name variants."""
    import copy

    import orjson

    from cleaners.pipeline import CorpusModels, Resources, prepare_source
    from cleaners.reading import discover

    res = Resources.load(Settings(workers=1))
    docs = [d for src in discover(REPO_RAW, res.settings) for d in prepare_source(src, res)]
    full = CorpusModels.empty(res)
    for doc in docs:
        full.observe(doc)
    full.decide()
    assert full.chrome.learned and full.transliteration.spellings  # the sample corpus has both
    light = CorpusModels.from_decisions(orjson.loads(orjson.dumps(full.decisions())), res)
    a, b = copy.deepcopy(docs), copy.deepcopy(docs)
    for x, y in zip(a, b, strict=True):
        full.apply(x)
        light.apply(y)
    assert [d.to_dict() for d in a] == [d.to_dict() for d in b]
    assert sum(len(x.events) for x in a) > sum(len(d.events) for d in docs)  # the decisions did something
