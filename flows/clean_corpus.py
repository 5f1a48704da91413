"""The `clean-corpus` Prefect flow: per-document work in batches, corpus decisions, then writing.

Tasks pass paths and small records. Per-document results are cached per raw file in
`clean/_state/prepared/`, so a run reads only raw files that are new or changed, while corpus
decisions are recomputed over the whole corpus every time: an incremental run gives exactly what
a full run gives.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable
from concurrent.futures.process import BrokenProcessPool
from contextlib import nullcontext
from dataclasses import asdict
from pathlib import Path
from typing import Any

from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE
from prefect.utilities.annotations import quote

from cleaners import batches, stores
from cleaners.layout import Layout
from cleaners.output import output_path
from cleaners.plan import plan_run
from cleaners.reading import discover
from cleaners.report import assemble_report
from cleaners.settings import Settings
from cleaners.state import CorpusState, RunLock, file_hash, fingerprint, source_key, verdicts_hash
from flows import engines, memory, workers
from flows.prefect_artifacts import publish_artifacts


@task(name="scan-raw", cache_policy=NO_CACHE, retries=2, retry_delay_seconds=1)
def scan_task(raw_dir: str, settings: dict) -> list[tuple[str, str, str, str]]:
    """Raw files with their content hashes: (rel, path, key, hash)."""
    sources = discover(Path(raw_dir), Settings.model_validate(settings))
    out = []
    for s in sources:
        try:
            digest = file_hash(s.path)
        except OSError as exc:
            digest = f"unreadable:{exc.errno}"
        out.append((s.rel, str(s.path), source_key(s.rel), digest))
    return out


@task(name="prepare-batch", cache_policy=NO_CACHE, retries=1)
def prepare_task(batch: str, sources: list[tuple[str, str, str]], prepared: str, settings: dict) -> dict:
    """Per-document passes in a worker process. When the batch outlives its limit, the worker is
    killed and the batch's files are retried one by one, so only the runaway file is refused."""
    limit, n = settings["doc_timeout"], settings["workers"]
    try:
        info = workers.run(
            n, batches.prepare_batch, batch, sources, prepared, settings, timeout=limit * len(sources) + 60
        )
        return asdict(info)
    except (workers.WorkerTimeout, BrokenProcessPool):
        get_run_logger().warning("batch %s outlived its time limit; retrying its files one by one", batch)
    ids: dict[str, list[str]] = {}
    files: dict[str, str] = {}
    for rel, path, key in sources:
        try:
            one = workers.run(
                n, batches.prepare_batch, batch, [(rel, path, key)], prepared, settings, timeout=limit + 30
            )
        except (workers.WorkerTimeout, BrokenProcessPool):
            get_run_logger().error("%s: killed after the per-document limit of %s s", rel, limit)
            one = batches.refuse_source(
                rel, key, prepared, f"processing killed after the per-document limit of {limit:g} s"
            )
        ids.update(one.docs or {})
        files.update(one.files or {})
    return {
        "batch": batch,
        "documents": sum(len(v) for v in ids.values()),
        "seconds": 0.0,
        "path": prepared,
        "docs": ids,
        "files": files,
    }


@task(name="observe-batch", cache_policy=NO_CACHE, retries=1)
def observe_task(batch: str, located: list, prepared: str, work: str, settings: dict) -> dict:
    return asdict(workers.run(settings["workers"], batches.observe_batch, batch, located, prepared, work, settings))


@task(name="decide-corpus-models", cache_policy=NO_CACHE)
def decide_task(model_paths: list[str], work: str, settings: dict) -> str:
    return batches.decide_models(model_paths, work, settings)


@task(name="apply-batch", cache_policy=NO_CACHE, retries=1)
def apply_task(batch: str, located: list, prepared: str, models: str, work: str, settings: dict) -> dict:
    return asdict(
        workers.run(settings["workers"], batches.apply_batch, batch, located, prepared, models, work, settings)
    )


@task(name="cluster-paragraphs", cache_policy=NO_CACHE)
def cluster_task(dedup_paths: list[str], work: str, settings: dict) -> str:
    """The corpus-wide clustering; its decisions go to a file the write batches read."""
    return batches.cluster_batches(dedup_paths, work, settings)


@task(name="finish-batch", cache_policy=NO_CACHE, retries=1, retry_delay_seconds=1)
def finish_task(batch: str, decisions: str, work: str, clean_dir: str, settings: dict) -> dict:
    """Drop duplicates and write outputs in a worker process (JSON and file writing need a core too)."""
    return asdict(workers.run(settings["workers"], batches.finish_batch, batch, decisions, work, clean_dir, settings))


@task(name="write-report", cache_policy=NO_CACHE, retries=1, retry_delay_seconds=1)
def report_task(
    parts: list[str],
    clean_dir: str,
    timings: dict[str, float],
    run: dict[str, Any],
    dataset_parts: list[str],
    made_with: dict[str, Any],
    settings: dict,
) -> dict:
    """The report, the dataset export, the manifest last. Locally the export's shards are built by a
    worker process while this one writes the report (the workers are idle by now); on Dask or with one
    worker, here after it."""
    spare = not engines.uses_dask(Settings.model_validate(settings)) and workers.worker_count(settings["workers"]) > 1
    with workers.Offload(settings["workers"]) if spare else nullcontext() as build_in:
        return assemble_report(
            [Path(p) for p in parts],
            Path(clean_dir),
            timings,
            run,
            [Path(p) for p in dataset_parts],
            made_with,
            build_in=build_in,
        )


def _batches(items: list, size: int, workers: int = 1, per_worker: int = 4) -> list[tuple[str, list]]:
    """Batches of at most `size`. A corpus too small to fill `per_worker` batches per worker gets
    smaller ones, so no worker waits on another's last batch; a large one keeps `size`, since every
    task costs the flow process and the Prefect API (`engines.batching`)."""
    size = max(1, min(size, -(-len(items) // (max(1, workers) * per_worker))))
    return [(f"b{i // size:05d}", items[i : i + size]) for i in range(0, len(items), size)]


def _unwalked() -> Callable[[Any], Any]:
    """How the flow hands a large value to its tasks: `quote`d, so that Prefect does not walk every item of
    it twice per task (looking for futures among the parameters) in the flow process, while the workers
    need the cores. On Dask as it is: Dask's serialiser turns a quote (a named tuple) into plain tuples on
    the way to its workers, and there the batches are few."""
    return _as_it_is if engines.running_on_dask() else quote


def _as_it_is(value: Any) -> Any:
    return value


def _progress(logger: Any, phase: str, futures: list) -> list[dict]:
    """Wait for a phase's tasks, logging progress as batches complete."""
    results, step = [], max(1, len(futures) // 10)
    for i, fut in enumerate(futures, start=1):
        results.append(fut.result())
        if i % step == 0 or i == len(futures):
            logger.info("%s: %d/%d batches", phase, i, len(futures))
    return results


@flow(name="clean-corpus")
def clean_corpus(
    raw_dir: str = "raw", clean_dir: str = "clean", settings: Settings | None = None, full: bool = False
) -> dict[str, Any]:
    """Clean every article under `raw_dir` into `clean_dir`, with a record of every decision.

    Only new or changed raw files are read again; `full=True` rebuilds the state from scratch.
    """
    logger = get_run_logger()
    settings = settings or Settings()
    if not engines.running_on_dask():
        engines.check(settings)  # an unreachable engine is a clear error now, not a hang later
        if engines.uses_dask(settings):  # the engine came as a parameter (a deployment run): a subflow on it
            with engines.worker_api(settings):
                runner = clean_corpus.with_options(task_runner=engines.task_runner(settings))
                return runner(raw_dir=raw_dir, clean_dir=clean_dir, settings=settings, full=full)
    raw, clean = Path(raw_dir), Path(clean_dir)
    if not raw.is_dir():
        raise FileNotFoundError(f"raw folder {raw} does not exist")
    clean.mkdir(parents=True, exist_ok=True)
    with RunLock(clean):
        return _run(logger, raw, clean, settings, full)


def _run(logger: Any, raw: Path, clean: Path, settings: Settings, full: bool) -> dict[str, Any]:
    t0 = time.perf_counter()
    memory.start_process()  # the models' decision, the clustering and the report run here
    for stale in clean.rglob(".tmp-*"):  # left by a run that was killed mid-write
        stale.unlink(missing_ok=True)
    settings = stores.bind_corpus(settings, clean)  # the store's key prefix of this corpus
    sdata = settings.model_dump(mode="json")
    layout = Layout(clean)
    current_fp = fingerprint(settings)
    if full:
        shutil.rmtree(layout.prepared, ignore_errors=True)
        stores.sketch_cache(settings, layout.prepared).clear()
        state = CorpusState(root=layout.state)
    else:
        state = CorpusState.load(layout.state)
        state.check(current_fp)
    state.fingerprint = current_fp
    verdicts = verdicts_hash(settings)
    reviewed_again = state.verdicts != verdicts  # new verdicts: every document is cleaned again
    state.verdicts = verdicts
    timings: dict[str, float] = {}

    plan = plan_run(state, scan_task(str(raw), sdata), reviewed_again)
    current, changed, gone = plan.current, plan.changed, plan.gone
    if not changed and not gone and layout.manifest.exists() and layout.dataset_card.exists() and not full:
        logger.info("nothing to do: %d raw files unchanged since the last run", len(current))
        return {"nothing_to_do": True, **batches.read_json(layout.summary)}
    logger.info("%d raw files: %d new or changed, %d gone", len(current), len(changed), len(gone))

    work = layout.work
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    state.prepared_dir.mkdir(parents=True, exist_ok=True)

    size, per_worker = engines.batching(settings)
    cut = (size, engines.parallelism(settings), per_worker)
    t = time.perf_counter()
    big = _unwalked()  # for a batch's file list, the run record
    futures = [prepare_task.submit(b, big(srcs), str(state.prepared_dir), sdata) for b, srcs in _batches(changed, *cut)]
    prepared_ids: dict[str, list[str]] = {}
    prepared_files: dict[str, str] = {}
    for info in _progress(logger, "read and per-document passes", futures):
        prepared_ids.update(info["docs"])
        prepared_files.update(info["files"])
    timings["prepare"] = time.perf_counter() - t

    gone_keys = plan.settle(state, prepared_ids, prepared_files)
    stores.sketch_cache(settings, state.prepared_dir).delete(gone_keys)

    groups = _batches(sorted(current), *cut)
    keyed = [(b, plan.located(state, rels)) for b, rels in groups]
    prepared = str(state.prepared_dir)

    t = time.perf_counter()
    observed = _progress(
        logger,
        "observe corpus models",
        [observe_task.submit(b, big(keys), prepared, str(work), sdata) for b, keys in keyed],
    )
    models_path = decide_task([i["path"] for i in observed], str(work), sdata)
    timings["corpus_models"] = time.perf_counter() - t

    t = time.perf_counter()
    applied = _progress(
        logger,
        "apply decisions and sketch",
        [apply_task.submit(b, big(keys), prepared, models_path, str(work), sdata) for b, keys in keyed],
    )
    timings["apply_and_sketch"] = time.perf_counter() - t
    where = {key: place for info in applied for key, place in (info["sketches"] or {}).items()}
    for entry in state.sources.values():
        entry.sketches = where.get(entry.key, entry.sketches)

    t = time.perf_counter()
    decisions = cluster_task([i["path"] for i in applied], str(work), sdata)
    memory.give_back()  # the signatures are garbage now; the report phase is the process tree's peak
    timings["cluster"] = time.perf_counter() - t

    t = time.perf_counter()
    finished = _progress(
        logger, "write", [finish_task.submit(b, decisions, str(work), str(clean), sdata) for b, _ in keyed]
    )
    # Outputs of raw files that are gone; after --full the old manifest is the only record of them.
    removed_outputs = _remove_outputs(clean, sorted(set(gone) | (_manifest_outputs(layout.manifest) - set(current))))
    timings["write"] = time.perf_counter() - t
    timings["total"] = time.perf_counter() - t0

    run = plan.record([r for i in finished for r in i["docs"] or {}], removed_outputs)
    for info in finished:  # not written: read again next time, so the output is retried
        for rel in info.get("unwritten") or []:
            state.sources[rel].hash = "unwritten"
    summary = report_task(
        big([i["path"] for i in finished]),
        str(clean),
        timings,
        big(run),  # every raw file's name, some of them twice
        big([i["dataset"] for i in finished]),
        {"fingerprint": current_fp, "verdicts": verdicts},
        sdata,
    )
    state.save()
    stores.remove_unreferenced(state.prepared_dir, state.referenced())  # after the save: nothing it names goes
    shutil.rmtree(work, ignore_errors=True)
    publish_artifacts(summary, clean)
    logger.info(
        "done: %s documents ok, %s empty, %s errors; %s clusters; %d outputs rewritten",
        summary["documents"]["ok"],
        summary["documents"]["empty"],
        summary["documents"]["error"],
        summary["clusters"],
        len(run["outputs_rewritten"]),
    )
    return summary


def _manifest_outputs(manifest: Path) -> set[str]:
    try:
        return {d["output"] for d in batches.read_json(manifest)["documents"] if d.get("output")}
    except (OSError, ValueError, KeyError, TypeError):
        return set()


def _remove_outputs(clean: Path, gone: list[str]) -> list[str]:
    removed = []
    for rel in gone:
        if Layout.reserved(rel):
            continue
        try:
            path = output_path(clean, rel)
        except ValueError:
            continue
        if path.exists():
            path.unlink()
            removed.append(rel)
    return removed
