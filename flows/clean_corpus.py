"""The `clean-corpus` Prefect flow: batches of per-document work, corpus decisions, then writing.

Tasks pass paths and small records; documents travel between phases as files in the run's
work folder under `clean/_state/`.
"""

from __future__ import annotations

import shutil
import time
from dataclasses import asdict
from pathlib import Path
from typing import Any

from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE

from cleaners import batches
from cleaners.output import jsonl_bytes, write_atomic
from cleaners.reading import discover
from cleaners.report import cluster_records, summary
from cleaners.settings import Settings
from flows import workers

REPORT_DIR = "_report"
STATE_DIR = "_state"


@task(name="prepare-batch", cache_policy=NO_CACHE, retries=1)
def prepare_task(batch: str, sources: list[tuple[str, str]], work: str, settings: dict) -> dict:
    return asdict(workers.run(settings["workers"], batches.prepare_batch, batch, sources, work, settings))


@task(name="decide-corpus-models", cache_policy=NO_CACHE)
def decide_task(model_paths: list[str], work: str, settings: dict) -> str:
    return batches.decide_models(model_paths, work, settings)


@task(name="apply-batch", cache_policy=NO_CACHE, retries=1)
def apply_task(batch: str, models_path: str, work: str, settings: dict) -> dict:
    return asdict(workers.run(settings["workers"], batches.apply_batch, batch, models_path, work, settings))


@task(name="finish-batch", cache_policy=NO_CACHE, retries=1)
def finish_task(batch: str, dedup: Any, work: str, clean_dir: str) -> dict:
    return asdict(batches.finish_batch(batch, dedup, work, clean_dir))


@task(name="write-report", cache_policy=NO_CACHE, retries=1)
def report_task(report_parts: list[str], clean_dir: str, timings: dict[str, float]) -> dict[str, Any]:
    documents, events, members = [], [], []
    for part in report_parts:
        data = batches.read_json(Path(part))
        documents.extend(data["documents"])
        events.extend(data["events"])
        members.extend(data["members"])
    clusters = cluster_records(members)
    out = Path(clean_dir) / REPORT_DIR
    write_atomic(out / "documents.jsonl", jsonl_bytes(documents))
    write_atomic(out / "events.jsonl", jsonl_bytes(events))
    write_atomic(out / "clusters.jsonl", jsonl_bytes(clusters))
    summ = summary(documents, events, clusters, timings)
    batches.write_json(out / "summary.json", summ)
    return summ


def _batches(sources: list, size: int) -> list[tuple[str, list]]:
    return [(f"b{i // size:05d}", sources[i : i + size]) for i in range(0, len(sources), size)]


@flow(name="clean-corpus", log_prints=True)
def clean_corpus(raw_dir: str = "raw", clean_dir: str = "clean", settings: Settings | None = None) -> dict[str, Any]:
    """Clean every article under `raw_dir` into `clean_dir`, with a record of every decision."""
    logger = get_run_logger()
    settings = settings or Settings()
    sdata = settings.model_dump(mode="json")
    raw, clean = Path(raw_dir), Path(clean_dir)
    if not raw.is_dir():
        raise FileNotFoundError(f"raw folder {raw} does not exist")
    clean.mkdir(parents=True, exist_ok=True)
    work = clean / STATE_DIR / "work"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    timings: dict[str, float] = {}

    t0 = time.perf_counter()
    sources = [(s.rel, str(s.path)) for s in discover(raw, settings)]
    groups = _batches(sources, settings.batch_size)
    logger.info("%d raw files in %d batches", len(sources), len(groups))

    t = time.perf_counter()
    prepared = [prepare_task.submit(b, srcs, str(work), sdata) for b, srcs in groups]
    infos = [f.result() for f in prepared]
    timings["prepare"] = time.perf_counter() - t
    logger.info("per-document passes done: %d documents", sum(i["documents"] for i in infos))

    t = time.perf_counter()
    models_path = decide_task(
        [i["path"] for i in infos], str(work), sdata
    ) if infos else None
    timings["corpus_models"] = time.perf_counter() - t

    t = time.perf_counter()
    applied = [apply_task.submit(b, models_path, str(work), sdata) for b, _ in groups] if models_path else []
    dedup_paths = [f.result()["path"] for f in applied]
    timings["apply_and_sign"] = time.perf_counter() - t

    t = time.perf_counter()
    dedup = batches.cluster(dedup_paths, settings)
    timings["cluster"] = time.perf_counter() - t

    t = time.perf_counter()
    finished = [finish_task.submit(b, dedup, str(work), str(clean)) for b, _ in groups]
    parts = [f.result()["path"] for f in finished]
    timings["write"] = time.perf_counter() - t
    timings["total"] = time.perf_counter() - t0

    summ = report_task(parts, str(clean), timings)
    shutil.rmtree(work, ignore_errors=True)
    logger.info(
        "done: %s documents ok, %s empty, %s errors; %s clusters",
        summ["documents"]["ok"], summ["documents"]["empty"], summ["documents"]["error"], summ["clusters"],
    )
    return summ
