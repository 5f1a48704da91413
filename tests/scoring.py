"""Scores a finished run (clean/ and clean/_report) against a labels.json of the shared format."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any


def load_report(clean: Path) -> dict[str, Any]:
    rep = clean / "_report"

    def rows(name: str) -> list[dict]:
        return [json.loads(x) for x in (rep / name).read_text(encoding="utf-8").splitlines() if x.strip()]

    return {
        "documents": {r["doc"]: r for r in rows("documents.jsonl")},
        "events": rows("events.jsonl"),
        "clusters": rows("clusters.jsonl"),
        "summary": json.loads((rep / "summary.json").read_text(encoding="utf-8")),
    }


def _record_text(path: Path, rid: str) -> str:
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip() and str(json.loads(line).get("id")) == rid:
            return json.loads(line)["text"]
    raise KeyError(f"{path}#{rid}")


def repaired_text(path: Path) -> str:
    """The decoded, ftfy-repaired text of a raw file, or of a `file.jsonl#id` record."""
    from cleaners.encoding import fix_text
    from cleaners.reading import decode, normalise_newlines
    from cleaners.settings import Settings

    name, _, rid = str(path).partition("#")
    text, _ = decode(Path(name).read_bytes(), Settings())
    if rid:
        rows = [json.loads(x) for x in text.splitlines() if x.strip()]
        text = next(r["text"] for r in rows if str(r.get("id")) == rid)
    return "\n".join(fix_text(line) for line in normalise_newlines(text).split("\n"))


def clean_text(clean: Path, name: str) -> str:
    """The clean output of a document: a file, or the `text` of a `.jsonl` record."""
    file, _, rid = name.partition("#")
    return _record_text(clean / file, rid) if rid else (clean / file).read_text(encoding="utf-8")


def chrome_scores(raw: Path, clean: Path, labels: dict[str, Any]) -> dict[str, Any]:
    """Recall over labelled chrome-line occurrences, precision over removed lines, keep-line losses."""
    report = load_report(clean)
    found = total = 0
    missed: list[str] = []
    lost_keep: list[str] = []
    frag_found = frag_total = 0
    false_pos: list[str] = []
    for name, lab in labels["docs"].items():
        out = clean_text(clean, name)
        out_lines = Counter(out.split("\n"))
        chrome = set(lab.get("chrome_lines", []))
        ambiguous = set(lab.get("ambiguous_lines", []))
        removed_lines = [
            line
            for e in report["events"]
            if e["doc"] == name and e["kind"] == "chrome"
            for line in e["text"].split("\n")
        ]
        in_lines = Counter(repaired_text(raw / name).split("\n"))
        for line in chrome:
            n_in = max(1, in_lines.get(line, 0))
            left = min(n_in, out_lines.get(line, 0))
            total += n_in
            found += n_in - left
            if left:
                missed.append(f"{name}: {line}")
        for frag in lab.get("chrome_fragments", []):
            frag_total += 1
            if frag not in out:
                frag_found += 1
            else:
                missed.append(f"{name}: fragment {frag}")
        for keep in lab.get("keep_lines", []) + lab.get("keep_fragments", []):
            if keep not in out:
                lost_keep.append(f"{name}: {keep}")
        frags = lab.get("chrome_fragments", [])
        for line in removed_lines:
            if (
                line.strip()
                and line not in chrome
                and line not in ambiguous
                and not any(f in line or line in f for f in frags)
            ):
                false_pos.append(f"{name}: {line}")
    removed = found + len(false_pos)
    return {
        "recall": found / total if total else 1.0,
        "precision": found / removed if removed else 1.0,
        "lines": total,
        "found": found,
        "fragments": (frag_found, frag_total),
        "missed": missed,
        "false_positives": false_pos,
        "lost_keep": lost_keep,
    }


def paragraph_index(raw: Path, doc: str, prefix: str) -> int | None:
    """Index of the paragraph of the repaired raw text that starts with `prefix`."""
    from cleaners.document import split_paragraphs

    for p in split_paragraphs(repaired_text(raw / doc)):
        if p.text.startswith(prefix) or p.text.replace("\xa0", " ").startswith(prefix.replace("\xa0", " ")):
            return p.index
    return None


def dup_pairs_clustered(raw: Path, clean: Path, labels: dict[str, Any]) -> tuple[list[str], int]:
    """Every labelled duplicate group must sit in one cluster; returns (misses, groups checked)."""
    report = load_report(clean)
    where = {(m["doc"], m["paragraph"]): c["cluster"] for c in report["clusters"] for m in c["members"]}
    misses, groups = [], 0
    for lab in labels["docs"].values():
        for group in lab.get("dup_groups", []):
            groups += 1
            ids = set()
            for doc, prefix in group:
                idx = paragraph_index(raw, doc, prefix)
                ids.add(where.get((doc, idx)) if idx is not None else None)
            if len(ids) != 1 or None in ids:
                misses.append(f"{group[0][0]}: {group[0][1]}")
    return misses, groups
