"""The report's manifest: every document's output and the hash of what that output holds."""

from __future__ import annotations

import json
from pathlib import Path

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
