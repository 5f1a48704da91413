"""The dataset export on its own: records, shards, deterministic bytes, the swap that never shows half an
export. The flow's export and its consumers are tested in tests/flows/test_dataset_export.py."""

from __future__ import annotations

import doctest
import gzip
import json
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from cleaners import dataset
from cleaners.dataset import FIELDS, dataset_row, write_dataset, write_part
from cleaners.document import Document, Event, Paragraph
from cleaners.layout import Layout

MADE_WITH = {"fingerprint": {"settings": {"threshold": 0.5}, "versions": {"corpusclean": "0"}}, "verdicts": None}


def doc(doc_id: str, *texts: str, status: str = "ok", language: str = "en") -> Document:
    d = Document(
        id=doc_id,
        source=doc_id.split("#")[0],
        site=doc_id.split("/")[0],
        status=status,
        language=language,
        content_hash="h-" + doc_id,
        paragraphs=[Paragraph(i, t) for i, t in enumerate(texts)],
        paragraphs_in=len(texts),
    )
    return d


def corpus(n: int) -> list[Document]:
    return [
        doc(f"site{i % 3}/doc{i:03d}.txt", f"Paragraph one of document {i}.", f"And its second, {i}.") for i in range(n)
    ]


def parts_of(tmp: Path, docs: list[Document], size: int) -> list[Path]:
    """The documents split into batches of `size`, in an order unlike id order (as batches are)."""
    docs = sorted(docs, key=lambda d: d.id[::-1])
    work = tmp / f"work-{size}"
    return [write_part(work / f"b{i:05d}.dataset.jsonl", docs[i : i + size]) for i in range(0, len(docs), size)]


def export(clean: Path, parts: list[Path], **kw) -> dict:
    return write_dataset(parts, clean, run="r1", made_with=MADE_WITH, documents={"ok": 1}, **kw)


def files(clean: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(Layout(clean).dataset.iterdir())}


def test_doctests() -> None:
    assert doctest.testmod(dataset).failed == 0


def test_row_fields_and_who_is_in() -> None:
    d = doc("news/a.txt", "Kept paragraph.", "Menu")
    d.paragraphs[1].removed = "chrome"
    d.events = [
        Event(doc=d.id, paragraph=1, kind="chrome", action="removed", text="Menu", rule="chrome:navigation"),
        Event(doc=d.id, paragraph=0, kind="punctuation", action="flagged", text=" ,", rule="punctuation:space_before"),
    ]
    row = dataset_row(d)
    assert tuple(row) == FIELDS
    assert row["text"] == "Kept paragraph." and row["paragraphs_in"] == 2 and row["paragraphs_out"] == 1
    assert (row["events_chrome"], row["events_punctuation"], row["events_duplicate"]) == (1, 1, 0)
    assert row["source"] == "news/a.txt" and row["site"] == "news" and row["raw_hash"] == "h-news/a.txt"
    assert dataset_row(doc("news/e.txt", status="empty")) is None
    assert dataset_row(Document(id="x.txt", source="x.txt").fail("binary data")) is None
    gone = doc("news/dup.txt", "Copied.")
    gone.paragraphs[0].removed = "duplicate"
    assert dataset_row(gone) is None  # ok, but nothing left to read


def test_lone_surrogate_becomes_replacement_character(tmp_path: Path) -> None:
    row = dataset_row(doc("a.jsonl#1", "A lone \ud800 surrogate."))
    assert row["text"] == "A lone \ufffd surrogate."
    export(tmp_path, [write_part(tmp_path / "p.jsonl", [doc("a.jsonl#1", "A lone \ud800 surrogate.")])])
    table = pq.read_table(Layout(tmp_path).dataset / "data-00000-of-00001.parquet")
    assert table.column("text").to_pylist() == ["A lone \ufffd surrogate."]


def test_sorted_sharded_and_the_same_in_both_formats(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(dataset, "MERGE_FAN_IN", 3)  # 10 parts: merged in rounds
    docs = corpus(40)
    entry = export(tmp_path, parts_of(tmp_path, docs, 4), shard_rows=15)
    folder = Layout(tmp_path).dataset
    names = sorted(p.name for p in folder.iterdir())
    assert names == [
        "README.md",
        *[f"data-{i:05d}-of-00003.{ext}" for i in range(3) for ext in ("jsonl.gz", "parquet")],
    ]
    ids = []
    for i in range(3):
        table = pq.read_table(folder / f"data-{i:05d}-of-00003.parquet")
        assert table.column_names == list(FIELDS)
        rows = [
            json.loads(x)
            for x in gzip.decompress((folder / f"data-{i:05d}-of-00003.jsonl.gz").read_bytes()).splitlines()
        ]
        assert rows == table.to_pylist()
        ids += [r["id"] for r in rows]
    assert ids == sorted(d.id for d in docs)
    assert [len(pq.read_table(folder / f"data-{i:05d}-of-00003.parquet")) for i in range(3)] == [15, 15, 10]
    assert entry["records"] == 40
    assert {f["path"] for f in entry["files"]} == {f"_dataset/{n}" for n in names}
    card = (folder / "README.md").read_text()
    assert "| records | 40 |" in card and "`r1`" in card and 'path: "data-*.parquet"' in card


def test_shards_cut_by_text_size(tmp_path: Path) -> None:
    docs = [doc(f"s/{i}.txt", "x" * 1000) for i in range(10)]
    export(tmp_path, parts_of(tmp_path, docs, 3), shard_bytes=3000)
    shards = sorted(Layout(tmp_path).dataset.glob("*.parquet"))
    assert [len(pq.read_table(p)) for p in shards] == [3, 3, 3, 1]


def test_same_records_give_the_same_bytes_whatever_the_batches(tmp_path: Path) -> None:
    docs = corpus(30)
    a, b = tmp_path / "a", tmp_path / "b"
    export(a, parts_of(tmp_path, docs, 1), shard_rows=7)
    export(b, parts_of(tmp_path, docs, 11), shard_rows=7)
    assert files(a) == files(b)
    header = (Layout(a).dataset / "data-00000-of-00005.jsonl.gz").read_bytes()[:10]
    assert header[3] == 0 and header[4:8] == b"\0\0\0\0"  # gzip: no file name, mtime 0


def test_empty_corpus_is_an_empty_dataset_with_its_schema(tmp_path: Path) -> None:
    entry = export(tmp_path, [write_part(tmp_path / "p.jsonl", [doc("a.txt", status="empty")])])
    table = pq.read_table(Layout(tmp_path).dataset / "data-00000-of-00001.parquet")
    assert len(table) == 0 and table.column_names == list(FIELDS)
    assert entry["records"] == 0


def test_unchanged_export_is_left_untouched_and_a_changed_one_replaced(tmp_path: Path) -> None:
    docs = corpus(5)
    export(tmp_path, parts_of(tmp_path, docs, 2))
    folder = Layout(tmp_path).dataset
    before = {p.name: (p.stat().st_ino, p.stat().st_mtime_ns) for p in folder.iterdir()}
    export(tmp_path, parts_of(tmp_path, docs, 3))
    assert {p.name: (p.stat().st_ino, p.stat().st_mtime_ns) for p in folder.iterdir()} == before
    docs[0].paragraphs[0].text = "A changed paragraph."
    entry = export(tmp_path, parts_of(tmp_path, docs, 3))
    assert "A changed paragraph." in gzip.decompress((folder / "data-00000-of-00001.jsonl.gz").read_bytes()).decode()
    assert not Layout(tmp_path).dataset_staging.exists() and not Layout(tmp_path).dataset_retired.exists()
    from cleaners.state import file_hash

    assert all(file_hash(tmp_path / f["path"]) == f["hash"] for f in entry["files"])


def test_a_failure_while_building_leaves_the_previous_export(tmp_path: Path, monkeypatch) -> None:
    docs = corpus(12)
    export(tmp_path, parts_of(tmp_path, docs, 5), shard_rows=5)
    before = files(tmp_path)
    closed = []
    real = dataset._Shard.close

    def full_disk(shard) -> None:
        closed.append(shard.rows)
        if len(closed) == 2:
            raise OSError(28, "No space left on device")
        real(shard)

    monkeypatch.setattr(dataset._Shard, "close", full_disk)
    docs[0].paragraphs[0].text = "Changed."
    with pytest.raises(OSError, match="No space"):
        export(tmp_path, parts_of(tmp_path, docs, 5), shard_rows=5)
    assert closed == [5, 5]
    assert files(tmp_path) == before
    monkeypatch.setattr(dataset._Shard, "close", real)
    export(tmp_path, parts_of(tmp_path, docs, 5), shard_rows=5)  # the next run clears the leftovers
    assert files(tmp_path) != before
    assert not Layout(tmp_path).dataset_staging.exists()


def test_row_groups_bound_what_the_writer_holds(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(dataset, "ROW_GROUP_ROWS", 4)
    export(tmp_path, parts_of(tmp_path, corpus(10), 3))
    meta = pq.ParquetFile(Layout(tmp_path).dataset / "data-00000-of-00001.parquet").metadata
    assert [meta.row_group(i).num_rows for i in range(meta.num_row_groups)] == [4, 4, 2]


def test_compressing_in_hand_overs_gives_the_bytes_of_record_by_record(tmp_path: Path, monkeypatch) -> None:
    """The JSON lines go to the compressing thread in groups; deflate does not depend on the cut."""
    parts = parts_of(tmp_path, corpus(40), 9)
    monkeypatch.setattr(dataset, "LINES_PER_WRITE", 1)
    export(tmp_path / "one", parts)
    monkeypatch.setattr(dataset, "LINES_PER_WRITE", 7)
    export(tmp_path / "seven", parts)
    got = files(tmp_path / "seven")
    assert got == files(tmp_path / "one")
    lines = gzip.decompress(got["data-00000-of-00001.jsonl.gz"]).splitlines()
    assert [json.loads(line)["id"] for line in lines] == sorted(d.id for d in corpus(40))
