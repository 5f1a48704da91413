"""The per-document stages on one core: this checkout beside another revision, in one run.

    python -m bench.stages --size 10000 --against HEAD~5 [--repeat 3] [--batch 256] [--json FILE]
    python -m bench.stages --raw ../shared/real-pages/raw --against HEAD~5   # any folder of .txt files

The corpus is `bench.generate`'s (cached under `--work`, as `bench.run` makes it). Each code version runs
in a process of its own (the revision's `cleaners/` is taken with `git archive`), and the runs alternate
between the versions, so that a busy machine slows both alike; each figure is the best of `--repeat`.
Within a process the stages run as the batch runner runs them: batches of `--batch` documents, each stage
over the whole batch (its column part, then one document at a time) before the next stage. A revision
from before the batch runner runs each stage one document at a time, as its `prepare_document` did.
Times are the process's CPU seconds with the column engine on one thread: MB/s per core. One warm-up
batch runs first (data files, caches and compiled gates are loaded once per worker process), and the
garbage collector runs between stages, so that a full collection is charged to the stage whose garbage
it is rather than to whichever stage it happens to interrupt.

Besides the speed, each version reports what the speed must not cost: the share of English paragraphs
(language "en" after the language stage) that the language stage sent to langdetect, and the planted
foreign paragraphs that got a language event (`truth.json`, generated corpora only).
"""

from __future__ import annotations

import argparse
import gc
import io
import json
import os
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]


def measure(raw: Path, truth_path: Path, batch_size: int) -> dict[str, Any]:
    """The stages of the `cleaners` package this process imports, over every document of `raw`."""
    from cleaners import language
    from cleaners.pipeline import DOCUMENT_STAGES, Resources
    from cleaners.reading import Source, read_source
    from cleaners.settings import Settings

    settings = Settings(workers=1)
    res = Resources.load(settings)
    files = sorted(raw.rglob("*.txt"))

    def read(paths: list[Path]) -> list[Any]:
        return [d for p in paths for d in read_source(Source(rel=str(p.relative_to(raw)), path=p), settings)]

    def run(stage: Any, docs: list[Any]) -> None:
        docs = [d for d in docs if d.status == "ok"]
        if hasattr(stage, "contexts"):  # the batch runner: columns over the batch, then each document
            contexts = stage.contexts(docs, res)
            for doc, context in zip(docs, contexts, strict=True):
                stage.each(doc, context, res)
            if getattr(stage, "finish", None) is not None and docs:  # then the batch's part after them
                stage.finish(docs, contexts, res)
        else:
            for doc in docs:
                stage.run([doc], res)

    warm = read(files[:batch_size])
    for stage in DOCUMENT_STAGES:  # warm-up: data files, caches, compiled gates
        run(stage, warm)
    language.detect.cache_clear()

    sent: set[str] = set()
    real_detect = language.detect

    def counting_detect(text: str, seed: int = 0) -> tuple[str, float]:
        sent.add(text)
        return real_detect(text, seed)

    docs = read(files)
    n_bytes = sum(len(p.text.encode("utf-8", "surrogatepass")) for d in docs for p in d.paragraphs)
    seconds = {stage.name: 0.0 for stage in DOCUMENT_STAGES}
    english = reached = 0
    for lo in range(0, len(docs), batch_size):
        batch = docs[lo : lo + batch_size]
        for doc in batch:  # releases before verdicts were passed explicitly carried them on the document
            if hasattr(res, "review"):
                doc.review = res.review
        for stage in DOCUMENT_STAGES:
            if stage.name == "language":
                language.detect = counting_detect
            gc.collect()  # each stage pays for its own garbage, not for the stage before it
            t0 = time.process_time()
            run(stage, batch)
            seconds[stage.name] += time.process_time() - t0
            language.detect = real_detect
            if stage.name == "language":
                paragraphs = [p for d in batch for p in d.live if p.language == "en"]
                english += len(paragraphs)
                reached += sum(p.text in sent for p in paragraphs)
                sent.clear()
    planted = json.loads(truth_path.read_text(encoding="utf-8"))["foreign"] if truth_path.exists() else []
    flagged = {(d.id, e.paragraph) for d in docs for e in d.events if e.kind == "language"}
    found = sum((f["doc"], f["paragraph"]) in flagged for f in planted)
    return {
        "bytes": n_bytes,
        "documents": len(docs),
        "seconds": seconds,
        "english_paragraphs": english,
        "english_to_langdetect": reached,
        "foreign_found": found,
        "foreign_planted": len(planted),
    }


def _code(rev: str | None, into: Path) -> Path:
    """A folder holding the `cleaners` package of `rev` (None: this checkout)."""
    if rev is None:
        return ROOT
    data = subprocess.run(["git", "-C", str(ROOT), "archive", rev, "cleaners"], check=True, capture_output=True).stdout
    with tarfile.open(fileobj=io.BytesIO(data)) as tar:
        tar.extractall(into, filter="data")
    return into


def _worker(code: Path, raw: Path, batch_size: int) -> dict[str, Any]:
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(code), str(ROOT)]), POLARS_MAX_THREADS="1")
    args = [sys.executable, "-m", "bench.stages", "--worker", str(raw.resolve()), "--batch", str(batch_size)]
    out = subprocess.run(args, check=True, capture_output=True, text=True, env=env, cwd=str(code)).stdout
    return json.loads(out.strip().splitlines()[-1])


def compare(raw: Path, against: str | None, repeat: int, batch_size: int) -> dict[str, Any]:
    versions = {"this checkout": None} | ({f"{against}": against} if against else {})
    best: dict[str, dict[str, Any]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        codes = {name: _code(rev, Path(tmp) / "rev") for name, rev in versions.items()}
        for _ in range(repeat):
            for name in codes:
                result = _worker(codes[name], raw, batch_size)
                if name not in best:
                    best[name] = result
                else:
                    for stage, secs in result["seconds"].items():
                        best[name]["seconds"][stage] = min(best[name]["seconds"][stage], secs)
    return {name: best[name] for name in reversed(codes)}  # the revision first: before, then after


def show(best: dict[str, dict[str, Any]]) -> None:
    names = list(best)
    stages = list(next(iter(best.values()))["seconds"])
    print(f"{'stage':12s}" + "".join(f"{name:>24s}" for name in names) + ("    speed-up" if len(names) > 1 else ""))
    rows = [*stages, "all four"]
    for stage in rows:
        cells, rates = [], []
        for name in names:
            r = best[name]
            secs = sum(r["seconds"].values()) if stage == "all four" else r["seconds"][stage]
            rate = r["bytes"] / 1e6 / secs if secs else float("inf")
            rates.append(rate)
            cells.append(f"{secs:8.2f} s {rate:7.1f} MB/s")
        speedup = f"{rates[-1] / rates[0]:10.1f}x" if len(rates) > 1 else ""
        print(f"{stage:12s}" + "".join(f"{c:>24s}" for c in cells) + speedup)
    for name in names:
        r = best[name]
        share = r["english_to_langdetect"] / max(1, r["english_paragraphs"])
        found = f"; foreign paragraphs found {r['foreign_found']} / {r['foreign_planted']}"
        print(
            f"{name}: {r['documents']} documents, {r['bytes'] / 1e6:.2f} MB; English paragraphs sent to langdetect "
            f"{r['english_to_langdetect']} / {r['english_paragraphs']} ({100 * share:.2f} %)"
            + (found if r["foreign_planted"] else "")
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.stages", description=__doc__.split("\n")[0])
    parser.add_argument("--size", type=int, default=10_000, help="body paragraphs of the generated corpus")
    parser.add_argument("--raw", type=Path, help="a folder of documents instead of the generated corpus")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--work", type=Path, default=ROOT / "bench" / "work")
    parser.add_argument("--against", help="a git revision to run beside this checkout")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--batch", type=int, default=256, help="documents per batch (the flow's batch_size)")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    parser.add_argument("--worker", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        print(json.dumps(measure(args.worker, args.worker.parent / "truth.json", args.batch)))
        return 0
    from bench.run import corpus

    raw = args.raw or corpus(args.work, args.size, args.seed) / "raw"
    best = compare(raw, args.against, args.repeat, args.batch)
    show(best)
    if args.json:
        args.json.write_text(json.dumps(best, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
