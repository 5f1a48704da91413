"""The served deployments: fast checks of their definition, and one real end-to-end run.

The end-to-end test starts `prefect server start` (own PREFECT_HOME, free loopback port), then
`corpusclean serve`, triggers `clean-corpus/adhoc` with `prefect deployment run --watch` and checks
the run and its outputs. No mocks: the ephemeral API cannot serve deployments.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path

import httpx
import pytest

from bench.services import Services, free_port
from cleaners.settings import Settings
from flows.deployments import ADHOC, SCHEDULED, build_deployments, check_api, check_cron, default_cron

BIN = Path(sys.executable).parent
CRON = "15 2 * * 1-5"

# Invented articles: two sites, a footer line on every page of one site, and a wire paragraph
# that two outlets carry word for word.
WIRE = (
    "Inspectors from the Lowmoor water board found that the pumping station on Quarry Lane had run "
    "on a single generator for most of the winter, after a supplier failed to deliver spare parts."
)
ARTICLES = {
    "fernbridge-echo/pumps.txt": f"Pumping station ran on one generator\n\n{WIRE}\n\n"
    "Residents of the lower town said the pressure in their taps had dropped on cold mornings, and "
    "several had complained to the council without receiving an answer.\n\nSubscribe to our newsletter\n",
    "fernbridge-echo/market.txt": "Covered market to open on Sundays\n\nTraders at the covered market in "
    "Fernbridge will be allowed to open on Sundays from next month, after a trial in the summer drew "
    "more visitors than the organisers had expected.\n\nSubscribe to our newsletter\n",
    "valley-courier/water.txt": f"Water board report published\n\n{WIRE}\n\nThe board said a second "
    "generator had been ordered and would be installed before the end of the year, at a cost it did "
    "not disclose.\n",
}


def child_env(home: Path, api_url: str | None) -> dict[str, str]:
    """This environment without the caller's Prefect profile, settings or credentials."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_") and k != "CORPUSCLEAN_CRON"}
    env.update(
        PREFECT_HOME=str(home),
        PREFECT_SERVER_ANALYTICS_ENABLED="false",
        DO_NOT_TRACK="1",
        PREFECT_CLI_PROMPT="false",
        PREFECT_RUNNER_POLL_FREQUENCY="1",
        PYTHONUNBUFFERED="1",
    )
    if api_url:
        env["PREFECT_API_URL"] = api_url
    return env


# --- fast checks of the definition -------------------------------------------------------------


def test_two_deployments_with_defaults(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.delenv("CORPUSCLEAN_CRON", raising=False)
    scheduled, adhoc = build_deployments(raw_dir=tmp_path / "r", clean_dir=tmp_path / "c")
    assert (scheduled.name, adhoc.name) == (SCHEDULED, ADHOC)
    assert scheduled.schedules[0].schedule.cron == "0 3 * * *"
    assert scheduled.schedules[0].schedule.timezone == "UTC"
    assert not adhoc.schedules
    for dep in (scheduled, adhoc):
        assert dep.parameters == {
            "raw_dir": str((tmp_path / "r").resolve()),
            "clean_dir": str((tmp_path / "c").resolve()),
        }
        assert {"raw_dir", "clean_dir", "settings"} <= set(dep._parameter_openapi_schema.properties)
        assert dep.entrypoint == "flows.clean_corpus.clean_corpus"
        assert dep.work_pool_name is None


def test_cron_from_argument_or_environment(monkeypatch) -> None:
    monkeypatch.setenv("CORPUSCLEAN_CRON", "0 22 * * 0")
    assert default_cron() == "0 22 * * 0"
    assert build_deployments()[0].schedules[0].schedule.cron == "0 22 * * 0"
    assert build_deployments(cron=CRON)[0].schedules[0].schedule.cron == CRON
    monkeypatch.setenv("CORPUSCLEAN_CRON", " ")
    assert default_cron() == "0 3 * * *"
    for bad in ("0 3 * *", "61 3 * * *", "daily"):
        with pytest.raises(ValueError, match="invalid cron"):
            check_cron(bad)


def test_settings_become_a_parameter() -> None:
    scheduled, adhoc = build_deployments(settings=Settings(threshold=0.7))
    assert scheduled.parameters["settings"]["threshold"] == 0.7
    assert Settings.model_validate(adhoc.parameters["settings"]) == Settings(threshold=0.7)


def test_api_check_names_the_setting() -> None:
    port = free_port()  # nothing listens there
    with pytest.raises(RuntimeError, match=rf"PREFECT_API_URL=http://127.0.0.1:{port}/api is unreachable"):
        check_api(f"http://127.0.0.1:{port}/api", timeout=1)


def test_serve_without_server_exits_with_message(tmp_path: Path) -> None:
    env = child_env(tmp_path / "home", None)
    res = subprocess.run(
        [str(BIN / "corpusclean"), "serve"], env=env, cwd=tmp_path, capture_output=True, text=True, timeout=60
    )
    assert res.returncode == 1 and "PREFECT_API_URL is not set" in res.stderr, res.stderr
    env["PREFECT_API_URL"] = f"http://127.0.0.1:{free_port()}/api"
    res = subprocess.run(
        [str(BIN / "corpusclean"), "serve"], env=env, cwd=tmp_path, capture_output=True, text=True, timeout=60
    )
    assert res.returncode == 1 and "unreachable" in res.stderr, res.stderr
    res = subprocess.run(
        [str(BIN / "corpusclean"), "serve", "--cron", "every day"],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert res.returncode == 2 and "invalid cron" in res.stderr, res.stderr


# --- the real thing ------------------------------------------------------------------------------


@pytest.mark.e2e
def test_served_adhoc_run_completes(tmp_path: Path) -> None:
    raw, clean = tmp_path / "raw", tmp_path / "clean"
    for rel, text in ARTICLES.items():
        (raw / rel).parent.mkdir(parents=True, exist_ok=True)
        (raw / rel).write_text(text, encoding="utf-8")
    env = child_env(tmp_path / "prefect-home", None)
    logs = [tmp_path / "server.log", tmp_path / "serve.log"]
    t_start = time.monotonic()

    with Services(tmp_path) as svc:
        api, server = svc.prefect_server(env)
        env["PREFECT_API_URL"] = api
        t_server = time.monotonic()

        serve = svc.spawn([str(BIN / "corpusclean"), "serve", "--cron", CRON], "serve.log", env, tmp_path)

        def deployment(name: str) -> dict | None:
            r = httpx.get(f"{api}/deployments/name/clean-corpus/{name}", timeout=5)
            return r.json() if r.status_code == 200 else None

        def both() -> dict | None:
            return deployment(SCHEDULED) and deployment(ADHOC)

        svc.wait_until("both deployments", both, server, serve, timeout=60, ignore=(httpx.HTTPError,))
        scheduled, adhoc = deployment(SCHEDULED), deployment(ADHOC)
        assert [s["schedule"]["cron"] for s in scheduled["schedules"]] == [CRON]
        assert scheduled["schedules"][0]["schedule"]["timezone"] == "UTC"
        assert adhoc["schedules"] == []
        assert {"raw_dir", "clean_dir", "settings"} <= set(adhoc["parameter_openapi_schema"]["properties"])
        assert adhoc["parameters"]["raw_dir"] == str(raw.resolve())  # serve's defaults: its cwd

        t_run = time.monotonic()
        run = subprocess.run(
            [
                str(BIN / "prefect"),
                "deployment",
                "run",
                f"clean-corpus/{ADHOC}",
                "--param",
                f"raw_dir={raw}",
                "--param",
                f"clean_dir={clean}",
                "--watch",
            ],
            env=env,
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=180,
            start_new_session=True,
        )
        run_seconds = time.monotonic() - t_run
        tails = "\n".join(f"--- {log.name}\n{log.read_text(errors='replace')[-3000:]}" for log in logs)
        assert run.returncode == 0, f"{run.stdout[-3000:]}\n{run.stderr[-3000:]}\n{tails}"
        assert "Completed" in run.stdout

        ids = re.findall(r"UUID: ([0-9a-f-]{36})", run.stdout)
        assert ids, run.stdout
        flow_run = httpx.get(f"{api}/flow_runs/{ids[0]}", timeout=5).json()
        assert flow_run["state_type"] == "COMPLETED"
        assert flow_run["deployment_id"] == adhoc["id"]
        assert flow_run["parameters"] == {"raw_dir": str(raw), "clean_dir": str(clean)}
        stamp = {k: datetime.fromisoformat(flow_run[k]) for k in ("created", "start_time", "end_time")}
        print(
            f"\nserver healthy after {t_server - t_start:.1f} s; `prefect deployment run --watch` to Completed "
            f"in {run_seconds:.1f} s: picked up and started "
            f"{(stamp['start_time'] - stamp['created']).total_seconds():.1f} s after creation, "
            f"ran {(stamp['end_time'] - stamp['start_time']).total_seconds():.1f} s"
        )

    # the serving process and the server are gone
    assert server.poll() is not None and serve.poll() is not None

    for rel in ARTICLES:
        assert (clean / rel).is_file(), rel
    rep = clean / "_report"
    for name in ("documents.jsonl", "events.jsonl", "clusters.jsonl", "summary.json"):
        assert (rep / name).is_file(), name
    docs = [json.loads(line) for line in (rep / "documents.jsonl").read_text().splitlines()]
    assert sorted(d["doc"] for d in docs) == sorted(ARTICLES)
    assert all(d["status"] == "ok" for d in docs)
    texts = {rel: (clean / rel).read_text(encoding="utf-8") for rel in ARTICLES}
    assert sum(WIRE in t for t in texts.values()) == 1  # the wire copy is kept once
    assert "Pumping station ran on one generator" in texts["fernbridge-echo/pumps.txt"]
    clusters = [json.loads(line) for line in (rep / "clusters.jsonl").read_text().splitlines()]
    assert len(clusters) == 1
    assert json.loads((rep / "summary.json").read_text())["documents"]["ok"] == 3
