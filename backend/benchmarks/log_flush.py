"""What one flush of the prediction log costs PostgreSQL, with random (uuid4) and time-ordered (UUIDv7)
request ids, measured in one run.

Each kind of id gets its own database, filled first with `--prefill` rows (a log that has been up for a
while), then the two take turns: one flush of `--rows` one-row chunks at a time, written through the shipped
`PredictionLog` code (rows encoded on arrival, one binary COPY, commit). Per flush: the wall time and the CPU
time of the database backend that served it (read from /proc, so the database must run on this machine).
Wall times are medians; CPU is the backend's total over the flushes divided by their number (the kernel
counts it in 10 ms ticks, too coarse for one flush), with the ratio of time-ordered to random.

Usage: cd backend && python -m benchmarks.log_flush [--rows N] [--flushes K] [--prefill N]
"""

import argparse
import os
import statistics
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
from rich.console import Console
from rich.table import Table
from sqlalchemy import create_engine, text
from sqlalchemy.orm import sessionmaker

from benchmarks.bench import database
from fraudops.core.ids import new_request_id
from fraudops.core.migrate import upgrade_to_head
from fraudops.data import synthetic
from fraudops.data.schema import FEATURE_COLUMNS
from fraudops.predlog import Chunk, PredictionLog, encode_row

console = Console(width=160)
KINDS: dict[str, Callable[[], str]] = {
    "random (uuid4)": lambda: uuid.uuid4().hex,
    "time-ordered (UUIDv7)": new_request_id,
}


class Target:
    """One database and the log that writes to it through a single pooled connection."""

    def __init__(self, url: str, make_id: Callable[[], str]) -> None:
        upgrade_to_head(url)
        self.engine = create_engine(url, pool_size=1, max_overflow=0)
        self.log = PredictionLog(sessionmaker(self.engine))
        self.make_id = make_id
        with self.engine.connect() as conn:
            self.backend_pid = int(conn.execute(text("SELECT pg_backend_pid()")).scalar_one())

    def chunks(self, features: np.ndarray, n: int) -> list[Chunk]:
        """`n` one-row chunks as `/api/predict` records them (encoded on arrival)."""
        out = []
        for i in range(n):
            row = features[i % len(features)][None, :]
            chunk = Chunk([self.make_id()], datetime.now(UTC), "api", [None], row, np.array([0.01]),
                          np.array([False]), 0.5, "bench", 0.4, band=np.zeros(1, np.int16),
                          review_at=0.3, decline_at=0.8)  # fmt: skip
            chunk.encoded = encode_row(chunk)  # what `PredictionLog.record` does on arrival
            out.append(chunk)
        return out

    def flush(self, features: np.ndarray, n: int) -> tuple[float, float]:
        """(wall seconds, backend CPU seconds) of writing `n` rows."""
        chunks = self.chunks(features, n)
        cpu, started = backend_cpu(self.backend_pid), time.perf_counter()
        written = self.log._write_chunks(chunks)
        wall = time.perf_counter() - started
        assert written == n
        return wall, backend_cpu(self.backend_pid) - cpu


def backend_cpu(pid: int) -> float:
    """User + system CPU seconds of a local process."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=1_600, help="rows per flush (~0.5 s of traffic)")
    parser.add_argument("--flushes", type=int, default=100, help="flushes per kind of id")
    parser.add_argument("--prefill", type=int, default=200_000, help="rows in the log before measuring")
    parser.add_argument("--workdir", type=Path, default=Path("var/bench"))
    args = parser.parse_args()
    features = synthetic.generate(5_000, seed=1).select(FEATURE_COLUMNS).to_pandas().to_numpy()
    with database("postgresql", args.workdir) as url_a, database("postgresql", args.workdir) as url_b:
        urls = (url_a, url_b)
        targets = {name: Target(url, make) for (name, make), url in zip(KINDS.items(), urls, strict=True)}
        for target in targets.values():
            for _ in range(args.prefill // 10_000):
                target.flush(features, 10_000)
        figures: dict[str, list[tuple[float, float]]] = {name: [] for name in targets}
        for k in range(args.flushes):
            for name in list(targets)[k % 2 :] + list(targets)[: k % 2]:  # alternate who goes first
                figures[name].append(targets[name].flush(features, args.rows))
        for target in targets.values():
            target.engine.dispose()
    table = Table(title=f"one prediction-log flush of {args.rows} rows into a log of {args.prefill:,}+ rows, "
                  f"{args.flushes} alternating flushes of each")  # fmt: skip
    for column in ("request ids", "wall ms (median)", "database CPU ms (mean)", "database CPU µs/row",
                   "CPU × random", "wall × random"):  # fmt: skip
        table.add_column(column, justify="right")
    base_cpu = statistics.fmean(c for _, c in figures["random (uuid4)"])
    base_wall = statistics.median(w for w, _ in figures["random (uuid4)"])
    for name, runs in figures.items():
        wall, cpu = statistics.median(w for w, _ in runs), statistics.fmean(c for _, c in runs)
        table.add_row(name, f"{wall * 1e3:.1f}", f"{cpu * 1e3:.1f}", f"{cpu / args.rows * 1e6:.2f}",
                      f"{cpu / base_cpu:.2f}", f"{wall / base_wall:.2f}")  # fmt: skip
    console.print(table)


if __name__ == "__main__":
    main()
