"""Near-duplicate clustering with its band buckets in a real Redis: candidates gathered in bulk (two
round trips per batch of paragraphs), the same decisions as the in-memory band index and MinHashLSH.

A `redis-server` is started on a free loopback port in the test's temporary folder and stopped at the
end. In CI (`CI` set) a missing server fails the test; elsewhere it is skipped.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from test_dedup import _decisions, _generated_docs

from cleaners.dedup import DedupModel, lsh_params
from cleaners.dedup import candidates as dedup_candidates
from cleaners.dedup.candidates import LshIndex
from cleaners.settings import Settings

redis = pytest.importorskip("redis")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def store(tmp_path: Path) -> Iterator[str]:
    binary = shutil.which("redis-server")
    if binary is None:
        if os.environ.get("CI"):
            pytest.fail("redis-server is missing (.ci/run installs it)")
        pytest.skip("redis-server not installed")
    port = _free_port()
    args = [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
    with open(tmp_path / "redis.log", "wb") as log:
        proc = subprocess.Popen(
            [*args, "--dir", str(tmp_path)], stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                break
            except OSError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    pytest.fail(f"redis-server did not start: {(tmp_path / 'redis.log').read_text()[-2000:]}")
                time.sleep(0.1)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(10)


def redis_settings(store: str, **overrides: object) -> Settings:
    return Settings(store=store, corpus_name="test-corpus", **overrides)


def test_bands_return_every_earlier_paragraph_of_each_bucket_once_per_band(store: str) -> None:
    """Buckets shared within a batch, across batches and in several bands: each pair (earlier, later)
    comes back once for every band it shares, as the in-memory bucket pairs do."""
    from cleaners.redis_store import RedisBands

    rng = np.random.default_rng(3)
    keys = rng.integers(0, 9, size=(60, 3)).astype(np.uint64)  # 9 buckets per band: many collisions
    keys[:, 2] += np.uint64(2**63)  # 8-byte keys with the high bit set
    bands = RedisBands(redis_settings(store))
    got = []
    for start in range(0, 60, 7):
        i, j = bands.add(start, keys[start : start + 7])
        got += zip(i.tolist(), j.tolist(), strict=True)
    expected = [(a, b) for band in range(3) for b in range(60) for a in range(b) if keys[a, band] == keys[b, band]]
    assert sorted(got) == sorted(expected) and len(expected) > 300

    r = redis.Redis.from_url(store)
    names = sorted(r.keys(b"corpusclean:test-corpus:lsh:*"))
    assert names == [b"corpusclean:test-corpus:lsh:%d" % band for band in range(3)]
    assert all(r.type(n) == b"hash" and r.hlen(n) == 9 for n in names)
    members = [np.frombuffer(v, dtype="<u4") for n in names for v in r.hvals(n)]
    assert sorted(np.concatenate(members).tolist()) == sorted(list(range(60)) * 3)  # packed positions, in order
    assert all(np.all(np.diff(m) > 0) for m in members)

    RedisBands(redis_settings(store))  # a new index starts empty
    assert r.keys(b"corpusclean:test-corpus:lsh:*") == []


@pytest.mark.parametrize("overrides", [{}, {"frequent_shingles": None}, {"threshold": 0.6}])
def test_redis_source_decides_like_the_in_memory_index_and_minhashlsh(
    store: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, overrides: dict
) -> None:
    """Same buckets, same verification, same greedy loop: identical clusters from the band index in
    memory, the band index on Redis (small batches, so buckets span many of them) and MinHashLSH."""
    monkeypatch.setattr(dedup_candidates, "_STORE_BATCH", 97)
    settings = Settings(**overrides)
    model = DedupModel(settings)
    for d in _generated_docs(tmp_path):
        model.observe(d)
    model.decide()
    in_memory = _decisions(model)
    assert len(in_memory[1]) > 20

    executes = []
    real_execute = redis.client.Pipeline.execute

    def counted(self, *args, **kwargs):
        executes.append(len(self.command_stack))
        return real_execute(self, *args, **kwargs)

    monkeypatch.setattr(redis.client.Pipeline, "execute", counted)
    model.settings = redis_settings(store, **overrides)
    model.decide()
    assert _decisions(model) == in_memory
    sketched = sum(len(d.sigs) for d in model._docs.values())
    batches = -(-sketched // 97)
    bands = lsh_params(settings)[0]
    assert len(executes) == 2 * batches and set(executes) == {bands}  # bulk: one command per band per round trip
    model.decide()  # again on the same store: the previous index is cleared first
    assert _decisions(model) == in_memory

    monkeypatch.setattr(redis.client.Pipeline, "execute", real_execute)
    model.decide(LshIndex(settings, {"type": "dict"}))  # datasketch's MinHashLSH as the source
    assert _decisions(model) == in_memory
