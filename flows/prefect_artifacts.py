"""Prefect artifacts for a flow run: a markdown summary and a table of documents.

They let a person see in the Prefect UI (or `prefect artifact ls`) what a run did without opening
`clean/`. Built only from the report files and the summary (counts, document names, error messages):
never from settings or the environment, so no secret can reach an artifact.
Publishing is best effort: outside a flow run, or when the API refuses, it logs and returns.
"""

from __future__ import annotations

import json
import logging
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson

from cleaners.layout import Layout

SUMMARY_KEY = "clean-corpus-summary"
DOCUMENTS_KEY = "clean-corpus-documents"
TABLE_ROWS = 500
ERROR_LINES = 20
ACTIONS = ("removed", "fixed", "flagged")

_log = logging.getLogger(__name__)


def _logger() -> Any:
    """Prefect's run logger inside a run (so messages show in the UI), the module logger outside."""
    try:
        from prefect.logging import get_run_logger

        return get_run_logger()
    except Exception:
        return _log


def _in_flow_run() -> bool:
    from prefect.context import FlowRunContext, TaskRunContext

    return FlowRunContext.get() is not None or TaskRunContext.get() is not None


def _md(value: Any) -> str:
    """A value safe inside a markdown table cell or line: no markup, no line breaks, no raw HTML."""
    text = " ".join(str(value).split())
    for ch in "\\`*_[]|<>#":
        text = text.replace(ch, "\\" + ch)
    return text[:300] + ("…" if len(text) > 300 else "")


def _jsonl(path: Path) -> Iterator[dict[str, Any]]:
    """The records of a report file. Parsed by orjson (334,000 events: 0.7 s instead of 1.3 s in the
    flow process, while no worker runs), or by `json` for a line orjson refuses: a text holding a
    lone surrogate, which the report writes escaped and orjson does not accept."""
    try:
        with open(path, "rb") as fh:
            for line in fh:
                if line.strip():
                    try:
                        yield orjson.loads(line)
                    except orjson.JSONDecodeError:
                        yield json.loads(line)
    except FileNotFoundError:
        return


def _event_stats(clean: Path) -> tuple[int, Counter[str]]:
    """Text lines removed from the corpus, and events per document, streamed from events.jsonl."""
    lines_removed, per_doc = 0, Counter()
    for ev in _jsonl(Layout(clean).report / "events.jsonl"):
        per_doc[ev.get("doc", "")] += 1
        if ev.get("action") == "removed":
            lines_removed += (ev.get("text") or "").count("\n") + 1
    return lines_removed, per_doc


def _run_record(clean: Path, run_id: str | None) -> dict[str, Any]:
    if not run_id:
        return {}
    try:
        with open(Layout(clean).runs / f"{run_id}.json", encoding="utf-8") as fh:
            return json.load(fh)
    except (OSError, ValueError):
        return {}


def summary_markdown(summary: dict[str, Any], clean: Path, lines_removed: int) -> str:
    """The run at a glance, in the order a reviewer asks: did it work, what was removed, how long."""
    docs = summary.get("documents", {})
    out = [f"# Clean corpus: run {_md(summary.get('run', ''))}".rstrip(), ""]
    if summary.get("nothing_to_do"):
        out += ["**Nothing to do**: no raw file is new, changed or gone since the last run.", ""]
    run = _run_record(clean, summary.get("run"))
    if run:
        out += [
            "| added | changed | removed | outputs rewritten | outputs removed |",
            "|---:|---:|---:|---:|---:|",
            "| "
            + " | ".join(
                str(len(run.get(k) or []))
                for k in ("added", "changed", "removed", "outputs_rewritten", "outputs_removed")
            )
            + " |",
            "",
        ]
    out += [
        "## Documents",
        "",
        "| total | ok | empty | error |",
        "|---:|---:|---:|---:|",
        f"| {sum(docs.values())} | {docs.get('ok', 0)} | {docs.get('empty', 0)} | {docs.get('error', 0)} |",
        "",
        f"Paragraphs in → out: **{summary.get('paragraphs_in', 0)} → {summary.get('paragraphs_out', 0)}**; "
        f"lines removed: **{lines_removed}**; near-duplicate clusters: **{summary.get('clusters', 0)}** "
        f"({summary.get('duplicates_removed', 0)} copies removed).",
        "",
        "## Decisions by kind",
        "",
        "| kind | removed | fixed | flagged |",
        "|---|---:|---:|---:|",
    ]
    events = summary.get("events", {})
    out += [f"| {_md(k)} | " + " | ".join(str(v.get(a, 0)) for a in ACTIONS) + " |" for k, v in events.items()]
    if not events:
        out.append("| (none) | 0 | 0 | 0 |")
    out += ["", "## Languages", "", "| language | documents |", "|---|---:|"]
    out += [f"| {_md(k)} | {v} |" for k, v in summary.get("languages", {}).items()] or ["| (none) | 0 |"]
    out += ["", "## Time per stage", "", "| stage | seconds |", "|---|---:|"]
    out += [f"| {_md(k)} | {v} |" for k, v in summary.get("timings", {}).items()] or ["| (none) | |"]
    errors = summary.get("errors", [])
    if errors:
        out += ["", f"## Errors ({len(errors)})", ""]
        out += [f"- {_md(e.get('doc'))}: {_md(e.get('error'))}" for e in errors[:ERROR_LINES]]
        if len(errors) > ERROR_LINES:
            out.append(f"- … {len(errors) - ERROR_LINES} more in clean/\\_report/documents.jsonl")
    out += ["", f"Full record: {_md(Layout(clean).report)} (open report.html there to review every decision)."]
    return "\n".join(out) + "\n"


def document_rows(clean: Path, per_doc: Counter[str], limit: int = TABLE_ROWS) -> tuple[list[dict[str, Any]], int]:
    """Up to `limit` rows, the ones a reviewer needs first: errors, then the documents with most events."""
    rows = []
    for r in _jsonl(Layout(clean).report / "documents.jsonl"):
        rows.append(
            {
                "doc": r.get("doc", ""),
                "status": r.get("status", ""),
                "language": r.get("language") or "",
                "site": r.get("site") or "",
                "paragraphs_in": r.get("paragraphs_in", 0),
                "paragraphs_out": r.get("paragraphs_out", 0),
                "events": per_doc.get(r.get("doc", ""), 0),
                "bytes_in": r.get("bytes_in", 0),
                "bytes_out": r.get("bytes_out", 0),
                "error": r.get("error") or "",
            }
        )
    rows.sort(key=lambda r: (r["status"] != "error", -r["events"], r["doc"]))
    return rows[:limit], len(rows)


def publish_artifacts(summary: dict[str, Any], clean: Path) -> None:
    """Publish the summary and the documents table for the current flow run; never raises."""
    log = _logger()
    try:
        if not _in_flow_run():
            log.info("not in a Prefect flow run: no artifacts published")
            return
        from prefect.artifacts import create_markdown_artifact, create_table_artifact

        clean = Path(clean)
        lines_removed, per_doc = _event_stats(clean)
        create_markdown_artifact(
            markdown=summary_markdown(summary, clean, lines_removed),
            key=SUMMARY_KEY,
            description="Clean corpus: documents, decisions, clusters, languages, timings",
        )
        rows, total = document_rows(clean, per_doc)
        shown = f"{len(rows)} of {total} documents" + (
            " (errors first, then most events); all in clean/_report/documents.jsonl" if total > len(rows) else ""
        )
        create_table_artifact(table=rows, key=DOCUMENTS_KEY, description=f"Clean corpus documents: {shown}")
        log.info("published artifacts %s and %s", SUMMARY_KEY, DOCUMENTS_KEY)
    except Exception as exc:  # artifacts are a view; a failure must not fail the run
        log.warning("could not publish Prefect artifacts: %s: %s", type(exc).__name__, exc)
