"""The report's manifest: every document's output and the hash of what that output holds."""

from __future__ import annotations

import json
import shutil
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import xxhash

from cleaners.layout import Layout
from cleaners.report import assemble_report


def _record(doc: str, status: str = "ok") -> dict:
    return {
        "doc": doc,
        "status": status,
        "error": None,
        "encoding": "utf-8",
        "language": "en",
        "site": "wire",
        "paragraphs_in": 1,
        "paragraphs_out": 1,
        "bytes_in": 10,
        "bytes_out": 10,
        "raw_hash": "r-" + doc,
    }


def test_manifest_hashes_each_output_as_written_and_records_of_one_jsonl_share_it(tmp_path: Path) -> None:
    clean = tmp_path / "clean"
    (clean / "wire").mkdir(parents=True)
    (clean / "wire" / "feed.jsonl").write_bytes(
        b'{"id": "1", "text": "Ferry resumes."}\n{"id": "2", "text": "Pier shut."}\n'
    )
    (clean / "wire" / "story.txt").write_bytes(b"The harbour reopened on Monday.\n")
    records = [
        _record("wire/feed.jsonl#1"),
        _record("wire/feed.jsonl#2"),
        _record("wire/story.txt"),
        _record("gone.txt", "error"),
    ]
    part = tmp_path / "b0.report.json"
    part.write_text(json.dumps({"documents": records, "events": [], "members": []}))
    assemble_report([part], clean, {"total": 0.0}, {"outputs_rewritten": []})
    manifest = json.loads((Layout(clean).report / "manifest.json").read_text())
    by_doc = {d["doc"]: d for d in manifest["documents"]}
    feed = xxhash.xxh3_128_hexdigest((clean / "wire" / "feed.jsonl").read_bytes())
    assert by_doc["wire/feed.jsonl#1"]["clean_hash"] == by_doc["wire/feed.jsonl#2"]["clean_hash"] == feed
    assert by_doc["wire/feed.jsonl#2"]["output"] == "wire/feed.jsonl"
    story = xxhash.xxh3_128_hexdigest((clean / "wire" / "story.txt").read_bytes())
    assert by_doc["wire/story.txt"]["clean_hash"] == story
    assert by_doc["gone.txt"]["clean_hash"] is None and by_doc["gone.txt"]["output"] is None


def _batch_steps(raw: Path, clean: Path) -> tuple[list[Path], list[Path]]:
    """The flow's batch steps in one process, one batch: the report parts and dataset parts they leave."""
    from cleaners import batches
    from cleaners.settings import Settings
    from cleaners.state import source_key

    sdata = Settings(workers=1).model_dump(mode="json")
    prepared, work = clean / "_state" / "prepared", clean / "_work"
    for folder in (prepared, work):
        folder.mkdir(parents=True)
    sources = [(str(p.relative_to(raw)), str(p), source_key(str(p.relative_to(raw)))) for p in sorted(raw.rglob("*.*"))]
    info = batches.prepare_batch("b0", sources, str(prepared), sdata)
    located = [(key, info.files[rel], "") for rel, _, key in sources]
    models = batches.decide_models(
        [batches.observe_batch("b0", located, str(prepared), str(work), sdata).path], str(work), sdata
    )
    applied = batches.apply_batch("b0", located, str(prepared), models, str(work), sdata)
    decisions = batches.cluster_batches([applied.path], str(work), sdata)
    done = batches.finish_batch("b0", decisions, str(work), str(clean), sdata)
    return [Path(done.path)], [Path(done.dataset)]


def test_batches_hash_what_they_write_and_the_manifest_holds_those_hashes(tmp_path: Path) -> None:
    """The write batches hash each output from the bytes they wrote (the report need not read the files
    again); the manifest's hashes are the files' on disk, for a text, a `.jsonl` and an unreadable file."""
    raw, clean = tmp_path / "raw", tmp_path / "clean"
    (raw / "wire").mkdir(parents=True)
    (raw / "wire" / "story.txt").write_text("Harbour reopens\n\nThe harbour reopened on Monday after repairs.\n")
    (raw / "wire" / "feed.jsonl").write_text(
        '{"id": "1", "text": "Ferry resumes\\n\\nThe ferry ran again."}\n{"id": "2", "text": "Pier shut"}\n'
    )
    (raw / "wire" / "scan.txt").write_bytes(b"\x00\x01\x02PNG" * 50)
    parts, dataset_parts = _batch_steps(raw, clean)
    hashes = json.loads(parts[0].read_text())["hashes"]
    assert hashes == {
        rel: xxhash.xxh3_128_hexdigest((clean / rel).read_bytes()) for rel in ("wire/story.txt", "wire/feed.jsonl")
    }
    with ThreadPoolExecutor(max_workers=1) as pool:  # the shards built beside the report
        assemble_report(parts, clean, {"total": 0.0}, {"outputs_rewritten": []}, dataset_parts, build_in=pool)
    manifest = json.loads((Layout(clean).report / "manifest.json").read_text())
    by_doc = {d["doc"]: d for d in manifest["documents"]}
    assert set(by_doc) == {"wire/story.txt", "wire/feed.jsonl#1", "wire/feed.jsonl#2", "wire/scan.txt"}
    for doc, entry in by_doc.items():
        target = clean / doc.split("#", 1)[0]
        assert entry["clean_hash"] == (xxhash.xxh3_128_hexdigest(target.read_bytes()) if target.is_file() else None)
    assert by_doc["wire/scan.txt"]["status"] == "error" and by_doc["wire/scan.txt"]["clean_hash"] is None
    assert list(manifest) == ["schema", "run", "dataset", "documents"]


@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="names an fd's file through /proc")
def test_the_state_cache_is_synced_and_the_work_files_are_not(tmp_path: Path, monkeypatch) -> None:
    """The prepared documents are the state's cache and reach the disk before a run goes on; the files
    between phases are scratch (a run starts by removing them), written whole but not synced."""
    import os

    from cleaners import output

    synced: list[str] = []
    real_fsync = os.fsync

    def fsync(fd: int) -> None:
        synced.append(os.readlink(f"/proc/self/fd/{fd}"))
        real_fsync(fd)

    monkeypatch.setattr(output.os, "fsync", fsync)
    raw, clean = tmp_path / "raw", tmp_path / "clean"
    (raw / "wire").mkdir(parents=True)
    (raw / "wire" / "story.txt").write_text("Harbour reopens\n\nThe harbour reopened on Monday after repairs.\n")
    _batch_steps(raw, clean)
    work = (clean / "_work").resolve()
    assert any(Path(p).parent == (clean / "_state" / "prepared").resolve() for p in synced)
    assert not [p for p in synced if Path(p).is_relative_to(work)]
    written = {"b0.models.json", "corpus.decisions.json", "b0.applied.jsonl", "b0.dedup.npz", "corpus.dedup.json"}
    assert written | {"b0.report.json"} <= {f.name for f in work.iterdir()}  # every phase wrote its file


@pytest.mark.parametrize("beside", [False, True])
def test_a_report_that_fails_leaves_the_previous_export(tmp_path: Path, monkeypatch, beside: bool) -> None:
    """When the report fails, the export's shards (built after it, or `beside` it by another executor) are
    thrown away, and the export and the manifest of the run before stay as they were."""
    import cleaners.report as report

    raw, clean = tmp_path / "raw", tmp_path / "clean"
    raw.mkdir()
    (raw / "story.txt").write_text("Harbour reopens\n\nThe harbour reopened on Monday after repairs.\n")
    parts, dataset_parts = _batch_steps(raw, clean)
    assemble_report(parts, clean, {"total": 0.0}, {"outputs_rewritten": []}, dataset_parts)
    layout = Layout(clean)
    manifest = (layout.report / "manifest.json").read_bytes()
    export = {p.name: p.read_bytes() for p in layout.dataset.iterdir()}

    def broken(*args: object, **kwargs: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(report, "write_html_report", broken)
    (raw / "story.txt").write_text("Harbour reopens\n\nThe harbour reopened on Tuesday instead.\n")
    for folder in (clean / "_state", clean / "_work"):
        shutil.rmtree(folder)
    parts, dataset_parts = _batch_steps(raw, clean)
    with ThreadPoolExecutor(max_workers=1) as pool, pytest.raises(OSError, match="No space"):
        build_in = pool if beside else None
        assemble_report(parts, clean, {"total": 0.0}, {"outputs_rewritten": []}, dataset_parts, build_in=build_in)
    assert (layout.report / "manifest.json").read_bytes() == manifest
    assert {p.name: p.read_bytes() for p in layout.dataset.iterdir()} == export
    assert not layout.dataset_staging.exists()
