"""The `fraudops` command line."""

import logging
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.logging import RichHandler
from rich.table import Table

from fraudops.core.config import get_settings
from fraudops.data.synthetic import NEW_PATTERN_FROM

app = typer.Typer(help="fraudops: credit-card fraud detection.", no_args_is_help=True, add_completion=False)
console = Console(stderr=True)

REAL_DATA = Path("data/creditcard.csv")
SPLITS_DIR = Path("data_splits")
SYNTHETIC_ROWS = 284_807


@app.callback()
def _setup(verbose: Annotated[bool, typer.Option("--verbose", "-v")] = False) -> None:
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.INFO,
        format="%(message)s",
        handlers=[RichHandler(console=console, show_path=False)],
    )


@app.command()
def synth(
    output: Annotated[Path, typer.Option("--output", "-o", help="CSV file to write")],
    rows: Annotated[int, typer.Option(min=1)] = SYNTHETIC_ROWS,
    seed: int = 0,
    drift: Annotated[float, typer.Option(help="how far (in std units) V1..V3 move across the file")] = 0.3,
    new_pattern_from: Annotated[
        float, typer.Option(min=0, max=1, help="time share before a new fraud pattern appears (1: never)")
    ] = NEW_PATTERN_FROM,
) -> None:
    """Write a synthetic file in the exact creditcard.csv layout (reproducible for a given seed)."""
    from fraudops.data import synthetic

    table = synthetic.generate(rows, seed=seed, drift=drift, new_pattern_from=new_pattern_from)
    synthetic.write_csv(table, output)
    frauds = sum(table.column("Class").to_pylist())
    console.print(f"wrote {rows:,} rows ({frauds} frauds, {frauds / rows:.3%}) to {output}")


@app.command()
def split(
    source: Annotated[Path, typer.Argument(exists=True, dir_okay=False)],
    out: Path = SPLITS_DIR,
    initial_rows: Annotated[int, typer.Option(min=1)] = 100_000,
) -> None:
    """Cut a file by time into initial_train, stream_1..3 and holdout CSVs."""
    from fraudops.data.splits import write_splits

    _print_splits(write_splits(source, out, initial_rows))


@app.command()
def migrate() -> None:
    """Bring the database schema to the latest revision (the pre-start step)."""
    from fraudops.core.migrate import upgrade_to_head

    settings = get_settings()
    upgrade_to_head(settings.sqlalchemy_url)
    console.print(f"database at head: {_redacted(settings.sqlalchemy_url)}")


@app.command()
def train(
    csv: Annotated[
        Path | None,
        typer.Option(exists=True, dir_okay=False, help="a labeled CSV instead of the database's rows"),
    ] = None,
    quick: Annotated[
        bool, typer.Option(help="a reduced candidate set (LR, one small MLP, XGBoost), one time fold")
    ] = False,
    force: Annotated[bool, typer.Option(help="promote even if not better than the champion")] = False,
    dry_run: Annotated[bool, typer.Option(help="train and report; register and promote nothing")] = False,
    gap: Annotated[
        float, typer.Option(min=0, max=0.5, help="fraction of rows left out after training (late labels)")
    ] = 0.0,
    folds: Annotated[
        int | None, typer.Option(min=1, max=12, help="prequential time folds (default TRAIN_FOLDS, 4)")
    ] = None,
    search_seconds: Annotated[
        float | None,
        typer.Option(min=0, help="seconds of boosted-model tuning (default TRAIN_SEARCH_SECONDS)"),
    ] = None,
    seed: int = 0,
) -> None:
    """Train the candidates on every labeled row, log them to MLflow, register the best and promote it
    if it beats the champion."""
    from fraudops.training.progress import RichReporter, comparison_table
    from fraudops.training.run import AlreadyRunning, TrainRequest, run_training

    settings = get_settings()
    request = TrainRequest(
        csv=csv,
        quick=quick,
        force=force,
        dry_run=dry_run,
        gap=gap,
        seed=seed,
        folds=folds,
        search_seconds=search_seconds,
    )
    try:
        with RichReporter(console) as reporter:
            outcome = run_training(settings, request, reporter)
    except AlreadyRunning as error:
        console.print(f"[red]{error}[/]")
        raise typer.Exit(1) from None
    # 13 columns: wider than the 80 a pipe gets by default, so the table gets its own width.
    Console(stderr=True, width=max(console.width, 150)).print(comparison_table(outcome.table()))
    console.print(outcome.decision.reason)
    where = f"MLflow {settings.tracking_uri}, parent run {outcome.parent_run_id}"
    if outcome.registry_version is not None:
        where += f"; registered {settings.registered_model_name} v{outcome.registry_version}"
    console.print(where)
    if outcome.exported is not None:
        console.print(
            f"champion {outcome.exported.version} written to {settings.model_dir} "
            "(a running server picks it up within seconds)"
        )
    console.print(f"took {outcome.seconds:.0f} s")


@app.command()
def prepare() -> None:
    """Make sure data splits and a model exist: real data if data/creditcard.csv is there, else synthetic."""
    from fraudops.ml import artifact

    settings = get_settings()
    if not (SPLITS_DIR / "initial_train.csv").is_file():
        source = REAL_DATA
        if not source.is_file():
            source = settings.var_dir / "synthetic" / "creditcard_synthetic.csv"
            console.print(f"no {REAL_DATA}: generating {SYNTHETIC_ROWS:,} synthetic rows into {source}")
            synth(output=source)
        split(source=source)
    if artifact.exists(settings.model_dir):
        console.print(f"model present in {settings.model_dir}")
        return
    console.print("no model yet: training the first one (quick candidate set, about a minute)")
    train(csv=SPLITS_DIR / "initial_train.csv", quick=True)


@app.command()
def serve(
    host: str = "127.0.0.1",
    port: int = 8000,
    workers: Annotated[int, typer.Option(min=1, envvar="WEB_CONCURRENCY", help="server processes")] = 1,
    reload: bool = False,
) -> None:
    """Serve the API (and the built page) with uvicorn."""
    import uvicorn

    if get_settings().admin_token is None:
        console.print(
            "[yellow]no ADMIN_TOKEN set:[/] model reload, retraining and batch deletion are refused. "
            "To enable them: export ADMIN_TOKEN=$(openssl rand -hex 24)  (or put ADMIN_TOKEN=… in .env)"
        )
    uvicorn.run(
        "fraudops.main:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        reload=reload,
        log_level="info",
        access_log=False,
    )


@app.command()
def stream(
    file: Annotated[
        Path, typer.Argument(exists=True, dir_okay=False, help="CSV in the creditcard.csv layout")
    ],
    api: Annotated[str | None, typer.Option(help="API base URL, e.g. http://127.0.0.1:8000")] = None,
    broker: Annotated[str | None, typer.Option(help="Redis URL: publish to the stream instead")] = None,
    rate: Annotated[float | None, typer.Option(min=0.001, help="transactions per second")] = None,
    speed: Annotated[
        float | None, typer.Option(min=0.001, help="follow the Time column, this many times faster")
    ] = None,
    concurrency: Annotated[int, typer.Option(min=1)] = 8,
    limit: Annotated[int | None, typer.Option(min=1)] = None,
    out: Annotated[Path, typer.Option(help="folder for the JSON report")] = Path("var/streams"),
    record: Annotated[str | None, typer.Option(help="API URL to record the run at (default: --api)")] = None,
) -> None:
    """Replay a CSV as live transactions against /api/predict or the Redis stream, and report."""
    import asyncio
    import json
    from datetime import UTC, datetime

    from fraudops.stream import producer

    settings = get_settings()
    replay = producer.Replay(
        file=file, api=api, broker=broker, stream_key=settings.stream_key, rate=rate, speed=speed,
        concurrency=concurrency, limit=limit,
    )  # fmt: skip
    summary = asyncio.run(producer.run(replay, console))
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"stream-{datetime.now(UTC).strftime('%Y%m%dT%H%M%S')}.json"
    path.write_text(json.dumps(summary, indent=2))
    _print_stream(summary)
    console.print(f"report written to {path}")
    target_api = record or api
    if target_api:
        run_id = producer.record(target_api, file, "api" if api else "broker", summary)
        console.print(f"recorded as stream run {run_id} (GET /api/streams)")


@app.command()
def worker(
    consumer: Annotated[str | None, typer.Option(help="consumer name (default: host and pid)")] = None,
    batch_size: Annotated[int, typer.Option(min=1)] = 256,
    block_ms: Annotated[int, typer.Option(min=1)] = 1_000,
    claim_idle_ms: Annotated[
        int, typer.Option(min=1, help="claim messages pending longer than this")
    ] = 5_000,
    idle_exit_s: Annotated[float | None, typer.Option(help="exit after this long without messages")] = None,
    retry_max_s: Annotated[
        float, typer.Option(min=0.1, help="longest wait between tries while Redis or the database is away")
    ] = 10.0,
    crash_after_batches: Annotated[int | None, typer.Option(hidden=True)] = None,
) -> None:
    """Score transactions from the Redis stream in micro-batches into the prediction log."""
    import os
    import socket

    import redis
    from redis.backoff import NoBackoff
    from redis.retry import Retry
    from sqlalchemy.orm import sessionmaker

    from fraudops.core.db import make_engine
    from fraudops.ml.scorer import Scorer
    from fraudops.stream.worker import Worker, WorkerConfig

    settings = get_settings()
    config = WorkerConfig(
        stream=settings.stream_key, group=settings.stream_group,
        consumer=consumer or f"{socket.gethostname()}-{os.getpid()}", batch_size=batch_size,
        block_ms=block_ms, claim_idle_ms=claim_idle_ms, crash_after_batches=crash_after_batches,
        band_review_at=settings.band_review_at, band_decline_at=settings.band_decline_at,
        retry_max_s=retry_max_s,
    )  # fmt: skip
    engine = make_engine(settings.sqlalchemy_url)
    scorer = Scorer.load(settings.model_dir, settings.score_chunk_rows)
    # One quick retry (a pooled connection gone stale); longer outages are the worker's to wait out and
    # report, not redis-py's to hide. The socket timeout lets a blocking read outlive its `block`.
    client = redis.Redis.from_url(
        settings.redis_url, retry=Retry(NoBackoff(), 1), socket_connect_timeout=5,
        socket_timeout=block_ms / 1_000 + 10,
    )  # fmt: skip
    console.print(f"worker {config.consumer}: {settings.stream_key} → prediction log, model {scorer.version}")
    Worker(client, scorer, sessionmaker(engine), config).run(idle_exit_s)
    engine.dispose()


@app.command()
def retention(
    dry_run: Annotated[bool, typer.Option(help="count what would be deleted; delete nothing")] = False,
) -> None:
    """Delete prediction-log rows older than RETENTION_DAYS (labeled rows and uploaded batches are kept)."""
    from sqlalchemy.orm import sessionmaker

    from fraudops.core.db import make_engine
    from fraudops.retention import apply_retention

    settings = get_settings()
    if settings.retention_days <= 0:
        console.print("retention is off (RETENTION_DAYS=0): nothing deleted")
        return
    engine = make_engine(settings.sqlalchemy_url)
    result = apply_retention(sessionmaker(engine), settings, dry_run=dry_run)
    engine.dispose()
    done = "would delete" if dry_run else f"deleted (in {result.chunks} chunk(s), {result.seconds:.1f} s)"
    console.print(
        f"{done} {result.deleted:,} prediction-log rows received before {result.cutoff:%Y-%m-%d %H:%M} UTC; "
        f"kept {result.kept_labeled:,} labeled older rows (training data)"
    )


@app.command()
def scenario(
    workdir: Annotated[
        Path | None, typer.Option(help="keep everything here (default: a temporary folder, removed after)")
    ] = None,
    rows: Annotated[int, typer.Option(min=1000, help="synthetic rows")] = SYNTHETIC_ROWS,
    seed: int = 0,
    initial_rows: Annotated[int, typer.Option(min=100)] = 100_000,
    source: Annotated[
        Path | None, typer.Option(exists=True, dir_okay=False, help="a labeled CSV instead of synthetic")
    ] = None,
    database_url: Annotated[str, typer.Option(help="empty: a SQLite file in the work folder")] = "",
    full: Annotated[bool, typer.Option(help="the full candidate set (default: --quick's)")] = False,
    budget: Annotated[int | None, typer.Option(min=1, help="review budget in rows (default 1 %)")] = None,
    new_pattern_from: Annotated[
        float, typer.Option(min=0, max=1, help="when the synthetic new fraud pattern starts (1: none)")
    ] = NEW_PATTERN_FROM,
) -> None:
    """The learning loop: a first model on initial_train, stream_1..3 uploaded with a training after
    each, the holdout scored by every model; prints each champion's holdout figures."""
    import tempfile

    from fraudops.scenario import ScenarioOptions, run, table_rows

    with tempfile.TemporaryDirectory(prefix="fraudops-scenario-") as tmp:
        options = ScenarioOptions(
            workdir=workdir or Path(tmp),
            rows=rows,
            seed=seed,
            initial_rows=initial_rows,
            quick=not full,
            source=source,
            database_url=database_url,
            budget=budget,
            new_pattern_from=None if new_pattern_from >= 1 else new_pattern_from,
        )
        loop = run(options, progress=console.print)
    rows_out = table_rows(loop)
    table = Table(title=f"holdout: {loop.rows:,} rows, prevalence {loop.prevalence or 0:.4%}")
    for column in rows_out[0] if rows_out else []:
        table.add_column(column, overflow="fold")
    for row in rows_out:
        table.add_row(*row.values())
    Console(width=max(console.width, 160)).print(table)


def _print_stream(summary: dict) -> None:  # type: ignore[type-arg]
    table = Table("sent", "answered", "errors", "req/s", "p50 ms", "p90 ms", "p95 ms", "p99 ms")
    lat = summary["latency_ms"] or dict.fromkeys(("p50", "p90", "p95", "p99"), float("nan"))
    table.add_row(
        str(summary["sent"]), str(summary["answered"]), str(summary["errors"]),
        f"{summary['throughput_rps']:.0f}",
        *(f"{lat[k]:.2f}" for k in ("p50", "p90", "p95", "p99")),
    )  # fmt: skip
    console.print(table)
    if summary["metrics"]:
        m = summary["metrics"]
        scores = f"precision {m['precision']:.3f}  recall {m['recall']:.3f}  F1 {m['f1']:.3f}"
        console.print(f"{scores}  confusion {m['confusion']}")


def _print_splits(splits: list) -> None:  # type: ignore[type-arg]
    table = Table("split", "rows", "frauds", "Time from", "Time to", "file")
    for s in splits:
        table.add_row(
            s.name, f"{s.rows:,}", str(s.frauds), f"{s.time_start:,.0f}", f"{s.time_end:,.0f}", str(s.path)
        )
    console.print(table)


def _redacted(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


if __name__ == "__main__":
    app()
