"""One timed run of the real flow, in a process of its own: `python -m bench.flow RAW CLEAN OUT.json`.

`bench.run` starts it once per code under test, so that this release and the release before it (its
`cleaners/` and `flows/` put first on PYTHONPATH) are measured the same way, on the same corpus, in
the same benchmark run. Without `PREFECT_API_URL` the flow starts Prefect's ephemeral server, whose
start-up is timed with a no-op flow first and reported apart; with it, the flow runs against that
already-running server, as deployments do. Then Prefect's per-task cost is timed with no-op tasks.
"""

from __future__ import annotations

import json
import os
import resource
import shutil
import sys
import time
from pathlib import Path
from typing import Any

os.environ.setdefault("DO_NOT_TRACK", "1")
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")


def run_flow(raw: Path, clean: Path) -> dict[str, Any]:
    """Start-up (a no-op flow), the real flow with default settings, then the per-task overhead."""
    from prefect import flow, task
    from prefect.cache_policies import NO_CACHE

    from bench.measure import RssSampler, phase_cpu, phase_peaks
    from cleaners.settings import Settings
    from flows import workers
    from flows.clean_corpus import _batches, clean_corpus

    @flow(name="bench-noop")
    def noop_flow() -> int:
        return 1

    @task(name="bench-noop-task", cache_policy=NO_CACHE)
    def noop_task(i: int) -> int:
        return i

    @flow(name="bench-task-overhead")
    def overhead_flow(n: int) -> int:
        return sum(f.result() for f in [noop_task.submit(i) for i in range(n)])

    t = time.perf_counter()
    noop_flow()
    startup = time.perf_counter() - t
    t = time.perf_counter()
    noop_flow()
    empty_flow = time.perf_counter() - t

    shutil.rmtree(clean, ignore_errors=True)
    settings = Settings()
    with RssSampler() as rss:
        t = time.perf_counter()
        summary = clean_corpus(raw_dir=str(raw), clean_dir=str(clean), settings=settings, full=True)
        wall = time.perf_counter() - t
        workers.shutdown()
    n_docs = sum(1 for p in raw.rglob("*") if p.is_file())
    try:  # the local runner's batches: this release's engine defaults, or 256 in the releases before them
        from flows.engines import batching

        size, per_worker = batching(settings)
        cut: tuple[int, ...] = (size, workers.worker_count(settings.workers), per_worker)
    except ImportError:
        cut = (settings.batch_size or 256, workers.worker_count(settings.workers))
    per_phase = len(_batches(list(range(n_docs)), *cut))
    n_tasks = 4 * per_phase + 4  # prepare, observe, apply, write batches + scan/decide/cluster/report
    k = 200
    t = time.perf_counter()
    overhead_flow(k)
    per_task = max(0.0, (time.perf_counter() - t - empty_flow) / k)
    return {
        "code": str(Path(sys.modules["cleaners"].__file__).parent.parent),  # which release ran
        "server": os.environ.get("PREFECT_API_URL") or "ephemeral",
        "summary": summary,
        "startup_s": startup,
        "empty_flow_s": empty_flow,
        "flow_wall_s": wall,
        "tasks": n_tasks,
        "per_task_overhead_s": per_task,
        "peak_rss_flow_process": rss.peak_self,
        "peak_rss_tree": rss.peak_tree,
        "peak_rss_by_phase": phase_peaks(rss.timeline, summary.get("timings", {})),
        "cpu_seconds": rss.cpu_seconds(),
        "cpu_by_phase": phase_cpu(rss.cpu_timeline, summary.get("timings", {})),
        "ru_maxrss_self": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
        "ru_maxrss_children": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024,
    }


def main(argv: list[str] | None = None) -> int:
    raw, clean, out = (Path(a) for a in (argv or sys.argv[1:]))
    result = run_flow(raw, clean)
    out.write_text(json.dumps(result, default=str), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
