"""Redis as the shared store of one corpus: the LSH band buckets of near-duplicate clustering and the
cache of MinHash signatures, under one fixed key prefix per corpus (`corpusclean:<corpus_name>:`).

Why these two and nothing else: they are the state whose size grows with the corpus and that every
run rebuilds or re-reads as a whole, so a store outside the run's process lets many machines and runs
share them. Nothing read from Redis is unpickled: bucket members are packed integers, signatures are
JSON. The password comes only from $CORPUSCLEAN_REDIS_PASSWORD, never from the URL
(settings refuse one), so it appears in no flow parameter, log or error message.
"""

from __future__ import annotations

import os
from typing import Any
from urllib.parse import urlsplit

import numpy as np
import orjson

from cleaners.settings import Settings

PASSWORD_ENV = "CORPUSCLEAN_REDIS_PASSWORD"
KEY_ROOT = b"corpusclean:"
LSH = b"lsh:"
SKETCH = b"sketch:"
_SOCKET_TIMEOUT = 60.0  # a single command, once connected; the connect timeout is a setting


class StoreUnavailable(RuntimeError):
    """Redis cannot be reached or refused us; the message names the address and the setting."""


def address(settings: Settings) -> dict[str, Any]:
    """host, port, db and ssl of `settings.store` (no credentials: the settings refuse them)."""
    if not settings.store:
        raise ValueError("no store configured")
    url = urlsplit(settings.store)
    db = url.path.strip("/") or "0"
    if not db.isdigit():
        raise ValueError(f"store: database {db!r} in {settings.store!r} is not a number")
    return {"host": url.hostname, "port": url.port or 6379, "db": int(db), "ssl": url.scheme == "rediss"}


def prefix(settings: Settings) -> bytes:
    """Key prefix of this corpus; flows set `corpus_name` from the clean folder when it is not given."""
    if not settings.corpus_name:
        raise ValueError("corpus_name is not set: the flow derives it from the clean folder")
    return KEY_ROOT + settings.corpus_name.encode("ascii") + b":"


def _params(settings: Settings) -> dict[str, Any]:
    return {
        **address(settings),
        "socket_connect_timeout": settings.connect_timeout,
        "socket_timeout": max(_SOCKET_TIMEOUT, settings.connect_timeout),
    }


def client(settings: Settings, retries: int | None = None) -> Any:
    """A client of the store; `retries=0` for checks, so an unreachable store fails within one timeout."""
    import redis

    extra: dict[str, Any] = {}
    if retries is not None:
        from redis.backoff import NoBackoff
        from redis.retry import Retry

        extra["retry"] = Retry(NoBackoff(), retries)
    return redis.Redis(**_params(settings), password=os.environ.get(PASSWORD_ENV) or None, **extra)


def check(settings: Settings) -> None:
    """PING within the connect timeout, or StoreUnavailable naming the address and the setting."""
    import redis

    where = f"{settings.store} (setting `store`, CLI --store)"
    try:
        client(settings, retries=0).ping()
    except redis.AuthenticationError as exc:
        raise StoreUnavailable(f"Redis at {where} refused the password from ${PASSWORD_ENV}: {exc}") from exc
    except redis.ResponseError as exc:
        if "NOAUTH" in str(exc) or "AUTH" in str(exc):
            raise StoreUnavailable(f"Redis at {where} wants a password: set ${PASSWORD_ENV}") from exc
        raise StoreUnavailable(f"Redis at {where} answered with an error: {exc}") from exc
    except (redis.ConnectionError, redis.TimeoutError, OSError) as exc:
        raise StoreUnavailable(f"Redis at {where} is unreachable within {settings.connect_timeout:g} s: {exc}") from exc
    except redis.RedisError as exc:
        raise StoreUnavailable(f"{where} did not answer like a Redis server: {exc}") from exc


def _escape(pattern: bytes) -> bytes:
    out = bytearray()
    for ch in pattern:
        if ch in b"*?[]\\":
            out += b"\\"
        out.append(ch)
    return bytes(out)


def clear(settings: Settings, part: bytes) -> int:
    """Delete this corpus's keys under `part` (e.g. LSH): a rebuild starts from nothing, so its result
    does not depend on what an earlier run left. Returns the number of keys deleted."""
    r = client(settings)
    pattern = _escape(prefix(settings) + part) + b"*"
    deleted, batch = 0, []
    for key in r.scan_iter(match=pattern, count=10_000):
        batch.append(key)
        if len(batch) >= 10_000:
            deleted += r.unlink(*batch)
            batch = []
    if batch:
        deleted += r.unlink(*batch)
    return deleted


class RedisBands:
    """The LSH band buckets of near-duplicate clustering (`cleaners.dedup.candidates.BandStore`): one
    Redis hash per band, `<prefix>lsh:<band>`, mapping a bucket's 8-byte band key to the positions of
    its paragraphs (uint32, little-endian, packed). The index of the previous run is cleared first.

    Why not datasketch's Redis storage: it costs one command per band for every paragraph inserted and
    queried, so clustering waited on about 40 round trips per paragraph (11 ms); and a set per bucket
    with a key list per paragraph took 3.5 KB per paragraph at 24 bands. Here a batch of paragraphs
    costs two round trips (HMGET of its buckets in every band, then HSET of their new members: one
    command per band each), and a paragraph costs a hash field and four bytes per band. Only the
    clustering process writes the index, in position order, so reading a bucket and writing it back
    needs no lock."""

    def __init__(self, settings: Settings) -> None:
        clear(settings, LSH)
        self._r = client(settings)
        self._base = prefix(settings) + LSH

    def add(self, start: int, keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """See `BandStore.add`: pairs (earlier, later) of positions, as int64 arrays."""
        n, bands = keys.shape
        if start + n > 2**32:
            raise ValueError("more than 2**32 sketched paragraphs in one corpus")
        names = [self._base + b"%d" % band for band in range(bands)]
        fields = [_split(np.ascontiguousarray(keys[:, band]).astype("<u8").tobytes(), 8) for band in range(bands)]
        pipe = self._r.pipeline(transaction=False)
        for name, band_fields in zip(names, fields, strict=True):
            pipe.hmget(name, band_fields)
        found = pipe.execute()
        positions = _split((start + np.arange(n)).astype("<u4").tobytes(), 4)
        pairs_i: list[np.ndarray] = []
        pairs_j: list[np.ndarray] = []
        pipe = self._r.pipeline(transaction=False)
        for band in range(bands):
            values = dict(zip(fields[band], positions, strict=True))
            old = found[band]
            # buckets that held paragraphs already or get several of this batch: members appended in order
            shared = {i for i, v in enumerate(old) if v is not None}
            if len(values) < n:
                _, first, counts = np.unique(keys[:, band], return_index=True, return_counts=True)
                repeated = np.isin(keys[:, band], keys[first[counts > 1], band])
                shared.update(np.flatnonzero(repeated).tolist())
            members: dict[bytes, list[int]] = {}
            for i in sorted(shared):
                members.setdefault(fields[band][i], []).append(i)
            for field, rows in members.items():
                before = old[rows[0]] or b""
                earlier = np.frombuffer(before, dtype="<u4").astype(np.int64)
                now = start + np.asarray(rows, dtype=np.int64)
                for k, j in enumerate(now.tolist()):
                    if len(earlier) or k:
                        mates = np.concatenate([earlier, now[:k]])
                        pairs_i.append(mates)
                        pairs_j.append(np.full(len(mates), j, dtype=np.int64))
                values[field] = before + b"".join(positions[i] for i in rows)
            pipe.hset(names[band], mapping=values)
        pipe.execute()
        empty = np.empty(0, np.int64)
        return (np.concatenate(pairs_i), np.concatenate(pairs_j)) if pairs_i else (empty, empty)


def _split(data: bytes, width: int) -> list[bytes]:
    return [data[k : k + width] for k in range(0, len(data), width)]


class RedisSketches:
    """The MinHash signature cache of `cleaners.batches.apply_batch` in Redis: one JSON value per raw
    file, read and written a batch at a time, under a namespace of the state's fingerprint so sketches
    made under other settings, data files or library versions are never reused."""

    def __init__(self, settings: Settings, namespace: str) -> None:
        self._r = client(settings)
        self._base = prefix(settings) + SKETCH
        self._ns = self._base + namespace.encode("ascii") + b":"

    def get_many(self, located: list[tuple[str, str]]) -> dict[str, dict[str, Any]]:
        """One MGET for a batch's raw files (where the state says they are does not matter here)."""
        keys = [key for key, _ in located]
        if not keys:
            return {}
        values = self._r.mget([self._ns + k.encode("ascii") for k in keys])
        return {k: orjson.loads(v) for k, v in zip(keys, values, strict=True) if v}

    def in_place(self, located: list[tuple[str, str]]) -> bool:
        """Always: a raw file's sketches are found by its key."""
        return True

    def put_many(self, entries: dict[str, dict[str, Any]]) -> str:
        """One MSET for a batch's raw files; they are found by key, so the state records no place ("")."""
        if entries:
            self._r.mset({self._ns + k.encode("ascii"): orjson.dumps(v) for k, v in entries.items()})
        return ""

    def delete(self, keys: list[str]) -> None:
        """Forget raw files that went (their keys)."""
        if keys:
            self._r.unlink(*(self._ns + k.encode("ascii") for k in keys))

    def clear(self) -> None:
        """Every namespace of this corpus (a --full rebuild)."""
        pattern = _escape(self._base) + b"*"
        keys = list(self._r.scan_iter(match=pattern, count=10_000))
        for i in range(0, len(keys), 10_000):
            self._r.unlink(*keys[i : i + 10_000])
