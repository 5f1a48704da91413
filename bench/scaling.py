"""Scaling benchmark: one generated corpus on the local runner and on a local Dask cluster of 1 and 2
workers, Prefect's per-task overhead on each runner, and the memory a Redis duplicate index needs.

    python -m bench.scaling --size 10000 [--batch-size N] [--redis-paragraphs 100000] [--out bench/results]

Each engine runs `corpusclean run RAW CLEAN --full` as a subprocess (wall time end to end, Prefect's
start-up included; the flow's own total from summary.json beside it) and every engine's clean/ is
checked byte for byte against the local one. Per-task overhead: a flow submits `--tasks` no-op tasks
after a warm-up task, so the figure is the orchestration cost of one batch. Redis memory: real MinHash
signatures from the 100k benchmark corpus's signature cache (or random ones), put in the band buckets
of `cleaners.redis_store.RedisBands` with the settings' bands and rows, batch by batch as clustering
does, measured with INFO memory on a private `redis-server`; the signature cache is measured the same
way. (`python -m bench.cluster --redis N` times Redis-backed clustering as a whole.) Results go to `<out>/scaling.json`.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

from bench.services import Services
from cleaners.layout import Layout

os.environ.setdefault("DO_NOT_TRACK", "1")
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


# Tasks the flow calls in its own process whatever the engine: scan, decide, cluster, report.
DIRECT_TASKS = 4


def tasks_of(files: int, args: list[str], batch_size: int | None) -> int:
    """Prefect tasks the flow submits to its engine for `files` raw files on the engine of `args`: a batch
    per phase (prepare, observe, apply, write) as the flow cuts them."""
    from cleaners.settings import Settings
    from flows import engines
    from flows.clean_corpus import _batches

    workers = int(args[args.index("--dask-workers") + 1]) if "--dask-workers" in args else (os.cpu_count() or 1)
    settings = Settings(batch_size=batch_size, dask_workers=workers if args else 0)
    size, per_worker = engines.batching(settings)
    return 4 * len(_batches(list(range(files)), size, workers, per_worker))


def run_engine(raw: Path, clean: Path, args: list[str], batch_size: int | None) -> dict[str, Any]:
    shutil.rmtree(clean, ignore_errors=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_API")}
    size = ["--batch-size", str(batch_size)] if batch_size else []
    cmd = [str(BIN / "corpusclean"), "run", str(raw), str(clean), "--full", *size, *args]
    t = time.perf_counter()
    res = subprocess.run(cmd, env=env, capture_output=True, text=True)
    wall = time.perf_counter() - t
    if res.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed ({res.returncode}):\n{res.stderr[-3000:]}")
    summary = json.loads((clean / "_report" / "summary.json").read_text())
    timings = summary["timings"]
    return {"args": args, "wall_s": round(wall, 2), "flow_s": timings["total"], "timings": timings}


def task_overhead(runner: str, tasks: int) -> float:
    """Seconds per submitted no-op task on the given runner, in a fresh process."""
    code = f"""
import time, flows
from prefect import flow, task
from prefect.cache_policies import NO_CACHE
from cleaners.settings import Settings
from flows import engines

@task(cache_policy=NO_CACHE)
def noop(i, payload):
    return i

@flow
def bench():
    payload = Settings().model_dump(mode="json")  # what a batch task carries
    noop.submit(-1, payload).result()  # warm-up: cluster and client
    t = time.perf_counter()
    futures = [noop.submit(i, payload) for i in range({tasks})]
    [f.result() for f in futures]
    print("PER_TASK", (time.perf_counter() - t) / {tasks})

settings = Settings(dask_workers=1) if {runner!r} == "dask" else Settings()
runner = engines.task_runner(settings)
with engines.worker_api(settings):
    (bench if runner is None else bench.with_options(task_runner=runner))()
"""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_API")}
    res = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, cwd=ROOT)
    for line in res.stdout.splitlines():
        if line.startswith("PER_TASK"):
            return float(line.split()[1])
    raise SystemExit(f"overhead run failed:\n{res.stderr[-3000:]}")


# --- Redis memory ------------------------------------------------------------------------------------


PREPARED_100K = ROOT / "bench" / "work" / "p100000-s0" / "clean" / "_state" / "prepared"


def real_signatures(limit: int, num_perm: int, prepared: Path = PREPARED_100K) -> np.ndarray | None:
    """Sketched paragraphs from a signature cache (the 100k benchmark corpus's, if a run left one)."""
    rows, n = [], 0
    for path in sorted(prepared.glob("*.sketch.json")):  # per batch: raw file key -> doc id -> entry
        for entries in json.loads(path.read_text()).values():
            for entry in entries.values():
                sigs = np.frombuffer(base64.b64decode(entry["sketch"]["sigs"]), dtype="<u4").reshape(-1, num_perm)
                rows.append(sigs)
                n += len(sigs)
        if n >= limit:
            break
    return np.concatenate(rows)[:limit] if rows else None


def redis_memory(paragraphs: int) -> dict[str, Any]:
    import redis

    from cleaners.dedup import lsh_params
    from cleaners.dedup.candidates import _STORE_BATCH, _band_keys  # the band keys and batches decide() uses
    from cleaners.redis_store import RedisBands, RedisSketches
    from cleaners.settings import Settings

    if shutil.which("redis-server") is None:
        return {"skipped": "redis-server not installed"}
    with Services(ROOT / "bench" / "work" / "redis") as svc:
        url = svc.redis()
        r = redis.Redis.from_url(url)
        settings = Settings(store=url, corpus_name="bench")
        sigs = real_signatures(paragraphs, settings.num_perm)
        source = "bench/work/p100000-s0 signature cache"
        if sigs is None or len(sigs) < paragraphs:
            sigs = np.random.default_rng(0).integers(0, 2**32, size=(paragraphs, settings.num_perm), dtype=np.uint32)
            source = "random signatures (worst case: no shared band keys)"
        n = len(sigs)

        bands_n, rows = lsh_params(settings)
        base = int(r.info("memory")["used_memory"])
        index_store = RedisBands(settings)
        t = time.perf_counter()
        for start in range(0, n, _STORE_BATCH):
            part = sigs[start : start + _STORE_BATCH]
            index_store.add(start, np.stack([_band_keys(part, b, rows) for b in range(bands_n)], axis=1))
        insert_s = time.perf_counter() - t
        index = int(r.info("memory")["used_memory"]) - base
        base = int(r.info("memory")["used_memory"])
        cache = RedisSketches(settings, "bench")
        per_doc = 17  # paragraphs per article in bench.generate
        for d in range(0, n, per_doc):
            rows = sigs[d : d + per_doc]
            entry = {"digest": "0" * 16, "sketch": {"sigs": base64.b64encode(rows.tobytes()).decode()}}
            cache.put_many({f"{d:016x}": {f"doc{d}": entry}})
        sketches = int(r.info("memory")["used_memory"]) - base
    bands, rows = lsh_params(settings)
    return {
        "paragraphs": n,
        "source": source,
        "bands": bands,
        "rows": rows,
        "index_bytes": index,
        "index_bytes_per_paragraph": round(index / n, 1),
        "index_gb_per_million": round(index / n * 1e6 / 1e9, 2),
        "signature_cache_bytes_per_paragraph": round(sketches / n, 1),
        "signature_cache_gb_per_million": round(sketches / n * 1e6 / 1e9, 2),
        "bulk_insert_and_query_s": round(insert_s, 1),
        "bulk_ms_per_paragraph": round(insert_s / n * 1000, 3),
    }


def main(argv: list[str] | None = None) -> int:
    from bench.run import corpus, machine, raw_bytes

    parser = argparse.ArgumentParser(prog="python -m bench.scaling", description=__doc__.split("\n")[0])
    parser.add_argument("--size", type=int, default=10_000, help="body paragraphs of the generated corpus")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--batch-size", type=int, default=None, help="default: each engine's own (flows.engines)")
    parser.add_argument("--tasks", type=int, default=50, help="no-op tasks for the per-task overhead")
    parser.add_argument("--redis-paragraphs", type=int, default=100_000, help="0: skip the Redis measurement")
    parser.add_argument("--work", type=Path, default=ROOT / "bench" / "work")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results")
    args = parser.parse_args(argv)

    base = corpus(args.work, args.size, args.seed)
    raw = base / "raw"
    mb = raw_bytes(raw) / 1e6
    engines = {
        "local (process pool, one per core)": [],
        "dask, 1 worker": ["--dask-workers", "1"],
        "dask, 2 workers": ["--dask-workers", "2"],
    }
    results: dict[str, Any] = {}
    reference = None
    for name, extra in engines.items():
        clean = args.work / f"scaling-{args.size}" / name.split(",")[0].split(" ")[0] / (extra[-1] if extra else "0")
        res = run_engine(raw, clean, extra, args.batch_size)
        res["mb_per_s"] = round(mb / res["flow_s"], 2)
        snap = Layout(clean).snapshot()
        res["same_as_local"] = reference is None or snap == reference
        reference = reference or snap
        results[name] = res
        print(f"{name:38s} wall {res['wall_s']:7.1f} s  flow {res['flow_s']:7.1f} s  {res['mb_per_s']:6.2f} MB/s")
    files = len(list(raw.rglob("*.txt")))
    overhead = {"local": task_overhead("local", args.tasks), "dask": task_overhead("dask", args.tasks)}
    for res in results.values():  # what the tasks cost the run: tasks x per-task cost / flow time
        res["tasks"] = tasks_of(files, res["args"], args.batch_size)
        per_task = overhead["dask" if res["args"] else "local"]
        cost = res["tasks"] * per_task + DIRECT_TASKS * overhead["local"]
        res["task_overhead_share"] = round(cost / res["flow_s"], 4)
    redis = redis_memory(args.redis_paragraphs) if args.redis_paragraphs else {"skipped": "--redis-paragraphs 0"}

    print()
    print(f"corpus: {args.size} paragraphs, {mb:.1f} MB, {files} files")
    print(f"{'engine':38s} {'wall s':>8s} {'flow s':>8s} {'MB/s':>7s} {'tasks':>6s} {'share':>6s}  same output")
    print(f"(tasks: submitted to the engine, plus {DIRECT_TASKS} the flow runs itself at the local cost)")
    for name, res in results.items():
        print(
            f"{name:38s} {res['wall_s']:8.1f} {res['flow_s']:8.1f} {res['mb_per_s']:7.2f} {res['tasks']:6d} "
            f"{res['task_overhead_share']:6.1%}  {res['same_as_local']}"
        )
    for runner, sec in overhead.items():
        print(f"per-task overhead, {runner:5s}: {sec * 1000:7.1f} ms per submitted batch")
    if "skipped" not in redis:
        print(
            f"redis index: {redis['index_bytes_per_paragraph']:.0f} B/paragraph = "
            f"{redis['index_gb_per_million']:.2f} GB per million paragraphs ({redis['bands']} bands x "
            f"{redis['rows']} rows); signature cache {redis['signature_cache_gb_per_million']:.2f} GB per million"
        )
    else:
        print(f"redis: {redis['skipped']}")
    args.out.mkdir(parents=True, exist_ok=True)
    record = {
        "machine": machine(),
        "corpus": {"paragraphs": args.size, "seed": args.seed, "mb": round(mb, 2), "files": len(list(raw.rglob("*")))},
        "batch_size": args.batch_size or "each engine's default",
        "engines": results,
        "per_task_overhead_ms": {k: round(v * 1000, 1) for k, v in overhead.items()},
        "redis_memory": redis,
    }
    (args.out / "scaling.json").write_text(json.dumps(record, indent=1) + "\n")
    print(f"written {args.out / 'scaling.json'}")
    return 0 if all(r["same_as_local"] for r in results.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
