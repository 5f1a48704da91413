"""Score artefact events against a labels file (the dev-corpus/seeds `labels.json` format).

    python -m bench.artefacts --labels LABELS.json --events EVENTS.jsonl
    python -m bench.artefacts --corpus DIR        # runs the library on DIR/raw (or DIR), labels DIR/labels.json

A label is found when an event of its kind in the same document overlaps an occurrence of
the label's text (an event's `text` contains the label, is contained in it, or shares an
end of at least 3 characters, whole words, with it). Fix accuracy, over found labels with a canonical:
some overlapping event's `replacement` is the canonical, or applying the replacement to the
label's text yields it (or, when the event is larger than the label, the result contains
it). An event overlapping no label of its kind is a false positive; any event overlapping a
trap is counted as a trap flag. Events touching a `variant_groups` member are neutral.
A `language` event also finds a `foreign_fragment` label (a whole foreign paragraph).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

KINDS = ("transliteration", "calque", "punctuation", "word_order", "foreign_fragment")


def _doc_key(name: str) -> str:
    return Path(name).name


def overlaps(a: str, b: str) -> bool:
    """Textual overlap of two spans of the same document."""
    if not a or not b:
        return False
    if a in b or b in a:
        return True
    for k in range(min(len(a), len(b)) - 1, 2, -1):
        for x, y in ((a, b), (b, a)):
            # x ends with y's start; the shared piece must be whole words ("Europe" is not "European")
            if x.endswith(y[:k]) and _word_edges(x, len(x) - k, len(x)) and _word_edges(y, 0, k):
                return any(ch.isalpha() for ch in y[:k])
    return False


def _word_edges(text: str, start: int, end: int) -> bool:
    """`text[start:end]` neither starts nor ends inside a word."""
    before = text[start - 1] if start > 0 else " "
    after = text[end] if end < len(text) else " "
    return not (before.isalnum() and text[start].isalnum()) and not (after.isalnum() and text[end - 1].isalnum())


def fix_ok(label: str, canonical: str, ev: dict[str, Any]) -> bool:
    rep = ev.get("replacement")
    text = ev.get("text") or ""
    if rep is None:
        return False
    if rep == canonical:
        return True
    if label in text:
        return canonical in rep and (text == label or len(canonical) <= len(rep))
    if text in label:
        return label.replace(text, rep, 1) == canonical
    for k in range(min(len(label), len(text)) - 1, 2, -1):
        if label.endswith(text[:k]):
            return (label[: len(label) - k] + rep).startswith(canonical) or canonical in label[: len(label) - k] + rep
        if text.endswith(label[:k]):
            return canonical in rep
    return False


@dataclass
class KindScore:
    labels: int = 0
    found: int = 0
    events: int = 0
    true_events: int = 0
    canon: int = 0
    canon_ok: int = 0
    applied: int = 0  # found labels with a canonical whose right fix was applied (not only suggested)
    misses: list[str] = field(default_factory=list)
    false_pos: list[str] = field(default_factory=list)
    bad_fixes: list[str] = field(default_factory=list)

    def figures(self) -> dict[str, float | None]:
        return {
            "recall": self.found / self.labels if self.labels else None,
            "precision": self.true_events / self.events if self.events else (1.0 if self.labels else None),
            "fix_accuracy": self.canon_ok / self.canon if self.canon else None,
            "applied": self.applied / self.canon if self.canon else None,
        }


@dataclass
class Score:
    kinds: dict[str, KindScore]
    trap_flags: list[str]

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            k: {**v.figures(), "labels": v.labels, "events": v.events} for k, v in self.kinds.items()
        }
        out["trap_flags"] = len(self.trap_flags)
        return out


def score(labels: dict[str, Any], events: list[dict[str, Any]]) -> Score:
    docs = {_doc_key(k): v for k, v in labels.get("docs", {}).items()}
    by_doc: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for ev in events:
        key = _doc_key(ev.get("doc", ""))
        if key in docs and ev.get("kind") in (*KINDS, "language"):
            by_doc[key].append(ev)
    kinds = {k: KindScore() for k in KINDS}
    traps: list[str] = []
    for name, doc in docs.items():
        evs = by_doc.get(name, [])
        arts = doc.get("artefacts", [])
        neutral = [m for group in doc.get("variant_groups", []) for m in group]
        for lab in arts:
            ks = kinds.setdefault(lab["kind"], KindScore())
            ks.labels += 1
            allowed = {lab["kind"], "language"} if lab["kind"] == "foreign_fragment" else {lab["kind"]}
            hits = [e for e in evs if e["kind"] in allowed and overlaps(e.get("text") or "", lab["text"])]
            if hits:
                ks.found += 1
            else:
                ks.misses.append(f"{name}: {lab['text']!r}")
            if hits and lab.get("canonical") and lab["kind"] != "foreign_fragment":
                ks.canon += 1
                if any(fix_ok(lab["text"], lab["canonical"], e) for e in hits):
                    ks.canon_ok += 1
                    if any(e.get("action") == "fixed" and fix_ok(lab["text"], lab["canonical"], e) for e in hits):
                        ks.applied += 1
                else:
                    got = [e.get("replacement") for e in hits]
                    ks.bad_fixes.append(f"{name}: {lab['text']!r} -> {got} (want {lab['canonical']!r})")
        for ev in evs:
            if ev["kind"] not in KINDS:
                continue
            text = ev.get("text") or ""
            for trap in doc.get("traps", []):
                if overlaps(text, trap):
                    traps.append(f"{name}: {ev['kind']} {text!r} overlaps trap {trap!r}")
            if any(overlaps(text, m) for m in neutral):
                continue
            ks = kinds[ev["kind"]]
            ks.events += 1
            if any(lab["kind"] == ev["kind"] and overlaps(text, lab["text"]) for lab in arts):
                ks.true_events += 1
            else:
                ks.false_pos.append(f"{name}: {text!r} -> {ev.get('replacement')!r} [{ev.get('rule')}]")
    return Score(kinds, traps)


def report(result: Score, verbose: bool = False, out=sys.stdout) -> None:
    def fmt(x: float | None) -> str:
        return "   -  " if x is None else f"{x:6.3f}"

    print(f"{'kind':18} {'labels':>6} {'events':>6} {'recall':>6} {'precis':>6} {'fixacc':>6} {'applied':>7}", file=out)
    for kind, ks in result.kinds.items():
        f = ks.figures()
        figs = " ".join(fmt(f[k]) for k in ("recall", "precision", "fix_accuracy", "applied"))
        print(f"{kind:18} {ks.labels:6d} {ks.events:6d} {figs}", file=out)
    print(f"trap flags: {len(result.trap_flags)}", file=out)
    if verbose:
        for kind, ks in result.kinds.items():
            for line in ks.misses:
                print(f"  MISS {kind}: {line}", file=out)
            for line in ks.false_pos:
                print(f"  FP   {kind}: {line}", file=out)
            for line in ks.bad_fixes:
                print(f"  FIX  {kind}: {line}", file=out)
        for line in result.trap_flags:
            print(f"  TRAP {line}", file=out)


def run_corpus(raw: Path, settings: Any = None) -> list[dict[str, Any]]:
    """Run the library on `raw` and return all events as dicts."""
    from cleaners.pipeline import run_library
    from cleaners.settings import Settings

    result = run_library(raw, settings or Settings())
    return [e.to_dict() for d in result.documents for e in d.events]


def score_corpus(folder: Path, settings: Any = None) -> Score:
    raw = folder / "raw" if (folder / "raw").is_dir() else folder
    labels = json.loads((folder / "labels.json").read_text(encoding="utf-8"))
    return score(labels, run_corpus(raw, settings))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--labels", type=Path)
    ap.add_argument("--events", type=Path)
    ap.add_argument("--corpus", type=Path)
    ap.add_argument("-v", "--verbose", action="store_true")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
    if args.corpus:
        result = score_corpus(args.corpus)
    elif args.labels and args.events:
        labels = json.loads(args.labels.read_text(encoding="utf-8"))
        with open(args.events, encoding="utf-8") as fh:
            events = [json.loads(line) for line in fh if line.strip()]
        result = score(labels, events)
    else:
        ap.error("give --corpus DIR or --labels and --events")
    if args.json:
        print(json.dumps(result.as_dict(), indent=1))
    else:
        report(result, args.verbose)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
