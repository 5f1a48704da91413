"""Judge the product on real text: real scraped pages, real machine translation, and the labelled sets.

    python -m bench.real                     # all four sets, figures only
    python -m bench.real --sets pages,mt -v  # two sets, with every name/organisation fix and flag listed

Each set is cleaned by the real `corpusclean run` (Prefect ephemeral mode) into a scratch folder, then
scored by the set's own scorer:

- `pages` (`../shared/real-pages`, human-written English): name and organisation fixes (each one is
  damage on human text), artefact flags per 1,000 raw words, duplicate removals whose kept copy holds other
  numbers, and the set's `score.py` chrome figures.
- `mt` (`../shared/real-mt`, real MT with expert error spans): the set's `score.py` per-rule lift over
  chance, fixes outside expert spans, and events on the human references.
- `seeds`, `dev` (labelled): recall, precision and fix accuracy per artefact kind (`bench.artefacts.score`),
  whether every labelled duplicate group is clustered, and the chrome lines removed, wrongly removed and
  the keep lines lost (`tests.scoring.chrome_scores`).

The sets are not part of this repository; `--shared` says where they are (default `../shared`).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from bench.artefacts import report as report_artefacts
from bench.artefacts import score as score_artefacts

SETS = ("seeds", "dev", "pages", "mt")
ARTEFACT_KINDS = ("transliteration", "calque", "punctuation", "word_order", "foreign_fragment")
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")


def _events(clean: Path) -> list[dict[str, Any]]:
    with open(clean / "_report" / "events.jsonl", encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def run_product(raw: Path, clean: Path, extra: list[str] | None = None) -> Path:
    """`corpusclean run RAW CLEAN` in a scratch working directory (no settings file is picked up); returns
    CLEAN."""
    clean.parent.mkdir(parents=True, exist_ok=True)
    exe = Path(sys.executable).with_name("corpusclean")
    env = dict(os.environ, PREFECT_SERVER_ANALYTICS_ENABLED="false", DO_NOT_TRACK="1")
    env.setdefault("PREFECT_HOME", str(clean.parent / "prefect-home"))
    cmd = [str(exe), "run", str(raw), str(clean), "--workers", "1", *(extra or [])]
    proc = subprocess.run(cmd, cwd=clean.parent, env=env, capture_output=True, text=True)
    if proc.returncode != 0:
        raise SystemExit(f"corpusclean failed on {raw}:\n{proc.stdout[-2000:]}\n{proc.stderr[-2000:]}")
    return clean


def numbers(text: str) -> list[str]:
    """Digit runs with their separators folded (`4,000` = `4.000` = `4000`): a plain check of its own,
    not the duplicate stage's `cleaners.dedup.numbers`, so that the stage is not measured by itself."""
    return [re.sub(r"[.,\s]", "", n) for n in _NUMBER.findall(text)]


def duplicate_fact_changes(clean: Path) -> list[dict[str, Any]]:
    """Duplicate removals whose kept copy holds other numbers than the removed text."""
    kept_text: dict[tuple[str, int], str] = {}
    with open(clean / "_report" / "clusters.jsonl", encoding="utf-8") as fh:
        for line in fh:
            c = json.loads(line)
            for m in c["members"]:
                kept_text[(m["doc"], m["paragraph"])] = m["text"]
    out = []
    for ev in _events(clean):
        if ev["kind"] != "duplicate" or not ev.get("duplicate_of"):
            continue
        of = ev["duplicate_of"]
        kept = kept_text.get((of["doc"], of["paragraph"]))
        if kept is not None and sorted(numbers(kept)) != sorted(numbers(ev["text"] or "")):
            out.append({"doc": ev["doc"], "removed": ev["text"], "kept": kept})
    return out


def score_pages(shared: Path, work: Path, verbose: bool) -> dict[str, Any]:
    raw = shared / "real-pages" / "raw"
    clean = run_product(raw, work / "pages" / "clean")
    events = _events(clean)
    words = sum(len(p.read_text(encoding="utf-8").split()) for p in raw.glob("*.txt"))
    name_fixes = [e for e in events if e["kind"] in ("transliteration", "calque") and e["action"] == "fixed"]
    flags = [e for e in events if e["kind"] in ARTEFACT_KINDS]
    dups = duplicate_fact_changes(clean)
    scorer = subprocess.run(
        [sys.executable, str(shared / "real-pages" / "score.py"), str(clean), "--exclude", "lifehacker-working"],
        capture_output=True,
        text=True,
        check=True,
    )
    chrome = json.loads(scorer.stdout.strip().splitlines()[-1])
    out = {
        "raw_words": words,
        "name_fixes": len(name_fixes),
        "artefact_events": len(flags),
        "artefact_events_per_1k_words": round(1000 * len(flags) / words, 3),
        "duplicate_removals": sum(e["kind"] == "duplicate" for e in events),
        "duplicate_removals_other_numbers": len(dups),
        "chrome": {k: v for k, v in chrome.items() if not isinstance(v, (dict, list))},
    }
    if verbose:
        for e in name_fixes:
            print(f"  FIX  {e['doc']}: {e['text']!r} -> {e['replacement']!r} [{e['rule']}]")
        for e in flags:
            if e["action"] != "fixed":
                print(f"  FLAG {e['doc']}: {e['text']!r} -> {e.get('replacement')!r} [{e['rule']}]")
        for d in dups:
            print(f"  DUP  {d['doc']}: removed {d['removed'][:90]!r} kept {d['kept'][:90]!r}")
    return out


def score_mt(shared: Path, work: Path, verbose: bool) -> dict[str, Any]:
    raw = shared / "real-mt" / "raw"
    clean = run_product(raw, work / "mt" / "clean")
    detail = work / "mt" / "detail.json"
    scorer = subprocess.run(
        [sys.executable, str(shared / "real-mt" / "score.py"), str(clean), "--out", str(detail)],
        capture_output=True,
        text=True,
        check=True,
    )
    if verbose:
        print(scorer.stdout)
    summary = json.loads(scorer.stdout.strip().splitlines()[-1])
    rules = {rule: {"events": v["events"], "lift_any": v.get("lift_any")} for rule, v in summary["mt_per_rule"].items()}
    return {
        "per_rule": rules,
        "fixes_outside_expert_spans": summary.get("mt_fixes_outside_expert_spans"),
        "references_per_1k_words": summary["references"]["all"]["per_1k_words"],
    }


def score_labelled(folder: Path, work: Path, name: str, verbose: bool) -> dict[str, Any]:
    from tests.scoring import chrome_scores, dup_pairs_clustered

    raw_src = folder / "raw" if (folder / "raw").is_dir() else folder
    raw = work / name / "raw"
    shutil.copytree(raw_src, raw, ignore=shutil.ignore_patterns("labels.json", "*.py", "*.md"))
    clean = run_product(raw, work / name / "clean")
    labels = json.loads((folder / "labels.json").read_text(encoding="utf-8"))
    result = score_artefacts(labels, _events(clean))
    if verbose:
        report_artefacts(result, verbose=True)
    misses, groups = dup_pairs_clustered(raw, clean, labels)
    chrome = chrome_scores(raw, clean, labels)
    if verbose:
        for line in chrome["missed"]:
            print(f"  CHROME KEPT  {line}")
        for line in chrome["false_positives"]:
            print(f"  CHROME WRONG {line}")
        for line in chrome["lost_keep"]:
            print(f"  KEEP LOST    {line}")
    return {
        "artefacts": result.as_dict(),
        "dup_groups": groups,
        "dup_groups_missed": misses,
        "chrome": {
            "recall": round(chrome["recall"], 4),
            "precision": round(chrome["precision"], 4),
            "lines": chrome["lines"],
            "removed_not_labelled": len(chrome["false_positives"]),
            "keep_lines_lost": len(chrome["lost_keep"]),
        },
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--shared", type=Path, default=Path("../shared"), help="folder holding the four sets")
    ap.add_argument("--sets", default=",".join(SETS), help=f"comma-separated subset of {', '.join(SETS)}")
    ap.add_argument("-v", "--verbose", action="store_true", help="list every event behind the figures")
    ap.add_argument("--json", type=Path, help="also write the figures to this file")
    args = ap.parse_args(argv)
    args.shared = args.shared.resolve()
    chosen = [s.strip() for s in args.sets.split(",") if s.strip()]
    unknown = set(chosen) - set(SETS)
    if unknown:
        ap.error(f"unknown set(s): {', '.join(sorted(unknown))}")
    figures: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="corpusclean-real-") as tmp:
        work = Path(tmp)
        for name in chosen:
            print(f"== {name}", flush=True)
            if name == "pages":
                figures[name] = score_pages(args.shared, work, args.verbose)
            elif name == "mt":
                figures[name] = score_mt(args.shared, work, args.verbose)
            else:
                folder = args.shared / ("seeds" if name == "seeds" else "dev-corpus")
                figures[name] = score_labelled(folder, work, name, args.verbose)
            print(json.dumps(figures[name], indent=1), flush=True)
    if args.json:
        args.json.write_text(json.dumps(figures, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
