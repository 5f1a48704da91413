"""Batch steps of the pipeline over files, so any executor (thread, process, Dask worker) can run
them and only paths and small records travel between steps.

A batch is a list of raw files. Its documents live in `<work>/<batch>.<phase>.jsonl` between
phases; partial corpus models in `<work>/<batch>.<model>.json`.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cleaners.dedup import DedupModel
from cleaners.document import Document
from cleaners.output import UnsafePathError, source_output, write_atomic
from cleaners.pipeline import CorpusModels, Resources, finish_document, prepare_source
from cleaners.reading import Source
from cleaners.report import document_record
from cleaners.settings import Settings

_RESOURCES: dict[str, Resources] = {}


def resources(settings: Settings) -> Resources:
    """Data files are loaded once per process and settings."""
    key = settings.model_dump_json()
    if key not in _RESOURCES:
        _RESOURCES[key] = Resources.load(settings)
    return _RESOURCES[key]


def write_docs(path: Path, docs: list[Document]) -> None:
    write_atomic(path, "".join(json.dumps(d.to_dict(), ensure_ascii=False) + "\n" for d in docs).encode())


def read_docs(path: Path) -> Iterator[Document]:
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            yield Document.from_dict(json.loads(line))


def write_json(path: Path, data: Any) -> None:
    write_atomic(path, json.dumps(data, ensure_ascii=False).encode())


def read_json(path: Path) -> Any:
    with open(path, encoding="utf-8") as fh:
        return json.load(fh)


@dataclass
class BatchInfo:
    """What a batch step returns: small, serialisable."""

    batch: str
    documents: int
    seconds: float
    path: str


def prepare_batch(batch: str, sources: list[tuple[str, str]], work: str, settings_data: dict) -> BatchInfo:
    """Read and run the per-document passes; observe the corpus models on the way."""
    t0 = time.perf_counter()
    settings = Settings.model_validate(settings_data)
    res = resources(settings)
    models = CorpusModels.empty(res)
    docs: list[Document] = []
    for rel, path in sources:
        for doc in prepare_source(Source(rel=rel, path=Path(path)), res):
            models.observe(doc)
            docs.append(doc)
    wdir = Path(work)
    write_docs(wdir / f"{batch}.prepared.jsonl", docs)
    write_json(wdir / f"{batch}.models.json", models.to_dict())
    return BatchInfo(batch, len(docs), time.perf_counter() - t0, str(wdir / f"{batch}.models.json"))


def decide_models(model_paths: list[str], work: str, settings_data: dict) -> str:
    """Merge the batches' partial models into one corpus model file (decided on load)."""
    settings = Settings.model_validate(settings_data)
    res = resources(settings)
    merged = CorpusModels.empty(res)
    for path in model_paths:
        merged.merge(CorpusModels.from_dict(read_json(Path(path)), res))
    out = Path(work) / "corpus.models.json"
    write_json(out, merged.to_dict())
    return str(out)


_DECIDED: dict[tuple[str, float], CorpusModels] = {}


def _decided_models(path: str, res: Resources) -> CorpusModels:
    key = (path, Path(path).stat().st_mtime)
    if key not in _DECIDED:
        _DECIDED.clear()
        models = CorpusModels.from_dict(read_json(Path(path)), res)
        models.decide()
        _DECIDED[key] = models
    return _DECIDED[key]


def apply_batch(batch: str, models_path: str, work: str, settings_data: dict) -> BatchInfo:
    """Apply learned chrome and name decisions, then compute the batch's MinHash signatures."""
    t0 = time.perf_counter()
    settings = Settings.model_validate(settings_data)
    res = resources(settings)
    models = _decided_models(models_path, res)
    wdir = Path(work)
    dedup = DedupModel(settings)
    docs = []
    for doc in read_docs(wdir / f"{batch}.prepared.jsonl"):
        models.apply(doc)
        if doc.status == "ok":
            dedup.observe(doc)
        docs.append(doc)
    write_docs(wdir / f"{batch}.applied.jsonl", docs)
    out = wdir / f"{batch}.dedup.json"
    write_json(out, dedup.to_dict())
    return BatchInfo(batch, len(docs), time.perf_counter() - t0, str(out))


def cluster(dedup_paths: list[str], settings: Settings) -> DedupModel:
    merged = DedupModel(settings)
    for path in dedup_paths:
        merged.merge(DedupModel.from_dict(read_json(Path(path)), settings))
    merged.decide()
    return merged


def finish_batch(batch: str, dedup: DedupModel, work: str, clean_dir: str) -> BatchInfo:
    """Drop duplicates and write the batch's clean files and report parts."""
    t0 = time.perf_counter()
    wdir = Path(work)
    by_source: dict[str, list[Document]] = {}
    records, events, members = [], [], []
    for doc in read_docs(wdir / f"{batch}.applied.jsonl"):
        members.extend(finish_document(doc, dedup))
        by_source.setdefault(doc.source, []).append(doc)
    for rel, docs in by_source.items():
        try:
            if all(d.status == "error" for d in docs):
                continue
            path, data = source_output(Path(clean_dir), rel, docs)
            write_atomic(path, data)
        except (UnsafePathError, OSError) as exc:
            for d in docs:
                d.status, d.error, d.paragraphs = "error", f"cannot write output: {exc}", []
    for docs in by_source.values():
        for d in docs:
            records.append(document_record(d))
            events.extend(e.to_dict() for e in d.events)
    write_json(wdir / f"{batch}.report.json", {"documents": records, "events": events, "members": members})
    n = sum(len(d) for d in by_source.values())
    return BatchInfo(batch, n, time.perf_counter() - t0, str(wdir / f"{batch}.report.json"))
