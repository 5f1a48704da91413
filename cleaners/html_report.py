"""clean/_report/report.html: one self-contained page a person opens to review a run.

The page is built from the report rows alone (plus the clean files on disk), so it always agrees
with the JSON report. It holds no scripts from elsewhere, no fonts, no images and no links out:
it opens offline and leaks nothing. Every piece of corpus text goes through `html.escape`.
Size stays proportional to the corpus: detail is capped (see the limits below) and the page says so.
"""

from __future__ import annotations

import difflib
import html
import json
import re
from collections import defaultdict
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from cleaners.document import KINDS
from cleaners.layout import Layout
from cleaners.output import write_atomic

DETAIL_DOCS = 2_000  # documents (with events or errors) shown in full detail
ROW_DOCS = 20_000  # further documents listed one line each
DETAIL_CLUSTERS = 500  # clusters shown side by side
CLUSTER_MEMBERS = 12  # members shown per cluster
TEXT_CHARS = 4_000  # characters of one event's text shown
CLEAN_CHARS = 20_000  # characters of one document's clean text shown
DIFF_TOKENS = 1_500  # fixes longer than this (in tokens) are shown as before/after without a word diff

_TOKENS = re.compile(r"\s+|\w+|[^\w\s]")
# C0 controls (bar tab and LF), DEL: shown as visible symbols so a reviewer sees them.
_VISIBLE = {c: 0x2400 + c for c in range(32) if c not in (9, 10)} | {127: 0x2421}
_INVISIBLE = re.compile("[" + "".join(re.escape(chr(c)) for c in _VISIBLE) + "]")

_CSS = """
:root { color-scheme: light; --ink: #1b1f24; --muted: #57606a; --line: #d0d7de; --bg: #f6f8fa;
  --del: #ffebe9; --del-ink: #82071e; --ins: #dafbe1; --ins-ink: #116329; --flag: #fff8c5; --flag-ink: #7d4e00; }
* { box-sizing: border-box; }
body { margin: 0 auto; max-width: 1200px; padding: 1.5rem 2rem 4rem; color: var(--ink); background: #fff;
  font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", "DejaVu Sans", sans-serif; }
h1 { font-size: 1.6rem; margin: 0 0 .25rem; } h2 { font-size: 1.25rem; margin: 2rem 0 .6rem;
  border-bottom: 1px solid var(--line); padding-bottom: .25rem; }
nav a { margin-right: 1rem; color: #0969da; } .muted { color: var(--muted); } .note { background: var(--bg);
  border-left: 4px solid var(--line); padding: .4rem .8rem; margin: .6rem 0; }
code, .id, pre { font-family: ui-monospace, "SFMono-Regular", "DejaVu Sans Mono", Menlo, Consolas, monospace;
  font-size: .86rem; }
.cards { display: flex; flex-wrap: wrap; gap: .8rem; margin: .8rem 0; }
.card { border: 1px solid var(--line); border-radius: 6px; padding: .5rem .9rem; min-width: 9rem;
  background: var(--bg); }
.card b { display: block; font-size: 1.5rem; line-height: 1.2; }
table { border-collapse: collapse; margin: .4rem 0 1rem; } th, td { border: 1px solid var(--line);
  padding: .25rem .6rem; text-align: left; vertical-align: top; } th { background: var(--bg); }
td.n { text-align: right; font-variant-numeric: tabular-nums; }
.grid { display: flex; flex-wrap: wrap; gap: 0 2rem; align-items: flex-start; }
details.doc { border: 1px solid var(--line); border-radius: 6px; margin: .5rem 0; }
details.doc > summary { cursor: pointer; padding: .45rem .8rem; background: var(--bg); border-radius: 6px; }
details.doc[open] > summary { border-bottom: 1px solid var(--line); border-radius: 6px 6px 0 0; }
details.doc > .body { padding: .4rem .9rem .8rem; }
.docid { font-weight: 600; word-break: break-all; }
.pill { display: inline-block; border-radius: 999px; padding: 0 .5rem; font-size: .8rem; margin-left: .3rem;
  border: 1px solid var(--line); background: #fff; white-space: nowrap; }
.pill.removed { background: var(--del); color: var(--del-ink); border-color: #ffcecb; }
.pill.fixed { background: var(--ins); color: var(--ins-ink); border-color: #aceebb; }
.pill.flagged { background: var(--flag); color: var(--flag-ink); border-color: #eed888; }
.pill.error, .status-error { background: #82071e; color: #fff; border-color: #82071e; }
.para { margin: .7rem 0; } .para > h4 { margin: 0 0 .2rem; font-size: .85rem; color: var(--muted); font-weight: 600; }
.ev { border-left: 4px solid var(--line); padding: .3rem .7rem; margin: .3rem 0; background: #fff; }
.ev.removed { border-left-color: #cf222e; } .ev.fixed { border-left-color: #1a7f37; }
.ev.flagged { border-left-color: #bf8700; background: #fffdf0; }
.ev .label { font-size: .85rem; } .ev .label code { background: var(--bg); padding: 0 .3rem; border-radius: 4px; }
.id { color: var(--muted); user-select: all; }
.text { white-space: pre-wrap; overflow-wrap: anywhere; margin-top: .2rem; line-height: 1.55; }
del { background: var(--del); color: var(--del-ink); text-decoration: line-through; text-decoration-thickness: 1px; }
ins { background: var(--ins); color: var(--ins-ink); text-decoration: none; }
mark { background: var(--flag); color: var(--flag-ink); outline: 1px solid #eed888; }
.arrow { color: var(--muted); padding: 0 .3rem; }
.clean { background: var(--bg); border: 1px solid var(--line); border-radius: 6px; padding: .5rem .8rem;
  white-space: pre-wrap; word-break: break-word; max-height: 32rem; overflow: auto; }
.error-msg { color: #82071e; background: var(--del); padding: .3rem .6rem; border-radius: 4px; }
.cluster { display: flex; gap: .6rem; overflow-x: auto; margin: .5rem 0 1rem; align-items: stretch; }
.member { flex: 1 1 0; min-width: 16rem; border: 1px solid var(--line); border-radius: 6px; padding: .4rem .7rem; }
.member.kept { border: 2px solid #1a7f37; background: #f6fff8; }
.member .text { max-height: 18rem; overflow: auto; } .member .where { font-size: .8rem; word-break: break-all; }
.changed { background: #ddf4ff; color: #0a3069; border-radius: 2px; }
ul.rows { padding-left: 1.2rem; } ul.rows li { margin: .1rem 0; }
"""


# Optional comfort; the page reads the same without scripts.
_TOGGLE = (
    '<p><button type="button" onclick="document.querySelectorAll(\'details.doc\').forEach(d=>d.open=true)">'
    'expand all</button> <button type="button" '
    "onclick=\"document.querySelectorAll('details.doc').forEach(d=>d.open=false)\">collapse all</button></p>"
)


def _e(value: Any) -> str:
    """Escape anything for HTML text or attribute values, control characters made visible."""
    escaped = html.escape(str(value), quote=True)
    # translate() looks up every character; most texts have no control character to replace
    return escaped.translate(_VISIBLE) if _INVISIBLE.search(escaped) else escaped


def _cut(text: str | None, limit: int = TEXT_CHARS) -> str:
    """Escaped text, shortened to `limit` characters with a note saying how much was left out."""
    text = text or ""
    if len(text) <= limit:
        return _e(text)
    return f'{_e(text[:limit])}<span class="muted"> … ({len(text) - limit:,} more characters)</span>'


def _diff(before: str, after: str) -> str:
    """Word-level before → after with only the changed tokens marked; plain when too long to diff cheaply."""
    a, b = _TOKENS.findall(before), _TOKENS.findall(after)
    if len(a) > DIFF_TOKENS or len(b) > DIFF_TOKENS:
        return f'<del>{_cut(before)}</del><span class="arrow">→</span><ins>{_cut(after)}</ins>'
    out = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if op == "equal":
            out.append(_e("".join(a[i1:i2])))
            continue
        if i2 > i1:
            out.append(f"<del>{_e(''.join(a[i1:i2]))}</del>")
        if j2 > j1:
            out.append(f"<ins>{_e(''.join(b[j1:j2]))}</ins>")
    return "".join(out)


def _label(ev: dict[str, Any]) -> str:
    action = ev.get("action", "")
    parts = [
        f'<span class="pill {_e(action)}">{_e(action)}</span>',
        f"<b>{_e(ev.get('kind', ''))}</b>",
        f"<code>{_e(ev.get('rule') or '')}</code>",
    ]
    if ev.get("start") is not None:
        parts.append(f'<span class="muted">chars {_e(ev["start"])}–{_e(ev.get("end"))}</span>')
    else:
        parts.append('<span class="muted">whole paragraph</span>')
    if ev.get("confidence") is not None:
        parts.append(f'<span class="muted">confidence {_e(ev["confidence"])}</span>')
    if ev.get("lang"):
        parts.append(f'<span class="muted">language <code>{_e(ev["lang"])}</code></span>')
    dup = ev.get("duplicate_of")
    if isinstance(dup, dict):
        parts.append(
            f'<span class="muted">copy of <code>{_e(dup.get("doc"))}</code> ¶{_e(dup.get("paragraph"))}'
            f" (cluster {_e(ev.get('cluster'))})</span>"
        )
    parts.append(f'<span class="id" title="event id">id {_e(ev.get("id", ""))}</span>')
    return f'<div class="label">{" ".join(parts)}</div>'


def _event_html(ev: dict[str, Any]) -> str:
    action, text, repl = ev.get("action"), ev.get("text") or "", ev.get("replacement")
    if action == "removed":
        body = f"<del>{_cut(text)}</del>"
        if repl:
            body += f'<span class="arrow">→</span><ins>{_cut(repl)}</ins>'
    elif action == "fixed":
        body = (
            _diff(text, repl or "")
            if len(text) > 40 and repl is not None
            else (f'<del>{_cut(text)}</del><span class="arrow">→</span><ins>{_cut(repl)}</ins>')
        )
    else:
        body = f"<mark>{_cut(text)}</mark>"
        if repl is not None:
            body += f'<span class="arrow">→ suggested:</span><ins>{_cut(repl)}</ins>'
    return f'<div class="ev {_e(action)}">{_label(ev)}<div class="text">{body}</div></div>'


def _counts(evs: list[dict[str, Any]]) -> str:
    by_action: dict[str, int] = defaultdict(int)
    for ev in evs:
        by_action[ev.get("action", "")] += 1
    return "".join(
        f'<span class="pill {_e(a)}">{by_action[a]} {_e(a)}</span>'
        for a in ("removed", "fixed", "flagged")
        if by_action.get(a)
    )


def _doc_summary(doc: dict[str, Any], evs: list[dict[str, Any]]) -> str:
    status = doc.get("status", "")
    pill = f'<span class="pill status-{_e(status)}">{_e(status)}</span>'
    meta = " · ".join(
        _e(x)
        for x in (
            doc.get("language") or "",
            doc.get("site") or "",
            f"¶ {doc.get('paragraphs_in', 0)} → {doc.get('paragraphs_out', 0)}",
        )
        if x
    )
    return f'<span class="docid">{_e(doc.get("doc", ""))}</span>{pill} <span class="muted">{meta}</span>{_counts(evs)}'


def _doc_detail(doc: dict[str, Any], evs: list[dict[str, Any]], clean_text: str | None, open_: bool) -> str:
    out = [
        f'<details class="doc"{" open" if open_ else ""}><summary>{_doc_summary(doc, evs)}</summary><div class="body">'
    ]
    if doc.get("status") == "error":
        out.append(f'<p class="error-msg">{_cut(doc.get("error") or "error")}</p>')
    by_para: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for ev in evs:
        by_para[ev.get("paragraph", -1)].append(ev)
    for idx in sorted(by_para, key=lambda i: (i is None, i if isinstance(i, int) else 0)):
        out.append(f'<div class="para"><h4>paragraph {_e(idx)}</h4>')
        out.extend(_event_html(ev) for ev in by_para[idx])
        out.append("</div>")
    if doc.get("status") != "error":
        if clean_text is None:
            out.append('<p class="muted">clean text not found on disk</p>')
        elif clean_text:
            out.append(f'<h4 class="muted">clean text</h4><div class="clean">{_cut(clean_text, CLEAN_CHARS)}</div>')
        else:
            out.append('<p class="muted">clean text is empty</p>')
    out.append("</div></details>")
    return "".join(out)


def _table(head: Iterable[str], rows: Iterable[Iterable[Any]]) -> str:
    th = "".join(f"<th>{_e(h)}</th>" for h in head)
    body = "".join(
        "<tr>"
        + "".join(f'<td class="n">{_e(c)}</td>' if isinstance(c, int | float) else f"<td>{_e(c)}</td>" for c in r)
        + "</tr>"
        for r in rows
    )
    return f"<table><thead><tr>{th}</tr></thead><tbody>{body}</tbody></table>"


def _totals(summary: dict[str, Any], n_events: int) -> str:
    docs = summary.get("documents", {})
    cards = [
        ("documents", sum(docs.values())),
        ("ok", docs.get("ok", 0)),
        ("empty", docs.get("empty", 0)),
        ("errors", docs.get("error", 0)),
        ("paragraphs in → out", f"{summary.get('paragraphs_in', 0)} → {summary.get('paragraphs_out', 0)}"),
        ("events", n_events),
        ("duplicate clusters", summary.get("clusters", 0)),
        ("duplicates removed", summary.get("duplicates_removed", 0)),
    ]
    out = ['<div class="cards">']
    out.extend(f'<div class="card"><b>{_e(v)}</b><span class="muted">{_e(k)}</span></div>' for k, v in cards)
    out.append('</div><div class="grid">')
    events = summary.get("events", {})
    actions = ("removed", "fixed", "flagged")
    kinds = [*KINDS, *(k for k in events if k not in KINDS)]  # every kind, so a zero is visible too
    rows = [[k, *(events.get(k, {}).get(a, 0) for a in actions), sum(events.get(k, {}).values())] for k in kinds]
    rows.append(["all", *(sum(by.get(a, 0) for by in events.values()) for a in actions), n_events])
    out.append(f"<div><h3>Events by kind</h3>{_table(['kind', *actions, 'total'], rows)}</div>")
    langs = summary.get("languages", {})
    out.append(f"<div><h3>Languages</h3>{_table(['language', 'documents'], langs.items())}</div>")
    # Timings stay in summary.json and the Prefect artifact: the page is byte-identical for one input.
    out.append("</div>")
    return "".join(out)


def _against(kept: str, text: str) -> str:
    """A copy with the words that differ from the kept paragraph marked, so a reviewer sees what varies."""
    a, b = _TOKENS.findall(kept), _TOKENS.findall(text)
    if len(a) > DIFF_TOKENS or len(b) > DIFF_TOKENS:
        return _cut(text, 2_000)
    out = []
    for op, _, _, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if j2 > j1:
            chunk = _e("".join(b[j1:j2]))
            out.append(chunk if op == "equal" else f'<span class="changed">{chunk}</span>')
    return "".join(out)


def _cluster_html(cluster: dict[str, Any]) -> str:
    kept = cluster.get("kept") or {}
    members = list(cluster.get("members", []))

    def is_kept(m: dict[str, Any]) -> bool:
        return m.get("doc") == kept.get("doc") and m.get("paragraph") == kept.get("paragraph")

    members.sort(key=lambda m: not is_kept(m))
    kept_text = (members[0].get("text") or "") if members and is_kept(members[0]) else None
    cards = []
    for m in members[:CLUSTER_MEMBERS]:
        mine = is_kept(m)
        badge = '<span class="pill fixed">kept</span>' if mine else '<span class="pill removed">removed</span>'
        text = m.get("text") or ""
        body = _against(kept_text, text) if kept_text is not None and not mine else _cut(text, 2_000)
        cards.append(
            f'<div class="member{" kept" if mine else ""}"><div>{badge} ¶{_e(m.get("paragraph"))}</div>'
            f'<div class="where"><code>{_e(m.get("doc"))}</code></div><div class="text">{body}</div></div>'
        )
    if len(members) > CLUSTER_MEMBERS:
        cards.append(f'<div class="member muted">… {len(members) - CLUSTER_MEMBERS:,} more copies</div>')
    head = f'<h3>cluster {_e(cluster.get("cluster"))} <span class="muted">({len(members)} members)</span></h3>'
    return f'{head}<div class="cluster">{"".join(cards)}</div>'


def _clean_texts(clean: Path, documents: list[dict[str, Any]], wanted: set[str]) -> dict[str, str]:
    """Clean text of the `wanted` documents: `path` from clean/<path>, `path#id` from the record in clean/<path>."""
    texts: dict[str, str] = {}
    records: dict[str, list[str]] = defaultdict(list)  # jsonl file -> its readable records' ids, in raw order
    for d in documents:
        doc_id = d.get("doc", "")
        rel, sep, rid = doc_id.partition("#")
        if sep and d.get("status") != "error":
            records[rel].append(rid)
        elif doc_id in wanted:
            try:
                texts[doc_id] = (clean / rel).read_text(encoding="utf-8", errors="replace").rstrip("\n")
            except (OSError, ValueError):
                pass
    for rel, rids in records.items():
        if any(f"{rel}#{r}" in wanted for r in rids):
            found = _jsonl_texts(clean / rel, rids)
            texts.update((f"{rel}#{r}", t) for r, t in found.items() if f"{rel}#{r}" in wanted)
    return texts


def _jsonl_texts(path: Path, rids: list[str]) -> dict[str, str]:
    """Record id -> clean text. Records without an id were named `line-N` after their raw line; the clean
    file keeps the readable records in raw order, so those are matched in order of N."""
    found: dict[str, str] = {}
    unnamed: list[str] = []
    try:
        with open(path, encoding="utf-8", errors="replace") as fh:
            for line in fh:
                try:
                    row = json.loads(line)
                except json.JSONDecodeError:
                    continue
                if not isinstance(row, dict):
                    continue
                rid, text = row.get("id"), row.get("text")
                text = text if isinstance(text, str) else ""
                if rid is not None and str(rid).strip():
                    found[str(rid)] = text
                else:
                    unnamed.append(text)
    except OSError:
        return found
    line_ids = sorted(
        (r for r in rids if r.startswith("line-") and r[5:].isdigit() and r not in found), key=lambda r: int(r[5:])
    )
    for rid, text in zip(line_ids, unnamed, strict=False):
        found[rid] = text
    return found


def render(
    clean: Path, documents: list[dict], events: list[dict], clusters: list[dict], summary: dict[str, Any]
) -> str:
    """The whole page as a string."""
    by_doc: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for ev in events:
        by_doc[ev.get("doc", "")].append(ev)
    reviewed = [d for d in documents if by_doc.get(d.get("doc", "")) or d.get("status") == "error"]
    quiet = [d for d in documents if not (by_doc.get(d.get("doc", "")) or d.get("status") == "error")]
    detail, rest = reviewed[:DETAIL_DOCS], reviewed[DETAIL_DOCS:] + quiet
    texts = _clean_texts(clean, documents, {d.get("doc", "") for d in detail if d.get("status") != "error"})
    errors = [d for d in documents if d.get("status") == "error"]
    known = {d.get("doc") for d in documents}
    orphans = sorted(k for k in by_doc if k not in known)

    out = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        "<title>corpusclean report</title>",
        f"<style>{_CSS}</style></head><body>",
        "<h1>corpusclean report</h1>",
        f'<p class="muted">{len(documents):,} documents, {len(events):,} events, {len(clusters):,} duplicate clusters.'
        " Every event shows its id: put ids in the overrides file to accept or reject a decision.</p>",
        '<nav><a href="#totals">Totals</a><a href="#errors">Errors</a><a href="#documents">Documents</a>'
        '<a href="#clusters">Duplicate clusters</a></nav>',
        '<h2 id="totals">Totals</h2>',
        _totals(summary, len(events)),
        f'<h2 id="errors">Errors <span class="muted">({len(errors):,})</span></h2>',
    ]
    if errors:
        shown = errors[:ROW_DOCS]
        rows = "".join(
            f"<li><code>{_e(d.get('doc'))}</code>: "
            f'<span class="error-msg">{_cut(d.get("error") or "error", 500)}</span></li>'
            for d in shown
        )
        out.append(f'<ul class="rows">{rows}</ul>')
        if len(errors) > len(shown):
            out.append(f'<p class="note">{len(errors) - len(shown):,} more errors: see documents.jsonl.</p>')
    else:
        out.append('<p class="muted">No document failed.</p>')

    out.append(f'<h2 id="documents">Documents <span class="muted">({len(documents):,})</span></h2>')
    out.append(
        '<p class="muted">Removed text is <del>struck through</del>, fixes show <del>before</del> → <ins>after</ins>, '
        "flags are <mark>highlighted</mark> with their suggestion. Each paragraph's events are in the order the "
        "stages made them; the clean text as written follows.</p>"
    )
    if len(reviewed) > DETAIL_DOCS:
        out.append(
            f'<p class="note">Full detail for the first {DETAIL_DOCS:,} of {len(reviewed):,} documents with events or '
            "errors; the others are listed one line each below. events.jsonl holds every event.</p>"
        )
    if detail:
        out.append(_TOGGLE)
    open_all = len(detail) <= 10  # a small run reads best fully expanded
    out.extend(_doc_detail(d, by_doc.get(d.get("doc", ""), []), texts.get(d.get("doc", "")), open_all) for d in detail)
    if rest:
        shown = rest[:ROW_DOCS]
        out.append(
            f'<h3>Other documents <span class="muted">({len(rest):,}; {len(quiet):,} without any event)</span></h3>'
        )
        out.append(
            '<ul class="rows">'
            + "".join(f"<li>{_doc_summary(d, by_doc.get(d.get('doc', ''), []))}</li>" for d in shown)
            + "</ul>"
        )
        if len(rest) > len(shown):
            out.append(f'<p class="note">{len(rest) - len(shown):,} more documents: see documents.jsonl.</p>')
    if orphans:
        out.append(f'<p class="note">{len(orphans):,} documents have events but no row in documents.jsonl.</p>')

    out.append(f'<h2 id="clusters">Duplicate clusters <span class="muted">({len(clusters):,})</span></h2>')
    if clusters:
        out.append(
            '<p class="muted">The kept paragraph comes first (green); the copies removed from the clean text '
            'follow, with the words that differ from the kept one <span class="changed">marked</span>.</p>'
        )
        out.extend(_cluster_html(c) for c in clusters[:DETAIL_CLUSTERS])
        if len(clusters) > DETAIL_CLUSTERS:
            out.append(
                f'<p class="note">Showing the first {DETAIL_CLUSTERS:,} of {len(clusters):,} clusters: '
                "clusters.jsonl holds them all.</p>"
            )
    else:
        out.append('<p class="muted">No near-duplicate paragraphs.</p>')
    out.append("</body></html>\n")
    return "\n".join(out)


def write_html_report(
    clean: Path, documents: list[dict], events: list[dict], clusters: list[dict], summary: dict[str, Any]
) -> Path:
    """Write clean/_report/report.html atomically and return its path."""
    path = Layout(clean).html
    write_atomic(path, render(clean, documents, events, clusters, summary).encode("utf-8", "replace"))
    return path
