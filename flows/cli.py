"""The `corpusclean` command line."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from pydantic import ValidationError

import flows  # noqa: F401  (offline Prefect settings before Prefect loads)
from cleaners.layout import Layout
from cleaners.settings import Settings, load_settings
from cleaners.verdicts import Verdicts

app = typer.Typer(
    help="Clean folders of scraped, machine-translated news articles into a reviewable corpus.",
    no_args_is_help=True,
    add_completion=False,
)


# Engines (see flows/engines.py); shared by `run` and `serve`.
DaskWorkersOption = Annotated[
    int | None, typer.Option("--dask-workers", help="Run the batches on a local Dask cluster of N processes.")
]
DaskAddressOption = Annotated[
    str | None,
    typer.Option("--dask-address", help="Run the batches on an existing Dask scheduler, e.g. tcp://host:8786."),
]
StoreOption = Annotated[
    str | None,
    typer.Option(
        "--store",
        help="Redis for the duplicate index and signatures: redis://host:port/db "
        "(password from $CORPUSCLEAN_REDIS_PASSWORD only).",
    ),
]


@app.callback()
def _root() -> None:
    """corpusclean: raw/ -> clean/ with a record of every decision."""


def build_settings(config: Path | None, **explicit: object) -> Settings:
    """Settings from defaults, the config file and the CLI's options; bad values exit with code 2."""
    try:
        settings = load_settings(config, **explicit)
        Verdicts.load(settings.overrides)
        return settings
    except (ValidationError, OSError, ValueError) as exc:
        typer.echo(f"error: unusable settings: {exc}", err=True)
        raise typer.Exit(2) from exc


@app.command()
def run(
    raw: Annotated[Path, typer.Argument(help="Folder of raw articles (.txt files, .jsonl records).")] = Path("raw"),
    clean: Annotated[Path, typer.Argument(help="Output folder for clean text and the report.")] = Path("clean"),
    config: Annotated[
        Path | None,
        typer.Option("--config", "-c", help="Settings file (default: ./corpusclean.toml if present)."),
    ] = None,
    threshold: Annotated[
        float | None, typer.Option(help="Estimated Jaccard at or above which paragraphs are near-duplicates.")
    ] = None,
    shingle: Annotated[str | None, typer.Option(help="Shingles for near-duplicates: 'word' or 'char'.")] = None,
    shingle_size: Annotated[int | None, typer.Option(help="Shingle length in words or characters.")] = None,
    workers: Annotated[int | None, typer.Option(help="Worker processes (0: one per core).")] = None,
    batch_size: Annotated[
        int | None, typer.Option(help="Raw files per Prefect task (default: 1024; 4096 on Dask).")
    ] = None,
    overrides: Annotated[
        Path | None,
        typer.Option(help="Reviewer verdicts on event ids (default: ./corpusclean.overrides.toml if present)."),
    ] = None,
    full: Annotated[
        bool, typer.Option("--full", help="Ignore the saved corpus state and rebuild from scratch.")
    ] = False,
    max_error_ratio: Annotated[
        float | None, typer.Option(help="Exit 1 when more than this share of documents failed.")
    ] = None,
    dask_workers: DaskWorkersOption = None,
    dask_address: DaskAddressOption = None,
    store: StoreOption = None,
) -> None:
    """Run the clean-corpus flow on RAW and write CLEAN (Prefect's local ephemeral mode, no server)."""
    if not raw.is_dir():
        typer.echo(f"error: raw folder {raw} does not exist or is not a folder", err=True)
        raise typer.Exit(2)
    if config is not None and not config.is_file():
        typer.echo(f"error: config file {config} not found", err=True)
        raise typer.Exit(2)
    settings = build_settings(
        config,
        threshold=threshold,
        shingle=shingle,
        shingle_size=shingle_size,
        workers=workers,
        batch_size=batch_size,
        max_error_ratio=max_error_ratio,
        overrides=overrides,
        dask_workers=dask_workers,
        dask_address=dask_address,
        store=store,
    )
    from cleaners.state import StateError
    from flows import engines
    from flows.clean_corpus import clean_corpus

    try:
        engines.check(settings)  # unreachable Dask or Redis: exit 2 within connect_timeout, before Prefect starts
        runner = engines.task_runner(settings)
        flow = clean_corpus if runner is None else clean_corpus.with_options(task_runner=runner)
        with engines.worker_api(settings):
            summary = flow(raw_dir=str(raw), clean_dir=str(clean), settings=settings, full=full)
    except engines.EngineUnavailable as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from exc
    except StateError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from exc
    except OSError as exc:
        typer.echo(f"error: cannot write {clean}: {exc}", err=True)
        raise typer.Exit(1) from exc
    docs = summary["documents"]
    total = sum(docs.values())
    if summary.get("nothing_to_do"):
        typer.echo("nothing to do: no raw file is new, changed or gone since the last run")
    else:
        typer.echo(json.dumps({k: summary[k] for k in ("documents", "clusters", "events")}, indent=1))
    typer.echo(f"report: {Layout(clean).report}")
    if total and docs["error"] / total > settings.max_error_ratio:
        typer.echo(
            f"error: {docs['error']} of {total} documents failed (more than max_error_ratio="
            f"{settings.max_error_ratio})",
            err=True,
        )
        raise typer.Exit(1)


@app.command()
def explain(
    file: Annotated[Path, typer.Argument(help="A raw file (.txt, or .jsonl: every record).")],
    raw: Annotated[
        Path | None,
        typer.Option(help="The raw folder FILE belongs to: document ids and sites as a run gives them."),
    ] = None,
    config: Annotated[
        Path | None,
        typer.Option("--config", "-c", help="Settings file (default: ./corpusclean.toml if present)."),
    ] = None,
    overrides: Annotated[
        Path | None,
        typer.Option(help="Reviewer verdicts on event ids (default: ./corpusclean.overrides.toml if present)."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="One event a line, as in _report/events.jsonl.")] = False,
) -> None:
    """Print what a run would remove, fix and flag in FILE, and why (the per-document stages only)."""
    if not file.is_file():
        typer.echo(f"error: {file} is not a file", err=True)
        raise typer.Exit(2)
    if raw is not None and not file.resolve().is_relative_to(raw.resolve()):
        typer.echo(f"error: {file} is not inside the raw folder {raw}", err=True)
        raise typer.Exit(2)
    if config is not None and not config.is_file():
        typer.echo(f"error: config file {config} not found", err=True)
        raise typer.Exit(2)
    settings = build_settings(config, overrides=overrides)
    from cleaners.api import clean_file
    from cleaners.explain import explain_documents

    cleaned = clean_file(file, raw=raw, settings=settings)
    if all(c.status == "error" for c in cleaned):  # binary, unreadable: refused as a run refuses it
        for c in cleaned:
            typer.echo(f"error: {c.error}", err=True)
        raise typer.Exit(1)
    if as_json:
        for c in cleaned:
            for event in c.events:
                typer.echo(json.dumps(event.to_dict(), ensure_ascii=False))
    else:
        typer.echo(explain_documents(cleaned), nl=False)


@app.command()
def serve(
    cron: Annotated[
        str | None,
        typer.Option(help="Cron of clean-corpus/scheduled (default: $CORPUSCLEAN_CRON or '0 3 * * *', UTC)."),
    ] = None,
    raw: Annotated[Path, typer.Option("--raw", help="Default raw folder of both deployments.")] = Path("raw"),
    clean: Annotated[Path, typer.Option("--clean", help="Default clean folder of both deployments.")] = Path("clean"),
    config: Annotated[
        Path | None,
        typer.Option("--config", "-c", help="Settings file (default: ./corpusclean.toml if present)."),
    ] = None,
    dask_workers: DaskWorkersOption = None,
    dask_address: DaskAddressOption = None,
    store: StoreOption = None,
) -> None:
    """Serve clean-corpus/scheduled and clean-corpus/adhoc until stopped (needs PREFECT_API_URL)."""
    from flows.deployments import ApiUnavailable, check_api, check_cron, default_cron, serve_deployments

    if config is not None and not config.is_file():
        typer.echo(f"error: config file {config} not found", err=True)
        raise typer.Exit(2)
    try:
        cron = check_cron(cron or default_cron())
        check_api()
    except ValueError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from exc
    except ApiUnavailable as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from exc
    engine = {"dask_workers": dask_workers, "dask_address": dask_address, "store": store}
    settings = None
    if config is not None or Path("corpusclean.toml").is_file() or any(v is not None for v in engine.values()):
        settings = build_settings(config, **engine)
        from flows import engines

        try:
            engines.check(settings)  # the deployments' default engines must answer now
        except engines.EngineUnavailable as exc:
            typer.echo(f"error: {exc}", err=True)
            raise typer.Exit(2) from exc
    serve_deployments(cron=cron, raw_dir=raw, clean_dir=clean, settings=settings)


def main() -> None:
    app()


if __name__ == "__main__":
    main()
