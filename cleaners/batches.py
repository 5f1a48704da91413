"""Batch steps of the pipeline over files, so any executor (thread, process, Dask worker) can run
them and only paths and small records travel between steps.

A batch is a list of raw files. The per-document results are cached in one file per prepare batch
(`cleaners.stores`), found through the state by each raw file's key: the later phases get
(key, prepared file, sketch file) triples and read each file they need once. Between phases a batch's
documents live in `<work>/<batch>.<phase>.jsonl`; partial corpus models in `<work>/<batch>.<model>.json`,
the batch's sketches in `<work>/<batch>.dedup.npz` (arrays: a million paragraphs' are about 0.55 GB).
The work files are scratch (a run starts by removing `<work>`), so they are written whole (temp file and
rename) but not synced to disk; the prepared files are the state's cache, and are.
"""

from __future__ import annotations

import io
import json
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import orjson
import xxhash

from cleaners.dataset import write_part
from cleaners.dedup import DedupModel
from cleaners.document import Document
from cleaners.output import UnsafePathError, output_path, source_output, write_atomic, write_atomic_many
from cleaners.pipeline import CorpusModels, Resources, finish_document, prepare_documents
from cleaners.reading import Source, read_source
from cleaners.report import document_record, output_hash
from cleaners.settings import Settings
from cleaners.state import StateError, source_key
from cleaners.stores import PREPARED_SUFFIX, batch_file, sketch_cache


def _dumps(data: Any) -> bytes:
    """orjson (several times faster than json between phases), json for what orjson refuses."""
    try:
        return orjson.dumps(data, option=orjson.OPT_NON_STR_KEYS)
    except TypeError:
        return json.dumps(data, ensure_ascii=False).encode()


def write_docs(path: Path, docs: list[Document], durable: bool = True) -> None:
    """Documents as JSON lines; `durable=False` for a work file (not synced)."""
    write_atomic(path, b"".join(_dumps(d.to_dict()) + b"\n" for d in docs), durable)


def read_docs(path: Path) -> Iterator[Document]:
    """Documents of a cache or work file; a damaged file is a StateError naming the cure."""
    with open(path, "rb") as fh:
        for n, line in enumerate(fh, start=1):
            try:
                data = orjson.loads(line)
                if not isinstance(data, dict):
                    raise TypeError("not an object")
                yield Document.from_dict(data)
            except (ValueError, TypeError, KeyError, AttributeError) as exc:
                raise StateError(
                    f"corrupted cache file {path} line {n} ({type(exc).__name__}); "
                    "rebuild with `corpusclean run --full`"
                ) from None


def write_json(path: Path, data: Any) -> None:
    """A work file (not synced)."""
    write_atomic(path, _dumps(data), durable=False)


def read_json(path: Path) -> Any:
    with open(path, "rb") as fh:
        return orjson.loads(fh.read())


def write_arrays(path: Path, arrays: dict[str, np.ndarray]) -> None:
    """Named arrays in one `.npz` work file (uncompressed: read back as fast as the disk gives them; not synced)."""
    buf = io.BytesIO()
    np.savez(buf, **arrays)
    write_atomic(path, buf.getvalue(), durable=False)


def read_arrays(path: Path) -> dict[str, np.ndarray]:
    with np.load(path, allow_pickle=False) as data:
        return {name: data[name] for name in data.files}


@dataclass
class BatchInfo:
    """What a batch step returns: small, serialisable."""

    batch: str
    documents: int
    seconds: float
    path: str
    docs: dict[str, list[str]] | None = None
    files: dict[str, str] | None = None  # raw path -> the prepared file holding its documents (prepare)
    sketches: dict[str, str] | None = None  # key -> where its signatures are cached (apply)
    unwritten: list[str] | None = None
    dataset: str | None = None  # the batch's dataset records (finish_batch), sorted by id


def prepare_batch(batch: str, sources: list[tuple[str, str, str]], prepared_dir: str, settings_data: dict) -> BatchInfo:
    """Read new or changed raw files (rel, path, key), run the per-document passes over their documents
    as one batch (`prepare_documents`), and cache the results in one file for the batch."""
    t0 = time.perf_counter()
    settings = Settings.model_validate(settings_data)
    res = Resources.load(settings)
    read = [read_source(Source(rel=rel, path=Path(path)), settings) for rel, path, _ in sources]
    docs = [doc for found in read for doc in found]
    prepare_documents(docs, res)  # the whole batch, stage by stage
    ids = {rel: [d.id for d in found] for (rel, _, _), found in zip(sources, read, strict=True)}
    name = _write_prepared(prepared_dir, [key for _, _, key in sources], docs)
    files = {rel: name for rel, _, _ in sources}
    return BatchInfo(batch, len(docs), time.perf_counter() - t0, prepared_dir, docs=ids, files=files)


def refuse_source(rel: str, key: str, prepared_dir: str, message: str) -> BatchInfo:
    """Record a raw file whose processing had to be killed as an error document."""
    doc = Document(id=rel, source=rel).fail(f"{rel}: {message}")
    name = _write_prepared(prepared_dir, [key], [doc])
    return BatchInfo(rel, 1, 0.0, prepared_dir, docs={rel: [rel]}, files={rel: name})


def _write_prepared(prepared_dir: str, keys: list[str], docs: list[Document]) -> str:
    """The batch's documents in one file (one write, one fsync); its name for the state."""
    name = batch_file(sorted(keys), PREPARED_SUFFIX)
    write_docs(Path(prepared_dir) / name, docs)
    return name


def read_prepared(prepared_dir: str, located: list[tuple[str, str, str]]) -> Iterator[Document]:
    """The cached documents of raw files given as (key, prepared file, sketch file), in that order;
    each file is read once, whichever batches wrote them."""
    wanted: dict[str, set[str]] = {}
    for key, name, _ in located:
        wanted.setdefault(name, set()).add(key)
    found: dict[str, list[Document]] = {}
    for name, keys in wanted.items():
        for doc in read_docs(Path(prepared_dir) / name):
            key = source_key(doc.source)
            if key in keys:
                found.setdefault(key, []).append(doc)
    for key, _, _ in located:
        yield from found.get(key, ())


def observe_batch(
    batch: str, located: list[tuple[str, str, str]], prepared_dir: str, work: str, settings_data: dict
) -> BatchInfo:
    """Partial corpus models (chrome lines, names) from one batch of cached documents."""
    t0 = time.perf_counter()
    settings = Settings.model_validate(settings_data)
    models = CorpusModels.empty(Resources.load(settings))
    n = 0
    for doc in read_prepared(prepared_dir, located):
        models.observe(doc)
        n += 1
    out = Path(work) / f"{batch}.models.json"
    write_json(out, models.to_dict())
    return BatchInfo(batch, n, time.perf_counter() - t0, str(out))


def decide_models(model_paths: list[str], work: str, settings_data: dict) -> str:
    """Merge the batches' partial models and decide once; the apply batches read the decisions only
    (the observations grow with the corpus and would be loaded by every worker)."""
    settings = Settings.model_validate(settings_data)
    res = Resources.load(settings)
    merged = CorpusModels.empty(res)
    for path in model_paths:
        merged.merge(CorpusModels.from_dict(read_json(Path(path)), res))
    merged.decide()
    out = Path(work) / "corpus.decisions.json"
    write_json(out, merged.decisions())
    return str(out)


_DECISION_FILES: dict[tuple[str, str, int, int, int], Any] = {}


def _read_once(kind: str, path: str, load: Callable[[Any], Any]) -> Any:
    """A decisions file (one per kind and run) loaded once per worker process: every batch of a
    phase reads the same file. Keyed by its identity on disk, so a later run's file is read afresh."""
    st = Path(path).stat()
    key = (kind, path, st.st_mtime_ns, st.st_ino, st.st_size)
    if key not in _DECISION_FILES:
        for old in [k for k in _DECISION_FILES if k[0] == kind]:
            del _DECISION_FILES[old]
        _DECISION_FILES[key] = load(read_json(Path(path)))
    return _DECISION_FILES[key]


def _decided_models(path: str, res: Resources) -> CorpusModels:
    return _read_once("models", path, lambda data: CorpusModels.from_decisions(data, res))


def _text_digest(doc: Document) -> str:
    h = xxhash.xxh3_64()
    for p in doc.live:
        h.update(f"{p.index}\x1f{p.text}\x1e".encode("utf-8", "surrogatepass"))
    return h.hexdigest()


def apply_batch(
    batch: str, located: list[tuple[str, str, str]], prepared_dir: str, models_path: str, work: str, settings_data: dict
) -> BatchInfo:
    """Apply learned chrome and name decisions, then sketch the batch's paragraphs; sketches of
    unchanged documents are reused from the previous run."""
    t0 = time.perf_counter()
    settings = Settings.model_validate(settings_data)
    res = Resources.load(settings)
    models = _decided_models(models_path, res)
    wdir = Path(work)
    dedup = DedupModel(settings, models.transliteration)  # names compared through the run's transliteration model
    sketches = sketch_cache(settings, prepared_dir)  # files beside the state, or Redis (settings.store)
    placed = [(key, where) for key, _, where in located]
    cached = sketches.get_many(placed)
    fresh: dict[str, dict[str, Any]] = {key: {} for key, _, _ in located}
    docs, observed, digests = [], [], []
    for doc in read_prepared(prepared_dir, located):
        models.apply(doc, res.verdicts)
        if doc.status == "ok":
            digest = _text_digest(doc)
            old = cached.get(source_key(doc.source), {}).get(doc.id)
            observed.append((doc, old["sketch"] if old and old.get("digest") == digest else None))
            digests.append(digest)
        docs.append(doc)
    dedup.observe_many(observed)  # signatures reused, facts taken afresh (names may link anew)
    for (doc, _), digest in zip(observed, digests, strict=True):
        fresh[source_key(doc.source)][doc.id] = {"digest": digest, "sketch": dedup.export_doc(doc.id)}
    # Written again only when a signature changed or the batch's raw files were cached elsewhere
    # (batches cut differently): else every raw file keeps its place.
    if fresh != {key: cached.get(key, {}) for key in fresh} or not sketches.in_place(placed):
        where = sketches.put_many(fresh)
        placed = [(key, where) for key in fresh]
    write_docs(wdir / f"{batch}.applied.jsonl", docs, durable=False)
    out = wdir / f"{batch}.dedup.npz"
    write_arrays(out, dedup.to_arrays())
    return BatchInfo(batch, len(docs), time.perf_counter() - t0, str(out), sketches=dict(placed))


def cluster(dedup_paths: list[str], settings: Settings) -> DedupModel:
    merged = DedupModel(settings)
    for path in dedup_paths:
        merged.merge(DedupModel.from_arrays(read_arrays(Path(path)), settings))
    merged.decide()
    return merged


def cluster_batches(dedup_paths: list[str], work: str, settings_data: dict) -> str:
    """Cluster the corpus and write the decisions (without the sketches) for the write batches."""
    settings = Settings.model_validate(settings_data)
    out = Path(work) / "corpus.dedup.json"
    write_json(out, cluster(dedup_paths, settings).to_dict(sketches=False))
    return str(out)


def _dedup_decisions(path: str, settings: Settings) -> DedupModel:
    return _read_once("dedup", path, lambda data: DedupModel.from_dict(data, settings))


def finish_batch(batch: str, decisions: str, work: str, clean_dir: str, settings_data: dict) -> BatchInfo:
    """Drop duplicates and write the batch's clean files and report parts."""
    dedup = _dedup_decisions(decisions, Settings.model_validate(settings_data))
    t0 = time.perf_counter()
    wdir = Path(work)
    by_source: dict[str, list[Document]] = {}
    records, events, members = [], [], []
    verdicts = Resources.load(dedup.settings).verdicts
    for doc in read_docs(wdir / f"{batch}.applied.jsonl"):
        members.extend(finish_document(doc, dedup, verdicts))
        by_source.setdefault(doc.source, []).append(doc)
    rewritten: dict[str, list[str]] = {}
    unwritten: list[str] = []
    outputs: list[tuple[str, Path, bytes]] = []

    def cannot_write(rel: str, exc: Exception) -> None:
        unwritten.append(rel)
        for d in by_source[rel]:
            d.fail(f"cannot write output: {exc}")

    for rel, docs in by_source.items():
        try:
            if all(d.status == "error" for d in docs):
                path = output_path(Path(clean_dir), rel)
                if path.exists():  # a file that was readable before and is binary now
                    path.unlink()
                    rewritten[rel] = [d.id for d in docs]
                continue
            outputs.append((rel, *source_output(Path(clean_dir), rel, docs)))
        except (UnsafePathError, OSError) as exc:
            cannot_write(rel, exc)
    hashes: dict[str, str] = {}  # the manifest's hash of each output, from the bytes in hand
    results = write_atomic_many([(path, data) for _, path, data in outputs])
    for (rel, path, data), written in zip(outputs, results, strict=True):
        if isinstance(written, Exception):
            cannot_write(rel, written)
            continue
        if written:
            rewritten[rel] = [d.id for d in by_source[rel]]
        for key in {d.id.split("#", 1)[0] for d in by_source[rel]}:
            if Path(clean_dir) / key == path:  # the report finds an output by its records' ids
                hashes[key] = output_hash(data)
    for docs in by_source.values():
        for d in docs:
            records.append(document_record(d))
            events.extend(e.to_dict() for e in d.events)
    part = {"documents": records, "events": events, "members": members, "hashes": hashes}
    write_json(wdir / f"{batch}.report.json", part)
    dataset = write_part(wdir / f"{batch}.dataset.jsonl", (d for docs in by_source.values() for d in docs))
    n = sum(len(d) for d in by_source.values())
    return BatchInfo(
        batch,
        n,
        time.perf_counter() - t0,
        str(wdir / f"{batch}.report.json"),
        docs=rewritten,
        unwritten=unwritten,
        dataset=str(dataset),
    )
