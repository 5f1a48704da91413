"""Where the shared state of a corpus lives: files beside the outputs (the default) or Redis (`store`).

Only the duplicate index and the signature cache move to Redis. The per-document cache
(`_state/prepared/*.jsonl`), the batches' work files and `state.json` stay on the file system
beside `clean/`: they hold whole documents, are written once per batch by the worker that made them
and read back by the next phase of the same batch, and the outputs next to them need a file system
shared by all workers anyway; in Redis they would hold the corpus's text in memory for no gain.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any, Protocol

import orjson
import xxhash

from cleaners.output import write_atomic
from cleaners.settings import Settings


class SketchCache(Protocol):
    def get(self, key: str) -> dict[str, Any] | None: ...
    def put(self, key: str, data: dict[str, Any]) -> None: ...
    def delete(self, keys: list[str]) -> None: ...
    def clear(self) -> None: ...


class FileSketches:
    """`<prepared>/<key>.sketch.json` per raw file; the state's fingerprint check guards reuse."""

    def __init__(self, prepared_dir: str | Path) -> None:
        self.dir = Path(prepared_dir)

    def _path(self, key: str) -> Path:
        return self.dir / f"{key}.sketch.json"

    def get(self, key: str) -> dict[str, Any] | None:
        """The cached sketches, or None when missing or damaged: they are sketched again."""
        try:
            data = orjson.loads(self._path(key).read_bytes())
        except (FileNotFoundError, ValueError):
            return None
        return data if isinstance(data, dict) else None

    def put(self, key: str, data: dict[str, Any]) -> None:
        # no fsync (about 0.5 ms a file on this machine, one file per raw file): a file a power cut
        # damaged is read as a miss
        write_atomic(self._path(key), orjson.dumps(data), durable=False)

    def delete(self, keys: list[str]) -> None:
        for key in keys:
            self._path(key).unlink(missing_ok=True)

    def clear(self) -> None:
        for path in self.dir.glob("*.sketch.json"):
            path.unlink(missing_ok=True)


_NAMESPACES: dict[str, str] = {}


def _namespace(settings: Settings) -> str:
    """Short hash of the state's fingerprint (settings, data files, versions), computed once per process."""
    from cleaners.state import fingerprint

    key = settings.model_dump_json()
    if key not in _NAMESPACES:
        data = json.dumps(fingerprint(settings), sort_keys=True).encode()
        _NAMESPACES[key] = xxhash.xxh3_64_hexdigest(data)
    return _NAMESPACES[key]


def sketch_cache(settings: Settings, prepared_dir: str | Path) -> SketchCache:
    """The signature cache the settings select."""
    if settings.store:
        from cleaners.redis_store import RedisSketches

        return RedisSketches(settings, _namespace(settings))
    return FileSketches(prepared_dir)


def corpus_name(clean_dir: str | Path) -> str:
    """A stable key prefix for a clean folder: its name plus a hash of its absolute path, so two corpora
    never share keys and the same folder (on a shared file system) always gets the same ones."""
    path = Path(clean_dir).resolve()
    stem = re.sub(r"[^A-Za-z0-9_-]+", "-", path.name).strip("-")[:40] or "corpus"
    return f"{stem}-{xxhash.xxh3_64_hexdigest(str(path).encode('utf-8', 'surrogatepass'))[:12]}"


def bind_corpus(settings: Settings, clean_dir: str | Path) -> Settings:
    """The settings with `corpus_name` filled in when a store is used and none was given."""
    if settings.store and not settings.corpus_name:
        return settings.model_copy(update={"corpus_name": corpus_name(clean_dir)})
    return settings


def check(settings: Settings) -> None:
    """Raise StoreUnavailable when the selected store cannot be reached (files always can)."""
    if settings.store:
        from cleaners.redis_store import check as check_redis

        check_redis(settings)
