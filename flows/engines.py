"""The engines a run uses: Prefect's default task runner, or Dask (a local cluster, or an existing
`dask.distributed` scheduler) through prefect-dask; and the reachability checks that turn a missing
engine into a clear error within `connect_timeout` instead of a hang.

The flow is defined once; its task runner is chosen when it is called
(`clean_corpus.with_options(task_runner=task_runner(settings))`). A deployment run, whose engine comes
from the `settings` parameter, runs its work as a subflow on the chosen runner (see flows.clean_corpus).
"""

from __future__ import annotations

import ipaddress
import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from typing import Any
from urllib.parse import urlsplit

from cleaners import stores
from cleaners.settings import Settings
from flows import workers

INLINE_ENV = workers.INLINE_ENV


class EngineUnavailable(RuntimeError):
    """A selected engine (Dask scheduler, Redis) cannot be used; the message names address and setting."""


def uses_dask(settings: Settings) -> bool:
    return bool(settings.dask_workers or settings.dask_address)


def task_runner(settings: Settings) -> Any | None:
    """A DaskTaskRunner for the settings, or None for Prefect's default (threads + worker processes)."""
    if not uses_dask(settings):
        return None
    try:
        from prefect_dask import DaskTaskRunner
    except ImportError as exc:
        raise EngineUnavailable(
            "dask_workers / dask_address need the dask extra: pip install 'corpusclean[dask]'"
        ) from exc
    timeout = f"{settings.connect_timeout:g}s"
    client_kwargs = {"timeout": timeout}
    if settings.dask_address:
        return DaskTaskRunner(address=settings.dask_address, client_kwargs=client_kwargs)
    cluster_kwargs = {
        "n_workers": settings.dask_workers,
        "threads_per_worker": 1,  # one batch per process: the passes are CPU-bound Python
        "processes": True,
        "dashboard_address": ":0",  # a free port: several clusters on one machine do not collide
        "silence_logs": logging.WARNING,
        "env": {INLINE_ENV: "1"},
    }
    return DaskTaskRunner(cluster_kwargs=cluster_kwargs, client_kwargs=client_kwargs)


def running_on_dask() -> bool:
    """Whether the current flow run's task runner is a DaskTaskRunner."""
    from prefect.context import FlowRunContext

    ctx = FlowRunContext.get()
    return ctx is not None and type(ctx.task_runner).__name__ == "DaskTaskRunner"


def check_dask(settings: Settings) -> int:
    """Connect to `dask_address` within the connect timeout; the number of worker threads it has."""
    if not settings.dask_address:
        return settings.dask_workers
    try:
        from distributed import Client
    except ImportError as exc:
        raise EngineUnavailable("dask_address needs the dask extra: pip install 'corpusclean[dask]'") from exc
    where = f"{settings.dask_address} (setting `dask_address`, CLI --dask-address)"
    try:
        with Client(settings.dask_address, timeout=f"{settings.connect_timeout:g}s", set_as_default=False) as client:
            threads = sum(client.nthreads().values())
    except (OSError, TimeoutError, ValueError) as exc:
        raise EngineUnavailable(
            f"the Dask scheduler at {where} is unreachable within {settings.connect_timeout:g} s: {exc}"
        ) from exc
    if not threads:
        raise EngineUnavailable(f"the Dask scheduler at {where} has no workers; start `dask worker` processes")
    return threads


def check(settings: Settings) -> int:
    """Check every selected engine; the parallelism batches should be split for."""
    try:
        stores.check(settings)
    except ImportError as exc:
        raise EngineUnavailable("store needs the redis extra: pip install 'corpusclean[redis]'") from exc
    except RuntimeError as exc:  # redis_store.StoreUnavailable
        raise EngineUnavailable(str(exc)) from exc
    if uses_dask(settings):
        return check_dask(settings)
    return workers.worker_count(settings.workers)


def parallelism(settings: Settings) -> int:
    """How many batches can run at once: local worker processes, Dask workers or scheduler threads."""
    if settings.dask_workers:
        return settings.dask_workers
    if settings.dask_address and running_on_dask():
        from prefect.context import FlowRunContext

        ctx = FlowRunContext.get()
        return max(1, sum(ctx.task_runner.client.nthreads().values()))
    return workers.worker_count(settings.workers)


# Raw files per task and batches per worker (a small corpus is cut finer, so that no worker waits on
# another's last batch). A local task costs the flow process and the Prefect API about 40 ms of processor
# time together, whichever the batch size (at 100 k paragraphs, 1,024-file batches spent 2.4 CPU s less
# than 256-file ones); a Dask task costs the flow process about 0.1 s (Prefect serialises its settings
# context for every submission; `python -m bench.scaling`), so Dask batches are four times as large and a
# small corpus is cut into one per worker: the tasks stay under 5 % of the run (two per worker cost 5.2 %
# of a 100 k-paragraph run on two workers, once the stages had got faster).
LOCAL_BATCHING = (1024, 4)
DASK_BATCHING = (4096, 1)


def batching(settings: Settings) -> tuple[int, int]:
    """(raw files per batch at most, batches per worker at least) for the settings' engine; an explicit
    `batch_size` wins."""
    size, per_worker = DASK_BATCHING if uses_dask(settings) else LOCAL_BATCHING
    return settings.batch_size or size, per_worker


def _loopback(address: str) -> bool:
    host = urlsplit(address if "://" in address else f"tcp://{address}").hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@contextmanager
def worker_api(settings: Settings) -> Iterator[None]:
    """Make the Prefect API reachable from Dask workers.

    Without PREFECT_API_URL, Prefect runs an ephemeral API inside the flow process, and each Dask
    worker would start one of its own (seconds each, and task runs recorded apart). Here the flow
    process starts Prefect's temporary server first and points the run's settings at it; prefect-dask
    ships those settings to the workers with every task. That server listens on loopback only, so
    workers on other machines need PREFECT_API_URL set to a Prefect server they can reach."""
    from prefect.settings import PREFECT_API_URL, get_current_settings, temporary_settings

    if not uses_dask(settings) or get_current_settings().api.url or os.environ.get("PREFECT_API_URL"):
        with nullcontext():
            yield
        return
    if settings.dask_address and not _loopback(settings.dask_address):
        raise EngineUnavailable(
            f"dask_address={settings.dask_address} is another machine: its workers need PREFECT_API_URL set to "
            "a Prefect server they can reach (bound to an address of your private network), in this process's "
            "environment and in the workers'"
        )
    from prefect.server.api.server import SubprocessASGIServer

    server = SubprocessASGIServer()
    server.start()
    with temporary_settings({PREFECT_API_URL: server.api_url}):
        yield
