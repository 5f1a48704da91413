"""The machine-readable record of a run: documents, events, clusters and a summary."""

from __future__ import annotations

import json
import shutil
from collections import Counter, defaultdict
from concurrent.futures import Executor
from pathlib import Path
from typing import Any

import orjson
import xxhash

from cleaners.dataset import BuiltShards, build_shards, publish
from cleaners.document import Document
from cleaners.html_report import write_html_report
from cleaners.layout import Layout
from cleaners.output import jsonl_bytes, write_atomic

MANIFEST_SCHEMA = 1


def document_record(doc: Document) -> dict[str, Any]:
    out = doc.clean_text()
    return {
        "doc": doc.id,
        "status": doc.status,
        "error": doc.error,
        "encoding": doc.encoding,
        "language": doc.language,
        "site": doc.site,
        "paragraphs_in": doc.paragraphs_in,
        "paragraphs_out": len(doc.live) if doc.status == "ok" else 0,
        "bytes_in": doc.bytes_in,
        "bytes_out": len(out.encode("utf-8")) + (1 if out else 0),
        "raw_hash": doc.content_hash,
    }


def cluster_records(members: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Group member records (from DedupModel.members) into one record per cluster."""
    groups: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for m in members:
        groups[m["cluster"]].append(m)
    rows = []
    for cid in sorted(groups):
        ms = sorted(groups[cid], key=lambda m: (m["doc"], m["paragraph"]))
        kept = next((m for m in ms if m.get("kept")), ms[0])
        rows.append(
            {
                "cluster": cid,
                "kept": {"doc": kept["doc"], "paragraph": kept["paragraph"]},
                "members": [{"doc": m["doc"], "paragraph": m["paragraph"], "text": m["text"]} for m in ms],
            }
        )
    return rows


def summary(
    documents: list[dict[str, Any]],
    events: list[dict[str, Any]],
    clusters: list[dict[str, Any]],
    timings: dict[str, float],
) -> dict[str, Any]:
    """Counts per stage and kind from the report rows, so it always agrees with them."""
    by_status = Counter(r["status"] for r in documents)
    by_kind: dict[str, Counter[str]] = defaultdict(Counter)
    for e in events:
        by_kind[e["kind"]][e["action"]] += 1
    languages = Counter(r["language"] for r in documents if r["status"] == "ok" and r["language"])
    return {
        "documents": {s: by_status.get(s, 0) for s in ("ok", "empty", "error")},
        "paragraphs_in": sum(r["paragraphs_in"] for r in documents),
        "paragraphs_out": sum(r["paragraphs_out"] for r in documents),
        "events": {k: dict(sorted(v.items())) for k, v in sorted(by_kind.items())},
        "clusters": len(clusters),
        "duplicates_removed": sum(len(c["members"]) - 1 for c in clusters),
        "languages": dict(sorted(languages.items())),
        "errors": [{"doc": r["doc"], "error": r["error"]} for r in documents if r["status"] == "error"],
        "timings": {k: round(v, 3) for k, v in timings.items()},
    }


def _read_json(path: Path) -> Any:
    with open(path, "rb") as fh:
        return orjson.loads(fh.read())  # the parts are written with orjson; several times faster than json


def run_id(manifest_docs: list[dict[str, Any]]) -> str:
    """Names the corpus version a run produced: the same outputs give the same id."""
    h = xxhash.xxh3_64()
    for d in manifest_docs:
        h.update(json.dumps(d, sort_keys=True).encode())
    return h.hexdigest()


def assemble_report(
    parts: list[Path],
    clean: Path,
    timings: dict[str, float],
    run: dict[str, Any],
    dataset_parts: list[Path] | None = None,
    made_with: dict[str, Any] | None = None,
    build_in: Executor | None = None,
) -> dict:
    """Join the batches' report parts into clean/_report/, swap in the dataset export (from the
    batches' `dataset_parts`; `made_with` for its card), then replace the manifest last, listing the
    export's files: a reader who trusts the manifest never sees half a run.

    `build_in`: where the export's shards are built while the report is written, e.g. a worker process
    (the build takes about as long as the report; a thread would share this one's interpreter and
    save nothing). They are swapped in only once the report is written, and thrown away if it fails.
    Without it they are built here, after the report."""
    beside = build_in is not None and dataset_parts is not None
    shards = build_in.submit(build_shards, dataset_parts, clean) if beside else None
    try:
        summ, manifest = _write_report(parts, clean, timings, run)
        if shards is not None:
            built: BuiltShards | None = shards.result()
        else:
            built = build_shards(dataset_parts, clean) if dataset_parts is not None else None
    except BaseException:
        if shards is not None and shards.exception() is None:  # waits for the build to end
            shutil.rmtree(Layout(clean).dataset_staging, ignore_errors=True)
        raise
    if built is not None:
        manifest["dataset"] = publish(
            built, clean, run=manifest["run"], made_with=made_with or {}, documents=summ["documents"]
        )
    manifest["documents"] = manifest.pop("documents")  # after the dataset entry, as it always was
    write_atomic(Layout(clean).report / "manifest.json", json.dumps(manifest, ensure_ascii=False, indent=1).encode())
    return summ


def _write_report(
    parts: list[Path], clean: Path, timings: dict[str, float], run: dict[str, Any]
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The report's files and the run record; the summary and the manifest (without the dataset entry)."""
    documents, events, members = [], [], []
    hashes: dict[str, str | None] = {}  # per output file: the records of one `.jsonl` share it
    for part in parts:
        data = _read_json(part)
        documents.extend(data["documents"])
        events.extend(data["events"])
        members.extend(data["members"])
        hashes.update(data.get("hashes") or {})  # what the batch wrote, hashed as it wrote it
    documents.sort(key=lambda r: r["doc"])
    clusters = cluster_records(members)
    out = Layout(clean).report
    write_atomic(out / "documents.jsonl", jsonl_bytes(documents))
    write_atomic(out / "events.jsonl", jsonl_bytes(events))
    write_atomic(out / "clusters.jsonl", jsonl_bytes(clusters))
    summ = summary(documents, events, clusters, timings)
    write_atomic(out / "summary.json", json.dumps(summ, ensure_ascii=False, indent=1).encode())
    write_html_report(clean, documents, events, clusters, summ)

    manifest_docs = []
    for r in documents:
        rel = r["doc"].split("#", 1)[0]
        target = clean / rel
        if rel not in hashes:
            hashes[rel] = output_hash(target.read_bytes()) if target.is_file() else None
        manifest_docs.append(
            {
                "doc": r["doc"],
                "status": r["status"],
                "output": rel if r["status"] != "error" and target.exists() else None,
                "raw_hash": r.get("raw_hash"),
                "clean_hash": hashes[rel],
            }
        )
    rid = run_id(manifest_docs)
    summ["run"] = rid
    record = {"run": rid, **run, "summary": {k: summ[k] for k in ("documents", "clusters", "events")}}
    write_atomic(Layout(clean).runs / f"{rid}.json", json.dumps(record, ensure_ascii=False, indent=1).encode())
    return summ, {"schema": MANIFEST_SCHEMA, "run": rid, "documents": manifest_docs}


def output_hash(data: bytes) -> str:
    """The manifest's `clean_hash` of an output file's bytes."""
    return xxhash.xxh3_128_hexdigest(data)
