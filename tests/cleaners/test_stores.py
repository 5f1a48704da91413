"""The caches are kept per batch and found through the state by each raw file's key, however the
next run cuts its batches."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cleaners.batches import read_prepared, write_docs
from cleaners.document import Document, Paragraph
from cleaners.plan import plan_run
from cleaners.state import CorpusState, SourceState, StateError, source_key
from cleaners.stores import PREPARED_SUFFIX, FileSketches, batch_file, remove_unreferenced


def doc(rel: str, n: int = 0) -> Document:
    return Document(id=f"{rel}#{n}" if n else rel, source=rel, paragraphs=[Paragraph(0, f"Text of {rel} {n}.")])


def test_documents_come_back_in_the_asked_order_from_any_batch_file(tmp_path: Path) -> None:
    a, b, c = (source_key(r) for r in ("a.txt", "b.jsonl", "c.txt"))
    first = batch_file(sorted([a, b]), PREPARED_SUFFIX)
    write_docs(tmp_path / first, [doc("a.txt"), doc("b.jsonl", 1), doc("b.jsonl", 2)])
    second = batch_file([c], PREPARED_SUFFIX)
    write_docs(tmp_path / second, [doc("c.txt")])
    located = [(c, second, ""), (b, first, ""), (a, first, "")]  # a batch cut across both files
    assert [d.id for d in read_prepared(str(tmp_path), located)] == ["c.txt", "b.jsonl#1", "b.jsonl#2", "a.txt"]
    assert [d.id for d in read_prepared(str(tmp_path), [(b, first, "")])] == ["b.jsonl#1", "b.jsonl#2"]


def test_sketches_are_found_by_key_and_moved_only_when_the_batch_changes(tmp_path: Path) -> None:
    cache = FileSketches(tmp_path)
    where = cache.put_many({"k1": {"d1": {"digest": "x"}}, "k2": {}})
    assert where == batch_file(["k1", "k2"], ".sketch.json")
    assert cache.get_many([("k1", where), ("k3", "")]) == {"k1": {"d1": {"digest": "x"}}}
    assert cache.in_place([("k2", where), ("k1", where)])
    assert not cache.in_place([("k1", where)])  # a batch of other raw files: written anew for them
    (tmp_path / where).write_bytes(b"{cut sho")
    assert cache.get_many([("k1", where)]) == {}  # a damaged file is a miss, sketched again


def test_files_no_raw_file_names_are_removed(tmp_path: Path) -> None:
    for name in ("old.jsonl", "kept.jsonl", "old.sketch.json", "kept.sketch.json", "notes.txt"):
        (tmp_path / name).write_text("{}")
    assert remove_unreferenced(tmp_path, {"kept.jsonl", "kept.sketch.json"}) == 2
    assert sorted(p.name for p in tmp_path.iterdir()) == ["kept.jsonl", "kept.sketch.json", "notes.txt"]


def test_a_raw_file_whose_batch_file_is_missing_is_read_again(tmp_path: Path) -> None:
    state = CorpusState(root=tmp_path)
    state.prepared_dir.mkdir()
    (state.prepared_dir / "f1.jsonl").write_text("")
    state.sources = {
        "a.txt": SourceState(hash="h", key="ka", file="f1.jsonl"),
        "b.txt": SourceState(hash="h", key="kb", file="gone.jsonl"),
        "c.txt": SourceState(hash="h", key="kc"),  # written by a release that cached per raw file
    }
    scanned = [(rel, f"/raw/{rel}", key, "h") for rel, key in (("a.txt", "ka"), ("b.txt", "kb"), ("c.txt", "kc"))]
    assert [rel for rel, _, _ in plan_run(state, scanned).changed] == ["b.txt", "c.txt"]


def test_the_state_records_where_each_raw_file_is_cached(tmp_path: Path) -> None:
    entry = SourceState("h", source_key("a.txt"), ["a.txt"], "f.jsonl", "s.sketch.json")
    state = CorpusState(root=tmp_path, sources={"a.txt": entry})
    state.root.mkdir(exist_ok=True)
    state.save()
    again = CorpusState.load(tmp_path)
    assert again.sources["a.txt"] == state.sources["a.txt"]
    assert again.referenced() == {"f.jsonl", "s.sketch.json"}
    data = json.loads((tmp_path / "state.json").read_text())
    data["sources"]["a.txt"]["file"] = "../../etc/passwd"
    (tmp_path / "state.json").write_text(json.dumps(data))
    with pytest.raises(StateError, match="not the name of a file.*--full"):
        CorpusState.load(tmp_path)
