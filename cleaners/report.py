"""The machine-readable record of a run: documents, events, clusters and a summary."""

from __future__ import annotations

from collections import Counter, defaultdict
from typing import Any

from cleaners.document import Document


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
    documents: list[dict[str, Any]], events: list[dict[str, Any]], clusters: list[dict[str, Any]],
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
