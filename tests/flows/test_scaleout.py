"""Scale-out on real engines: the same clean/ from the local runner, a local Dask cluster, an external
Dask scheduler and Redis; clear errors (exit 2, no hang) when an engine is unreachable.

The e2e tests start a real `redis-server`, `dask scheduler` and `dask worker` on free loopback ports
and stop their process groups at the end. In CI (`CI` set) a missing service fails the test.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bench.services import Services, free_port, listening
from cleaners.layout import Layout
from cleaners.settings import Settings
from cleaners.state import fingerprint

BIN = Path(sys.executable).parent
SECRET = "pw-not-for-logs-7f3a"

# Invented articles: three outlets, a footer on every page of one, a wire paragraph two outlets carry
# word for word and a third carries lightly edited.
WIRE = (
    "The harbour authority of Saltmere confirmed on Tuesday that the northern breakwater will be closed "
    "to walkers until the spring, after engineers found cracks in three of its concrete blocks."
)
WIRE_EDITED = (
    "The harbour authority of Saltmere confirmed on Tuesday that the northern breakwater would be closed "
    "to walkers until spring, after engineers found cracks in three of the concrete blocks."
)
FOOTER = "Follow the Tideway Gazette on social media"
ARTICLES = {
    "tideway-gazette/breakwater.txt": ["Breakwater closed to walkers", WIRE, "Anglers who fish from the "
        "breakwater at dawn said they would move to the old jetty for the winter months.", FOOTER],
    "tideway-gazette/ferry.txt": ["Ferry timetable changes", "The island ferry will leave half an hour "
        "earlier on weekdays from next month, the operator said, to give commuters more time.", FOOTER],
    "tideway-gazette/library.txt": ["Library extends hours", "The town library will stay open until eight "
        "on Thursdays, after a petition signed by more than four hundred residents.", FOOTER],
    "moorland-post/harbour.txt": ["Harbour works announced", WIRE, "Repairs are expected to cost more "
        "than the authority had set aside, and a bid for regional funds has been sent."],
    "moorland-post/school.txt": ["New roof for village school", "Pupils at the Brackenfold primary school "
        "will have lessons in the village hall while a new roof is fitted over the summer."],
    "coastline-daily/breakwater.txt": ["Cracks found in breakwater", WIRE_EDITED, "A spokesperson said "
        "the blocks had been inspected every year and that the cracks appeared after the January storms."],
}  # fmt: skip


def require(binary: str) -> str:
    """A service's binary; its absence fails in CI and skips elsewhere."""
    path = shutil.which(binary) or (str(BIN / binary) if (BIN / binary).exists() else None)
    if path is None:
        if os.environ.get("CI"):
            pytest.fail(f"{binary} is missing (.ci/run installs it)")
        pytest.skip(f"{binary} not installed")
    return path


def require_dask() -> None:
    try:
        import distributed  # noqa: F401
        import prefect_dask  # noqa: F401
    except ImportError as exc:
        if os.environ.get("CI"):
            pytest.fail(f"dask extra missing ({exc}); make test installs .[dask]")
        pytest.skip(f"dask extra not installed: {exc}")


def start_redis(svc: Services) -> str:
    return svc.redis(require("redis-server"))


def start_dask(svc: Services, env: dict[str, str]) -> tuple[str, Path]:
    require_dask()
    port = free_port()
    address = f"tcp://127.0.0.1:{port}"
    sched = svc.spawn(
        [str(BIN / "dask"), "scheduler", "--host", "127.0.0.1", "--port", str(port), "--no-dashboard"], "scheduler.log"
    )
    svc.wait_until("dask scheduler", lambda: listening(port), sched)
    args = [str(BIN / "dask"), "worker", address, "--nworkers", "1", "--nthreads", "2", "--no-dashboard"]
    worker = svc.spawn([*args, "--host", "127.0.0.1"], "worker.log", env)
    wlog = svc.log(worker)
    svc.wait_until("dask worker", lambda: b"Registered to" in wlog.read_bytes(), worker)
    return address, wlog


def write_corpus(raw: Path, articles: dict[str, list[str]]) -> None:
    for rel, paras in articles.items():
        path = raw / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("\n\n".join(paras) + "\n", encoding="utf-8")


def cli_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_API")}
    # INFO: the Dask worker's task-run lines are how a test sees where the batches ran
    env.update(DO_NOT_TRACK="1", PREFECT_SERVER_ANALYTICS_ENABLED="false", PYTHONUNBUFFERED="1", **extra)
    env["PREFECT_LOGGING_LEVEL"] = "INFO"
    return env


def cli(*args: str, env: dict[str, str] | None = None, timeout: float = 180) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(BIN / "corpusclean"), "run", *args],
        env=env or cli_env(),
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def run_local(raw: Path, clean: Path, **overrides) -> dict:
    from flows.clean_corpus import clean_corpus

    return clean_corpus(raw_dir=str(raw), clean_dir=str(clean), settings=Settings(workers=1, **overrides))


# --- settings and errors ---------------------------------------------------------------------------


def test_settings_refuse_credentials_and_two_engines() -> None:
    from pydantic import ValidationError

    for url in (f"redis://:{SECRET}@127.0.0.1:6379/0", f"redis://user:{SECRET}@h/1", "redis://user@h/0"):
        with pytest.raises(ValidationError, match="must not hold a user or password") as err:
            Settings(store=url)
        assert SECRET not in str(err.value)
    with pytest.raises(ValidationError, match="not a redis://"):
        Settings(store="http://127.0.0.1:6379/0")
    with pytest.raises(ValidationError, match="give one"):
        Settings(dask_workers=2, dask_address="tcp://127.0.0.1:8786")
    assert Settings(store="redis://127.0.0.1:6379/2").store == "redis://127.0.0.1:6379/2"


def test_engine_is_not_part_of_the_fingerprint() -> None:
    engine = Settings(dask_address="tcp://127.0.0.1:8786", store="redis://127.0.0.1:6379/0", corpus_name="x")
    assert fingerprint(engine) == fingerprint(Settings())
    assert fingerprint(Settings(threshold=0.6)) != fingerprint(Settings())


def test_corpus_name_is_stable_and_distinct(tmp_path: Path) -> None:
    from cleaners.stores import bind_corpus, corpus_name

    a, b = tmp_path / "news clean", tmp_path / "other"
    assert corpus_name(a) == corpus_name(str(a)) and corpus_name(a) != corpus_name(b)
    assert corpus_name(a).startswith("news-clean-")
    assert Settings(corpus_name=corpus_name(a))  # a valid setting value
    assert bind_corpus(Settings(), a).corpus_name is None  # no store, no prefix
    assert bind_corpus(Settings(store="redis://h/0", corpus_name="mine"), a).corpus_name == "mine"


def test_cli_refuses_a_password_in_the_url(tmp_path: Path) -> None:
    (tmp_path / "raw").mkdir()
    res = cli(str(tmp_path / "raw"), str(tmp_path / "clean"), "--store", f"redis://:{SECRET}@127.0.0.1:6379/0")
    assert res.returncode == 2, res.stderr
    assert "CORPUSCLEAN_REDIS_PASSWORD" in res.stderr
    assert SECRET not in res.stderr + res.stdout


def test_unreachable_redis_exits_2_quickly(tmp_path: Path) -> None:
    pytest.importorskip("redis")
    write_corpus(tmp_path / "raw", dict(list(ARTICLES.items())[:1]))
    url = f"redis://127.0.0.1:{free_port()}/0"  # nothing listens there
    t = time.monotonic()
    res = cli(str(tmp_path / "raw"), str(tmp_path / "clean"), "--store", url, timeout=60)
    assert res.returncode == 2, res.stderr
    assert f"Redis at {url} (setting `store`" in res.stderr and "unreachable" in res.stderr
    assert time.monotonic() - t < 30
    assert not (tmp_path / "clean" / "_report").exists()


def test_unreachable_dask_scheduler_exits_2_quickly(tmp_path: Path) -> None:
    require_dask()
    write_corpus(tmp_path / "raw", dict(list(ARTICLES.items())[:1]))
    address = f"tcp://127.0.0.1:{free_port()}"
    t = time.monotonic()
    res = cli(str(tmp_path / "raw"), str(tmp_path / "clean"), "--dask-address", address, timeout=60)
    assert res.returncode == 2, res.stderr
    assert f"Dask scheduler at {address} (setting `dask_address`" in res.stderr and "unreachable" in res.stderr
    assert time.monotonic() - t < 30


# --- the real engines ------------------------------------------------------------------------------


@pytest.mark.e2e
def test_same_outputs_on_every_engine(tmp_path: Path, prefect_server) -> None:
    raw = tmp_path / "raw"
    write_corpus(raw, ARTICLES)
    run_local(raw, tmp_path / "local")
    reference = Layout(tmp_path / "local").snapshot()
    clusters = (tmp_path / "local" / "_report" / "clusters.jsonl").read_text()
    assert clusters.count('"cluster"') >= 1 and "coastline-daily/breakwater.txt" in clusters  # the edited copy

    with Services(tmp_path) as svc:
        store = start_redis(svc)
        env = cli_env(CORPUSCLEAN_REDIS_PASSWORD="")
        address, worker_log = start_dask(svc, env)

        # Redis with the local runner, twice: the second run on a changed corpus must not see the first's index.
        write_corpus(raw, {"moorland-post/extra.txt": ["Extra page", WIRE_EDITED + " Lorem added."]})
        run_local(raw, tmp_path / "redis", store=store)
        (raw / "moorland-post" / "extra.txt").unlink()
        run_local(raw, tmp_path / "redis", store=store)
        assert Layout(tmp_path / "redis").snapshot() == reference

        import redis

        r = redis.Redis.from_url(store)
        keys = r.keys(b"corpusclean:*")
        assert any(b":lsh" in k for k in keys) and any(b":sketch:" in k for k in keys)
        assert len({k.split(b":")[1] for k in keys}) == 1  # one corpus prefix
        sketch_keys = [k for k in keys if b":sketch:" in k]
        assert len(sketch_keys) == len(ARTICLES)  # the removed file's signatures were deleted
        values = [r.get(k) for k in sketch_keys]
        assert values and all(v.startswith(b"{") for v in values)  # JSON, nothing pickled
        lsh = [k for k in keys if b":lsh:" in k]  # one hash per band: band key -> packed uint32 positions
        assert lsh and all(r.type(k) == b"hash" for k in lsh)
        assert all(len(f) == 8 and len(v) % 4 == 0 for k in lsh for f, v in r.hgetall(k).items())

        # a local Dask cluster of two processes
        res = cli(str(raw), str(tmp_path / "dask-local"), "--dask-workers", "2", env=env)
        assert res.returncode == 0, res.stderr[-3000:]
        assert Layout(tmp_path / "dask-local").snapshot() == reference

        # the engine as a flow parameter (how deployments choose it): a subflow on a Dask runner
        run_local(raw, tmp_path / "dask-param", dask_workers=1)
        assert Layout(tmp_path / "dask-param").snapshot() == reference

        # the external scheduler and Redis: the README's command
        res = cli(str(raw), str(tmp_path / "dask-ext"), "--dask-address", address, "--store", store, env=env)
        assert res.returncode == 0, res.stderr[-3000:]
        assert Layout(tmp_path / "dask-ext").snapshot() == reference
        log = worker_log.read_text(errors="replace")
        assert "prepare-batch" in log and "finish-batch" in log  # the batches ran on the Dask worker
        assert "Starting temporary server" not in log  # it used the flow's Prefect API
