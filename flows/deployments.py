"""The two deployments of the `clean-corpus` flow, served by one long-running process.

`clean-corpus/scheduled` runs on a cron schedule (daily at 03:00 unless told otherwise);
`clean-corpus/adhoc` has no schedule and runs when triggered (`prefect deployment run`).
Both are served with Prefect 3's `serve()`: the serving process registers them with the Prefect
server, polls for their runs and executes each run in a subprocess on this machine, so no work pool,
worker or code storage is needed. The server must be a real one (`prefect server start`, or Prefect
Cloud): the ephemeral in-process API cannot schedule or hand runs to a runner.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

import httpx

import flows  # noqa: F401  (offline Prefect settings before Prefect loads)
from cleaners.settings import Settings

if TYPE_CHECKING:
    from prefect.deployments.runner import RunnerDeployment

FLOW_NAME = "clean-corpus"
SCHEDULED = "scheduled"
ADHOC = "adhoc"
DEFAULT_CRON = "0 3 * * *"
CRON_ENV = "CORPUSCLEAN_CRON"
TAGS = ["corpusclean"]


class ApiUnavailable(RuntimeError):
    """The Prefect API that `serve()` needs is not configured or does not answer."""


def default_cron() -> str:
    """The schedule of `clean-corpus/scheduled`: `$CORPUSCLEAN_CRON`, else daily at 03:00."""
    return os.environ.get(CRON_ENV, "").strip() or DEFAULT_CRON


def check_cron(cron: str) -> str:
    """The cron string if Prefect accepts it (five fields or @daily-style); ValueError naming it otherwise."""
    from prefect.client.schemas.schedules import CronSchedule
    from pydantic import ValidationError

    try:
        CronSchedule(cron=cron)
    except ValidationError as exc:
        raise ValueError(f"invalid cron schedule {cron!r} (five fields, e.g. {DEFAULT_CRON!r})") from exc
    return cron


def api_url() -> str | None:
    """PREFECT_API_URL as Prefect resolves it (environment, then the active profile)."""
    from prefect.settings import get_current_settings

    url = get_current_settings().api.url
    return str(url).rstrip("/") if url else None


def check_api(url: str | None = None, timeout: float = 3.0) -> str:
    """The API URL after a successful `GET /health`; ApiUnavailable with a message otherwise.

    Checked up front because `serve()` against a missing server would silently fall back to
    Prefect's ephemeral API, which cannot schedule, or retry for a long time before failing.
    """
    url = url or api_url()
    if not url:
        raise ApiUnavailable(
            "PREFECT_API_URL is not set: serving deployments needs a running Prefect server. Start one with "
            "`prefect server start --host 127.0.0.1 --port 4200` and "
            "`export PREFECT_API_URL=http://127.0.0.1:4200/api`."
        )
    headers = {}
    if key := os.environ.get("PREFECT_API_KEY"):
        headers["Authorization"] = f"Bearer {key}"
    try:
        response = httpx.get(f"{url}/health", timeout=timeout, headers=headers)
    except httpx.HTTPError as exc:
        raise ApiUnavailable(
            f"the Prefect API at PREFECT_API_URL={url} is unreachable ({type(exc).__name__}: {exc}). "
            "Is `prefect server start` running, and does the URL end in /api?"
        ) from exc
    if response.status_code != 200:
        raise ApiUnavailable(
            f"the Prefect API at PREFECT_API_URL={url} answered /health with HTTP {response.status_code}; "
            "does the URL point at a Prefect server and end in /api?"
        )
    return url


def deployment_parameters(
    raw_dir: str | Path = "raw", clean_dir: str | Path = "clean", settings: Settings | None = None
) -> dict:
    """Default parameters of both deployments: absolute folders (runs do not depend on a cwd)."""
    params: dict = {"raw_dir": str(Path(raw_dir).resolve()), "clean_dir": str(Path(clean_dir).resolve())}
    if settings is not None:
        params["settings"] = settings.model_dump(mode="json")
    return params


def build_deployments(
    cron: str | None = None,
    raw_dir: str | Path = "raw",
    clean_dir: str | Path = "clean",
    settings: Settings | None = None,
    timezone: str = "UTC",
) -> list[RunnerDeployment]:
    """`clean-corpus/scheduled` (cron) and `clean-corpus/adhoc` (no schedule), not yet registered.

    Parameters are defaults only: every run may override raw_dir, clean_dir and settings.
    """
    from prefect.deployments.runner import EntrypointType
    from prefect.schedules import Cron

    from flows.clean_corpus import clean_corpus

    cron = check_cron(cron or default_cron())
    params = deployment_parameters(raw_dir, clean_dir, settings)
    common = dict(parameters=params, tags=TAGS, entrypoint_type=EntrypointType.MODULE_PATH)
    return [
        clean_corpus.to_deployment(
            name=SCHEDULED,
            schedules=[Cron(cron, timezone=timezone)],
            description=f"Cleans {params['raw_dir']} into {params['clean_dir']} at {cron!r} ({timezone}).",
            **common,
        ),
        clean_corpus.to_deployment(
            name=ADHOC,
            description="One-off runs: `prefect deployment run 'clean-corpus/adhoc' --param raw_dir=...`.",
            **common,
        ),
    ]


def serve_deployments(
    cron: str | None = None,
    raw_dir: str | Path = "raw",
    clean_dir: str | Path = "clean",
    settings: Settings | None = None,
) -> None:
    """Check the API, register both deployments and serve them until SIGTERM or Ctrl-C."""
    from prefect import serve

    check_api()
    serve(*build_deployments(cron, raw_dir, clean_dir, settings))


if __name__ == "__main__":
    serve_deployments()
