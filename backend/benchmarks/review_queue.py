"""The review queue's first page right after a batch is stored, with the planner's statistics refreshed
after the load (as shipped) and without (as before: until autovacuum runs, or never where it is off).

Per round and batch size, two fresh PostgreSQL databases get the same unlabeled batch through the shipped
`crud.create_batch` (probabilities drawn so a few per cent of rows land in review or decline); one then runs
`crud.refresh_batch_statistics`, the other does not. Then the queue's first page (unlabeled, highest score
first, 50 items, with its count) through `crud.list_queue`, `--queries` times each. Figures are medians over
the queries and rounds, with the ratio of refreshed to not; also what the refresh itself took, beside the
time to store the batch. Without statistics the planner guesses from the table's size, so which plan it
picks, and how bad it is, depends on the batch's size rather than growing smoothly with it.

Usage: cd backend && python -m benchmarks.review_queue [--sizes 2000,4000,32000] [--rounds 3] [--queries 5]
"""

import argparse
import statistics
import time
from pathlib import Path

import numpy as np
from rich.console import Console
from rich.table import Table
from sqlalchemy.orm import Session

from benchmarks.bench import database
from fraudops import crud
from fraudops.core.db import make_engine
from fraudops.core.migrate import upgrade_to_head
from fraudops.crud.review import QueueFilter, ReviewOrder
from fraudops.data import synthetic
from fraudops.data.schema import FEATURE_COLUMNS
from fraudops.data.validate import ParsedBatch
from fraudops.monitoring.bands import Band
from fraudops.tables import Batch

console = Console(width=160)


def store(url: str, features: np.ndarray, refresh: bool) -> tuple[float, float]:
    """Store one unlabeled batch; (seconds to store and commit, seconds the refresh took)."""
    rng = np.random.default_rng(7)
    probability = rng.beta(0.3, 12.0, len(features))
    band = np.where(
        probability >= 0.5, Band.decline, np.where(probability >= 0.05, Band.review, Band.approve)
    )
    engine = make_engine(url)
    with Session(engine) as session:
        started = time.perf_counter()
        batch = Batch(sha256=f"{len(features)}-{refresh}", filename="bench.csv", row_count=len(features),
                      labeled=False, flagged_count=int((probability >= 0.5).sum()), threshold=0.5,
                      model_version="bench", timings={}, bands={"review_at": 0.05, "decline_at": 0.5},
                      drift={}, role="training")  # fmt: skip
        parsed = ParsedBatch(features=features, labels=None, external_ids=None)
        crud.create_batch(session, batch, parsed, probability, probability >= 0.5, band.astype(np.int16))
        session.commit()
        stored = time.perf_counter() - started
        refreshed = 0.0
        if refresh:
            started = time.perf_counter()
            assert crud.refresh_batch_statistics(session, len(features)), "nothing was analyzed"
            refreshed = time.perf_counter() - started
    engine.dispose()
    return stored, refreshed


def queue_seconds(url: str, queries: int) -> list[float]:
    engine = make_engine(url)
    out = []
    with Session(engine) as session:
        for _ in range(queries):
            started = time.perf_counter()
            items, count = crud.list_queue(session, QueueFilter(labeled=False), ReviewOrder.score, 0, 50)
            out.append(time.perf_counter() - started)
            assert len(items) == 50 and count > 50
            session.rollback()
    engine.dispose()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", default="2000,4000,8000,32000,284807", help="batch rows, comma-separated")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--queries", type=int, default=5, help="queue pages per database")
    parser.add_argument("--workdir", type=Path, default=Path("var/bench"))
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    pool = synthetic.generate(max(sizes), seed=3).select(FEATURE_COLUMNS).to_pandas().to_numpy()

    table = Table(title=f"the review queue's first page right after a batch is stored ({args.rounds} rounds, "
                  f"{args.queries} queries each; medians)")  # fmt: skip
    for column in ("batch rows", "queue page, not refreshed (ms)", "queue page, refreshed (ms)",
                   "refreshed × not", "storing the batch (ms)", "refresh added (ms)"):  # fmt: skip
        table.add_column(column, justify="right")
    for size in sizes:
        features = pool[:size]
        runs: dict[bool, list[float]] = {True: [], False: []}
        stored: list[float] = []
        refresh: list[float] = []
        for k in range(args.rounds):
            for refreshed in (True, False) if k % 2 == 0 else (False, True):  # alternate who goes first
                with database("postgresql", args.workdir) as url:
                    upgrade_to_head(url)
                    store_s, refresh_s = store(url, features, refreshed)
                    if refreshed:
                        stored.append(store_s)
                        refresh.append(refresh_s)
                    runs[refreshed] += queue_seconds(url, args.queries)
        on = statistics.median(runs[True]) * 1e3
        off = statistics.median(runs[False]) * 1e3
        store_ms, refresh_ms = statistics.median(stored) * 1e3, statistics.median(refresh) * 1e3
        table.add_row(
            f"{size:,}", f"{off:.1f}", f"{on:.1f}", f"{on / off:.3f}", f"{store_ms:.0f}", f"{refresh_ms:.0f}"
        )
    console.print(table)


if __name__ == "__main__":
    main()
