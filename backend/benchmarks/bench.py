"""Benchmark the two hot paths against a real server on loopback and print the figures.

1. Upload of a full-size (284,807-row) file, end to end, split into the server's stages, with the server's
   peak memory (VmHWM) — on PostgreSQL when reachable, and on SQLite.
2. `/api/predict` with one transaction against the floor app, with the shadow challenger off and on
   (benchmarks/realtime.py): latency at one keep-alive connection and throughput at `--concurrency`,
   the three targets alternating round after round in one run with the same load generator.

Usage: python backend/benchmarks/bench.py [--rows N] [--requests N] [--concurrency C] [--repeat K]
Writes the figures as JSON under var/bench/ as well.
"""

import argparse
import http.client
import json
import multiprocessing as mp
import os
import statistics
import subprocess
import sys
import threading
import time
import uuid
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import psycopg
from rich.console import Console
from rich.table import Table

from fraudops.core.config import Settings
from fraudops.core.migrate import upgrade_to_head
from fraudops.data import synthetic
from fraudops.stream.figures import latency_summary
from tests import servers

console = Console(width=200)  # full tables even when piped to a file
ADMIN_URL = os.environ.get("TEST_POSTGRES_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/postgres")


@contextmanager
def database(backend: str, workdir: Path):  # type: ignore[no-untyped-def]
    if backend == "sqlite":
        yield f"sqlite:///{workdir / f'bench-{uuid.uuid4().hex[:6]}.db'}"
        return
    name = f"fraudops_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield Settings(database_url=f"{ADMIN_URL.rsplit('/', 1)[0]}/{name}").database_url
    finally:
        with psycopg.connect(ADMIN_URL, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextmanager
def app_server(
    database_url: str, model_dir: Path, workdir: Path, app: str = "fraudops.main:create_app", workers: int = 1
):  # type: ignore[no-untyped-def]
    upgrade_to_head(database_url)
    env = {
        "DATABASE_URL": database_url,
        "MODEL_DIR": str(model_dir),
        "VAR_DIR": str(workdir / "var"),
        "MAX_UPLOAD_MB": "400",
        "PYTHONPATH": str(Path(__file__).resolve().parent.parent),  # so uvicorn finds benchmarks.floor_app
    }
    with servers.server(env, app=app, workers=workers) as running:
        yield running


def memory_kib(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


def upload(port: int, path: Path) -> tuple[float, dict[str, Any]]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=600, blocksize=1 << 20)
    started = time.perf_counter()
    with path.open("rb") as body:
        conn.request(
            "POST",
            f"/api/batches?filename={path.name}",
            body=body,
            headers={"Content-Type": "text/csv", "Content-Length": str(path.stat().st_size)},
        )
        response = conn.getresponse()
        payload = json.loads(response.read())
    elapsed = time.perf_counter() - started
    if response.status != 201:
        raise RuntimeError(f"upload answered {response.status}: {str(payload)[:300]}")
    return elapsed, payload


def sequential_latencies(port: int, body: bytes, n: int) -> list[float]:
    conn = http.client.HTTPConnection("127.0.0.1", port)
    headers = {"Content-Type": "application/json"}
    latencies = []
    for _ in range(n):
        started = time.perf_counter()
        conn.request("POST", "/api/predict", body=body, headers=headers)
        response = conn.getresponse()
        response.read()
        latencies.append(time.perf_counter() - started)
        if response.status != 200:
            raise RuntimeError(f"/api/predict answered {response.status}")
    return latencies


def _load_worker(port: int, body: bytes, n: int, concurrency: int, out: Any) -> None:
    """Runs in its own process: `concurrency` threads, each with one keep-alive connection."""
    errors = 0
    lock = threading.Lock()
    per_thread = n // concurrency

    def run() -> None:
        nonlocal errors
        conn = http.client.HTTPConnection("127.0.0.1", port)
        for _ in range(per_thread):
            conn.request("POST", "/api/predict", body=body, headers={"Content-Type": "application/json"})
            response = conn.getresponse()
            response.read()
            if response.status != 200:
                with lock:
                    errors += 1

    threads = [threading.Thread(target=run) for _ in range(concurrency)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    out.put(
        {"requests": per_thread * concurrency, "seconds": time.perf_counter() - started, "errors": errors}
    )


def throughput(port: int, body: bytes, n: int, concurrency: int) -> dict[str, float]:
    queue: Any = mp.get_context("spawn").Queue()
    proc = mp.get_context("spawn").Process(target=_load_worker, args=(port, body, n, concurrency, queue))
    proc.start()
    result = queue.get(timeout=600)
    proc.join()
    return {**result, "rps": result["requests"] / result["seconds"]}


WRK_SCRIPT = """wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = [[%s]]
"""


def _wrk_ms(text: str) -> float:
    for unit, factor in (("us", 1e-3), ("ms", 1.0), ("s", 1e3)):
        if text.endswith(unit):
            return float(text.removesuffix(unit)) * factor
    raise ValueError(f"unknown wrk duration {text!r}")


def run_wrk(port: int, body: bytes, connections: int, seconds: int, workdir: Path) -> dict[str, float]:
    """wrk in its own process, `connections` keep-alive connections for `seconds`."""
    script = workdir / "predict.lua"
    script.write_text(WRK_SCRIPT % body.decode())
    cmd = ["wrk", "-t", str(min(2, connections)), "-c", str(connections), "-d", f"{seconds}s", "--latency",
           "-s", str(script), f"http://127.0.0.1:{port}/api/predict"]  # fmt: skip
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    figures: dict[str, float] = {"errors": 0.0}
    for line in out.splitlines():
        parts = line.split()
        if len(parts) == 2 and parts[0] in ("50%", "90%", "99%"):
            figures[f"p{parts[0][:-1]}_ms"] = _wrk_ms(parts[1])
        elif line.startswith("Requests/sec:"):
            figures["rps"] = float(parts[1])
        elif "requests in" in line:
            figures["requests"] = float(parts[0])
        elif line.strip().startswith(("Non-2xx", "Socket errors")):
            figures["errors"] += sum(float(x.strip(",")) for x in parts if x.strip(",").isdigit())
    return figures


def python_load(port: int, body: bytes, connections: int, seconds: int, _workdir: Path) -> dict[str, float]:
    """Fallback when wrk is not installed: sequential latencies, or threads in a second process."""
    n = max(2_000, 600 * seconds)
    if connections == 1:
        latencies = sequential_latencies(port, body, n)
        summary = latency_summary(np.array(latencies) * 1e3)
        assert summary is not None
        return {"requests": n, "rps": n / sum(latencies), "errors": 0.0,
                **{f"p{q}_ms": summary[f"p{q}"] for q in (50, 90, 99)}}  # fmt: skip
    load = throughput(port, body, n, connections)
    return {"requests": load["requests"], "rps": load["rps"], "errors": load["errors"]}


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=284_807)
    parser.add_argument("--seconds", type=int, default=5, help="duration of each load run")
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--repeat", type=int, default=3, help="uploads per backend (each a different file)")
    parser.add_argument("--rounds", type=int, default=3, help="alternating rounds of the real-time targets")
    parser.add_argument("--backends", default="postgresql,sqlite")
    parser.add_argument("--workdir", type=Path, default=Path("var/bench"))
    args = parser.parse_args()

    settings = Settings()
    if not (settings.model_dir / "model.onnx").is_file():
        sys.exit(f"no model in {settings.model_dir}: run `fraudops prepare` first")
    args.workdir.mkdir(parents=True, exist_ok=True)
    files = []
    for k in range(args.repeat):
        path = args.workdir / f"creditcard_{args.rows}_seed{100 + k}.csv"
        if not path.is_file():
            console.print(f"generating {path}")
            synthetic.write_csv(synthetic.generate(args.rows, seed=100 + k), path)
        files.append(path)

    report: dict[str, Any] = {
        "when": datetime.now(UTC).isoformat(),
        "rows": args.rows,
        "file_mb": round(files[0].stat().st_size / 1e6, 1),
        "cpus": os.cpu_count(),
        "upload": {},
        "predict": {},
    }
    for backend in args.backends.split(","):
        with (
            database(backend, args.workdir) as url,
            app_server(url, settings.model_dir, args.workdir) as (proc, port),
        ):
            baseline_rss = memory_kib(proc.pid, "VmRSS")
            runs = []
            for path in files:
                seconds, batch = upload(port, path)
                runs.append({"seconds": seconds, **batch["timings"]})
                console.print(f"{backend}: uploaded {path.name} in {seconds:.2f} s {batch['timings']}")
            report["upload"][backend] = {
                "runs": runs,
                "median": {key: statistics.median(r[key] for r in runs) for key in runs[0]},
                "server_rss_before_mib": round(baseline_rss / 1024, 1),
                "server_peak_rss_mib": round(memory_kib(proc.pid, "VmHWM") / 1024, 1),
            }
    # The real-time path: the floor and /api/predict with the shadow off and on, alternating in one run.
    from benchmarks import realtime

    report["predict"] = realtime.measure(
        settings.model_dir, args.workdir, args.seconds, args.rounds, args.concurrency
    )

    table = Table(title=f"upload of {args.rows:,} rows ({report['file_mb']} MB), median of {args.repeat}")
    table.add_column("backend")
    stages = ["receive", "parse_validate", "score", "explain_drift", "metrics", "store"]
    for col in ("end to end s", *stages, "peak RSS MiB"):
        table.add_column(col, justify="right")
    for backend, figures in report["upload"].items():
        m = figures["median"]
        table.add_row(
            backend,
            f"{m['seconds']:.2f}",
            *(f"{m.get(stage, float('nan')):.2f}" for stage in stages),
            f"{figures['server_peak_rss_mib']:.0f}",
        )
    console.print(table)
    realtime.print_table(report["predict"])
    out = args.workdir / f"bench-{datetime.now(UTC).strftime('%Y%m%dT%H%M%S')}.json"
    out.write_text(json.dumps(report, indent=2))
    console.print(f"figures written to {out}")


if __name__ == "__main__":
    main()
