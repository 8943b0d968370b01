"""Benchmark the two hot paths against a real server on loopback and print the figures.

1. Upload of a full-size (284,807-row) file, end to end, split into the server's stages, with the server's
   peak memory (VmHWM) — on PostgreSQL when reachable, and on SQLite.
2. `/api/predict` with one transaction: latency percentiles from one keep-alive client (≥ 2,000 requests),
   and throughput from a second process driving several keep-alive connections at once.

Usage: python backend/benchmarks/bench.py [--rows N] [--requests N] [--concurrency C] [--repeat K]
Writes the figures as JSON under var/bench/ as well.
"""

import argparse
import http.client
import json
import multiprocessing as mp
import os
import shutil
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

from fraudops import devtools
from fraudops.core.config import Settings
from fraudops.core.migrate import upgrade_to_head
from fraudops.data import synthetic
from fraudops.stream.figures import latency_summary

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
    with devtools.server(env, app=app, workers=workers) as running:
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


def measure_predict(
    database_url: str, model_dir: Path, args: argparse.Namespace, backend: str
) -> dict[str, Any]:
    """Latency at one connection and throughput at `concurrency`, for the floor and for the real app."""
    load = run_wrk if shutil.which("wrk") else python_load
    row = synthetic.generate(50, seed=1).slice(10, 1).to_pylist()[0]
    body = json.dumps(row).encode()
    results: dict[str, Any] = {
        "generator": "wrk" if load is run_wrk else "python", "backend": backend,
        "seconds_per_run": args.seconds, "concurrency": args.concurrency, "targets": {},
    }  # fmt: skip
    targets = [("floor (bare FastAPI + ORT)", "benchmarks.floor_app:create_app", 1)]
    targets += [(f"/api/predict, {w} worker(s)", "fraudops.main:create_app", w) for w in (1, 2)]
    for name, app, workers in targets:
        with app_server(database_url, model_dir, args.workdir, app=app, workers=workers) as (_, port):
            load(port, body, 1, 1, args.workdir)  # warm-up
            single = load(port, body, 1, args.seconds, args.workdir)
            loaded = load(port, body, args.concurrency, args.seconds, args.workdir)
        results["targets"][name] = {"c1": single, f"c{args.concurrency}": loaded}
        console.print(f"{name}: c=1 {single}, c={args.concurrency} {loaded}")
    return results


def print_predict(results: dict[str, Any]) -> None:
    c = results["concurrency"]
    table = Table(
        title=f"one transaction over HTTP, loopback, {results['generator']}, {results['backend']} log"
    )
    for col in ("target", "requests c=1", "p50 ms", "p90 ms", "p99 ms", f"req/s c={c}", f"p99 ms c={c}",
                "errors", "p50 × floor", "req/s ÷ floor"):  # fmt: skip
        table.add_column(col, justify="right")
    floor = next(iter(results["targets"].values()))
    for name, figures in results["targets"].items():
        single, loaded = figures["c1"], figures[f"c{c}"]
        table.add_row(
            name, f"{single['requests']:.0f}", f"{single['p50_ms']:.2f}", f"{single['p90_ms']:.2f}",
            f"{single['p99_ms']:.2f}", f"{loaded['rps']:.0f}", f"{loaded.get('p99_ms', float('nan')):.2f}",
            f"{single['errors'] + loaded['errors']:.0f}", f"{single['p50_ms'] / floor['c1']['p50_ms']:.2f}",
            f"{loaded['rps'] / floor[f'c{c}']['rps']:.2f}",
        )  # fmt: skip
    console.print(table)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=284_807)
    parser.add_argument("--seconds", type=int, default=5, help="duration of each load run")
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--repeat", type=int, default=3, help="uploads per backend (each a different file)")
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
    backend = args.backends.split(",")[0]
    with database(backend, args.workdir) as url:
        report["predict"] = measure_predict(url, settings.model_dir, args, backend)

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
    print_predict(report["predict"])
    out = args.workdir / f"bench-{datetime.now(UTC).strftime('%Y%m%dT%H%M%S')}.json"
    out.write_text(json.dumps(report, indent=2))
    console.print(f"figures written to {out}")


if __name__ == "__main__":
    main()
