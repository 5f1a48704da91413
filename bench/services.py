"""Real services for the benchmarks and the end-to-end tests, started and stopped one way.

`Services` starts child processes each in its own session (so a whole process group can be signalled),
waits for them to answer, and stops them, newest first, however the block ends: SIGTERM to the group
(background jobs ignore SIGINT), SIGKILL when it lingers. A service that dies or does not answer in
time raises `ServiceError` with the tail of its log.

    with Services(tmp) as svc:
        url = svc.redis()                       # redis://127.0.0.1:<free port>/0
        api, _ = svc.prefect_server(env)        # http://127.0.0.1:<free port>/api
        proc = svc.spawn(["dask", "scheduler", ...], "scheduler.log")
        svc.wait_until("dask scheduler", lambda: listening(port), proc)
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any


class ServiceError(RuntimeError):
    """A service did not start; the message carries its log's tail."""


def free_port() -> int:
    """A loopback port nothing listens on now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def listening(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
        return True
    except OSError:
        return False


def stop(proc: subprocess.Popen, timeout: float = 20) -> None:
    """SIGTERM the process group, SIGKILL it if it lingers; return once the group is gone."""
    for sig, wait in ((signal.SIGTERM, timeout), (signal.SIGKILL, 10)):
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            return
        try:
            proc.wait(wait)
            time.sleep(0.2)  # let the group's other members go too
        except subprocess.TimeoutExpired:
            continue
        try:
            os.killpg(proc.pid, 0)
        except ProcessLookupError:
            return


class Services:
    """Children started through one object, logged into `log_dir`, stopped together on exit."""

    def __init__(self, log_dir: Path) -> None:
        self.log_dir = Path(log_dir)
        self.started: list[tuple[subprocess.Popen, Path]] = []

    def __enter__(self) -> Services:
        self.log_dir.mkdir(parents=True, exist_ok=True)
        return self

    def __exit__(self, *exc: object) -> None:
        for proc, _ in reversed(self.started):
            stop(proc)
        self.started.clear()

    def spawn(
        self, args: list[str], log: str, env: dict[str, str] | None = None, cwd: Path | None = None
    ) -> subprocess.Popen:
        """Start `args` in a new session, stdout and stderr into `log_dir/log`."""
        path = self.log_dir / log
        with open(path, "wb") as out:
            proc = subprocess.Popen(
                args,
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
                env=env,
                cwd=cwd,
            )
        self.started.append((proc, path))
        return proc

    def log(self, proc: subprocess.Popen) -> Path:
        return next(path for p, path in self.started if p is proc)

    def wait_until(
        self,
        what: str,
        check: Callable[[], Any],
        *procs: subprocess.Popen,
        timeout: float = 30,
        ignore: tuple[type[BaseException], ...] = (OSError,),
    ) -> Any:
        """Poll `check` until it returns a truthy value (exceptions in `ignore` count as not yet) and return
        it; a `ServiceError` with the logs when one of `procs` (default: all started) dies or time runs out."""
        watched = procs or tuple(p for p, _ in self.started)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                result = check()
            except ignore:
                result = None
            if result:
                return result
            if any(p.poll() is not None for p in watched):
                break
            time.sleep(0.2)
        tails = "\n".join(
            f"--- {path.name}\n{path.read_text(errors='replace')[-3000:]}" for p, path in self.started if p in watched
        )
        raise ServiceError(f"{what} did not happen within {timeout:.0f} s\n{tails}")

    def redis(self, binary: str | None = None, timeout: float = 30) -> str:
        """A fresh redis-server without persistence on a free loopback port; its URL."""
        binary = binary or shutil.which("redis-server")
        if binary is None:
            raise ServiceError("redis-server is not installed")
        port = free_port()
        args = [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
        proc = self.spawn([*args, "--dir", str(self.log_dir)], "redis.log")
        self.wait_until("redis-server", lambda: listening(port), proc, timeout=timeout)
        return f"redis://127.0.0.1:{port}/0"

    def prefect_server(self, env: dict[str, str], timeout: float = 120) -> tuple[str, subprocess.Popen]:
        """`prefect server start` on a free loopback port, with `env` (its PREFECT_HOME holds the database);
        its API URL and process once /health answers."""
        import httpx

        port = free_port()
        bin_dir = Path(sys.executable).parent
        args = [str(bin_dir / "prefect"), "server", "start", "--host", "127.0.0.1", "--port", str(port)]
        env = {**env, "PREFECT_SERVER_ANALYTICS_ENABLED": "false", "DO_NOT_TRACK": "1"}
        proc = self.spawn(args, "server.log", env, self.log_dir)
        api = f"http://127.0.0.1:{port}/api"

        def healthy() -> bool:
            return httpx.get(f"{api}/health", timeout=2).status_code == 200

        self.wait_until("Prefect server health", healthy, proc, timeout=timeout, ignore=(httpx.HTTPError,))
        return api, proc
