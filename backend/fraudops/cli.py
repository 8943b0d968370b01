"""The `fraudops` command line."""

import logging
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.logging import RichHandler
from rich.table import Table

from fraudops.core.config import get_settings

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
) -> None:
    """Write a synthetic file in the exact creditcard.csv layout (reproducible for a given seed)."""
    from fraudops.data import synthetic

    table = synthetic.generate(rows, seed=seed, drift=drift)
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
    csv: Annotated[Path, typer.Option(exists=True, dir_okay=False)] = SPLITS_DIR / "initial_train.csv",
) -> None:
    """Train the Keras MLP on a labeled CSV and make it the served model."""
    from fraudops.ml.train import load_labeled_csv, train_mlp

    settings = get_settings()
    raw, labels = load_labeled_csv(csv)
    card = train_mlp(raw, labels, settings.model_dir, source=str(csv))
    test = card.metrics["test"]
    console.print(
        f"model {card.version}: test AUPRC {test['auprc']:.3f} (prevalence {test['prevalence']:.4f}), "
        f"threshold {card.threshold:.4f}, written to {settings.model_dir}"
    )


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
    console.print("no model yet: training the first one (Keras MLP, about a minute)")
    train(csv=SPLITS_DIR / "initial_train.csv")


@app.command()
def serve(
    host: str = "127.0.0.1",
    port: int = 8000,
    workers: Annotated[int, typer.Option(min=1)] = 1,
    reload: bool = False,
) -> None:
    """Serve the API (and the built page) with uvicorn."""
    import uvicorn

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
