"""Training at scale: N synthetic labeled rows (default 5,000,000) stored in PostgreSQL, then `fraudops
train` on them, timed (wall clock) with its peak RSS (the child's ru_maxrss).

The rows go in as `--batches` time-consecutive labeled batches through the same insert the upload path
uses (crud.create_batch, COPY); loading is not timed. The training writes to a fresh MLflow store and
champion folder in a temporary directory (`--dry-run` by default: nothing promoted), so the committed
champion is never touched.

Usage, from backend/:
    python -m benchmarks.train_scale load [--rows N] [--batches B]       # once; kept for later runs
    python -m benchmarks.train_scale train [--quick] [--folds K] [--max-legit-rows M]
    python -m benchmarks.train_scale drop
Writes the figures as JSON under var/bench/ as well. Not a timed test: nothing is asserted on speed.
"""

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import psycopg

from benchmarks.bench import memory_kib
from fraudops.core.config import Settings

ADMIN_URL = os.environ.get("TEST_POSTGRES_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
DB_NAME = "fraudops_train_scale"
CLI = [sys.executable, "-m", "fraudops.cli"]
OUT = Path("var/bench")


def database_url() -> str:
    return Settings(database_url=f"{ADMIN_URL.rsplit('/', 1)[0]}/{DB_NAME}").database_url


def load(rows: int, batches: int, seed: int) -> dict[str, Any]:
    """Create and migrate the database, then insert `rows` synthetic rows as `batches` batches."""
    from sqlalchemy.orm import Session

    from fraudops import crud
    from fraudops.core.db import make_engine
    from fraudops.data import synthetic
    from fraudops.data.schema import FEATURE_COLUMNS, LABEL_COLUMN
    from fraudops.data.validate import ParsedBatch
    from fraudops.tables import Batch

    with psycopg.connect(ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{DB_NAME}"')
    url = database_url()
    subprocess.run([*CLI, "migrate"], env=os.environ | {"DATABASE_URL": url}, check=True, capture_output=True)
    started = time.perf_counter()
    table = synthetic.generate(rows, seed=seed)
    raw = np.column_stack([table.column(c).to_numpy().astype(np.float64) for c in FEATURE_COLUMNS])
    y = table.column(LABEL_COLUMN).to_numpy().astype(np.int8)
    del table
    order = np.argsort(raw[:, 0], kind="stable")
    raw, y = raw[order], y[order]
    engine = make_engine(Settings(database_url=url).sqlalchemy_url)
    with Session(engine) as session:
        for i, part in enumerate(np.array_split(np.arange(rows), batches)):
            parsed = ParsedBatch(features=raw[part], labels=y[part].astype(np.int8), external_ids=None)
            batch = Batch(
                sha256=f"{seed:08x}{i:056x}",
                filename=f"scale-{i:02d}.csv",
                row_count=len(part),
                labeled=True,
                fraud_count=int(y[part].sum()),
                flagged_count=0,
                threshold=0.5,
                model_version="none",
                metrics=None,
                metrics_reason="loaded by benchmarks.train_scale",
                timings={},
                bands=None,
                drift=None,
            )
            zeros = np.zeros(len(part))
            crud.create_batch(session, batch, parsed, zeros, zeros.astype(bool), zeros.astype(np.int16))
            session.commit()
            print(f"batch {i + 1}/{batches}: {len(part):,} rows", flush=True)
    engine.dispose()
    return {
        "rows": rows,
        "frauds": int(y.sum()),
        "batches": batches,
        "load_seconds": time.perf_counter() - started,
    }


def train(args: argparse.Namespace) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="train-scale-") as tmp:
        env = os.environ | {
            "DATABASE_URL": database_url(),
            "VAR_DIR": f"{tmp}/var",
            "MODEL_DIR": f"{tmp}/champion",
            "MLFLOW_TRACKING_URI": "",
            **({"TRAIN_MAX_LEGIT_ROWS": str(args.max_legit_rows)} if args.max_legit_rows is not None else {}),
        }
        command = [*CLI, "train", "--dry-run", *(["--quick"] if args.quick else [])]
        if args.folds:
            command += ["--folds", str(args.folds)]
        started = time.perf_counter()
        done, timeline = _run_watched(command, env, started)
        seconds = time.perf_counter() - started
        peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "train_scale_timeline.txt").write_text("\n".join(timeline) + "\n")
    if done.returncode != 0:
        print(done.stdout[-4000:], "\n".join(timeline[-60:]), sep="\n")
        raise SystemExit(f"training failed ({done.returncode})")
    print(done.stdout[-6000:], "\n".join(timeline), sep="\n")  # the table, then the timed stage log
    return {
        "command": " ".join(command[2:]),
        "quick": args.quick,
        "folds": args.folds,
        "max_legit_rows": args.max_legit_rows
        if args.max_legit_rows is not None
        else Settings().train_max_legit_rows,
        "wall_seconds": round(seconds, 1),
        "peak_rss_gib": round(peak_kib / 2**20, 2),
        "cpus": os.cpu_count(),
        "load_average_1m_after": os.getloadavg()[0],
    }


def _run_watched(
    command: list[str], env: dict[str, str], started: float
) -> tuple[subprocess.CompletedProcess[str], list[str]]:
    """Run the training; each line of its stage log (stderr) is kept with the elapsed time and the
    child's resident memory at that moment, so the run shows which stage costs the time and the memory."""
    proc = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    stdout: list[str] = []
    reader = threading.Thread(target=lambda: stdout.append(proc.stdout.read() if proc.stdout else ""))
    reader.start()
    timeline = []
    assert proc.stderr is not None
    for line in proc.stderr:
        rss = memory_gib(proc.pid)
        timeline.append(f"{time.perf_counter() - started:7.1f} s  {rss:5.2f} GiB  {line.rstrip()}")
    proc.wait()
    reader.join()
    return subprocess.CompletedProcess(command, proc.returncode, "".join(stdout), ""), timeline


def memory_gib(pid: int) -> float:
    """The process's resident memory, or NaN once it has exited."""
    try:
        return memory_kib(pid, "VmRSS") / 2**20
    except OSError:
        return float("nan")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("action", choices=["load", "train", "drop"])
    parser.add_argument("--rows", type=int, default=5_000_000)
    parser.add_argument("--batches", type=int, default=10)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--folds", type=int, default=None)
    parser.add_argument("--max-legit-rows", type=int, default=None, help="default: the setting's")
    args = parser.parse_args()
    if args.action == "drop":
        with psycopg.connect(ADMIN_URL, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')
        return
    figures = load(args.rows, args.batches, args.seed) if args.action == "load" else train(args)
    figures["at"] = datetime.now(UTC).isoformat(timespec="seconds")
    print(json.dumps(figures, indent=2))
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / f"train_scale_{args.action}_{'quick' if args.quick else 'full'}.json").write_text(
        json.dumps(figures, indent=2)
    )


if __name__ == "__main__":
    main()
