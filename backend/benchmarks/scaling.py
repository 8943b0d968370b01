"""Scaling on loopback, everything against one PostgreSQL database (`fraudops_scaling`, created, migrated
with `fraudops migrate`, and dropped):

1. API: two `fraudops serve` processes on two ports. A small client in its own process drives
   `concurrency` keep-alive connections for `seconds`, each thread alternating its requests between the
   ports (round robin in the client stands in for a load balancer), or sending them all to the first
   port for the one-process baseline. Both servers run during both measurements. Every answered
   prediction must be in `prediction_log` afterwards.
2. Stream: `fraudops stream --broker` publishes N transactions once. Each run gives one or two
   `fraudops worker` processes a fresh consumer group created at the stream's end; once they are all
   waiting, the group is moved to the start (XGROUP SETID 0) and the clock runs until Redis shows every
   message delivered and acknowledged (a worker acknowledges after its rows are committed). Every
   message's request id must then be in `prediction_log` exactly once.

3. Retention: one pass over 200,000 logged rows, half of them 100 days old (1% of those labeled).

Runs alternate one/two within each repeat; figures are medians over the repeats and ratios against the
one-process baseline of the same run. Beside the rates, the CPU each side used (servers or workers, the
database's backends, the load client) per request and per second of wall time: on a shared machine the
rates depend on what else runs, CPU per request does not, and "cores busy" shows what each side got.

Usage, from backend/: python -m benchmarks.scaling [--seconds S] [--concurrency C] [--repeat K] [--messages N]
Writes the figures as JSON under var/bench/ as well. Not a timed test: nothing is asserted on speed.
"""

import argparse
import json
import multiprocessing as mp
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from queue import Empty
from typing import Any

import numpy as np
import psycopg
import redis
from rich.console import Console
from rich.table import Table
from sqlalchemy import text
from sqlalchemy.orm import sessionmaker

from fraudops import crud
from fraudops.core.config import Settings
from fraudops.core.db import make_engine
from fraudops.data import synthetic
from fraudops.predlog import Chunk, to_table
from fraudops.retention import apply_retention
from tests.servers import free_port, wait_healthy

console = Console(width=160)
ROOT = Path(__file__).resolve().parents[2]
ADMIN_URL = os.environ.get("TEST_POSTGRES_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
DB_NAME = "fraudops_scaling"
CLI = [sys.executable, "-m", "fraudops.cli"]


# --- processes ---------------------------------------------------------------------------------------


@contextmanager
def scaling_database() -> Iterator[str]:
    """A fresh `fraudops_scaling` database, migrated by the CLI's pre-start step; dropped afterwards."""
    with psycopg.connect(ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{DB_NAME}"')
    url = Settings(database_url=f"{ADMIN_URL.rsplit('/', 1)[0]}/{DB_NAME}").database_url
    try:
        subprocess.run([*CLI, "migrate"], env=os.environ | {"DATABASE_URL": url}, check=True,
                       capture_output=True)  # fmt: skip
        yield url
    finally:
        with psycopg.connect(ADMIN_URL, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')


def stop(proc: subprocess.Popen[bytes], timeout_s: float = 30) -> None:
    """SIGTERM (a clean shutdown: the server flushes its log, a worker finishes its batch), then kill."""
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@contextmanager
def api_process(env: dict[str, str]) -> Iterator[tuple[int, int]]:
    """A `fraudops serve` process (uvicorn, one worker: the process that serves); yields (port, pid)."""
    port = free_port()
    proc = subprocess.Popen([*CLI, "serve", "--port", str(port)], env=os.environ | env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    try:
        wait_healthy(port, proc)
        yield port, proc.pid
    finally:
        stop(proc)


_TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(*pids: int) -> float:
    """User + system CPU time the processes have used so far. With the machine shared, wall-clock rates
    depend on what else runs; CPU per request does not, and CPU / wall shows how much the processes got."""
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except FileNotFoundError:  # a database backend that closed meanwhile
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15 of proc(5))
    return total / _TICKS


class CpuMeter:
    """CPU used by some processes and by the database's backends (local processes too) over a span."""

    def __init__(self, url: str, *pids: int) -> None:
        self.url, self.pids = url, pids
        self.start = (cpu_seconds(*pids), cpu_seconds(*self.backends()))

    def backends(self) -> list[int]:
        query = f"SELECT pid FROM pg_stat_activity WHERE datname = '{DB_NAME}' AND pid <> pg_backend_pid()"
        return [r[0] for r in db_rows(self.url, query)]

    def stop(self) -> tuple[float, float]:
        """(seconds of CPU the processes used, seconds the backends used); a backend opened meanwhile
        counts from zero."""
        return cpu_seconds(*self.pids) - self.start[0], cpu_seconds(*self.backends()) - self.start[1]


def db_rows(url: str, query: str) -> list[tuple[Any, ...]]:
    with psycopg.connect(url.replace("postgresql+psycopg", "postgresql")) as conn:
        return conn.execute(query).fetchall()  # type: ignore[arg-type]


# --- HTTP load ---------------------------------------------------------------------------------------

_LENGTH = re.compile(rb"content-length:\s*(\d+)", re.IGNORECASE)


class _Connection:
    """One keep-alive connection sending a prebuilt request: a few µs of client CPU per request, so the
    client takes as little as it can of the two cores the servers need."""

    def __init__(self, port: int, body: bytes) -> None:
        self.sock = socket.create_connection(("127.0.0.1", port))
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        head = (f"POST /api/predict HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
                f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n")  # fmt: skip
        self.request = head.encode() + body
        self.buffer = b""

    def call(self) -> int:
        """Send the request, read the whole answer; returns the status."""
        self.sock.sendall(self.request)
        while b"\r\n\r\n" not in self.buffer:
            self.buffer += self._recv()
        head, _, rest = self.buffer.partition(b"\r\n\r\n")
        length = _LENGTH.search(head)
        if length is None:
            raise RuntimeError(f"answer without Content-Length: {head[:200]!r}")
        while len(rest) < int(length.group(1)):
            rest += self._recv()
        self.buffer = rest[int(length.group(1)) :]
        return int(head[9:12])

    def _recv(self) -> bytes:
        data = self.sock.recv(65_536)
        if not data:
            raise ConnectionError("server closed the connection")
        return data


def _load(ports: list[int], body: bytes, concurrency: int, seconds: float, out: Any) -> None:
    """Runs in its own process: `concurrency` threads, thread i sending request k to port (i + k) mod n."""
    latencies: list[list[float]] = [[] for _ in range(concurrency)]
    errors = [0] * concurrency
    start = threading.Barrier(concurrency + 1)
    deadline = 0.0

    def run(i: int) -> None:
        connections = [_Connection(port, body) for port in ports]
        start.wait()
        k = i
        while (now := time.perf_counter()) < deadline:
            status = connections[k % len(connections)].call()
            latencies[i].append(time.perf_counter() - now)
            errors[i] += status != 200
            k += 1

    threads = [threading.Thread(target=run, args=(i,)) for i in range(concurrency)]
    for t in threads:
        t.start()
    deadline = time.perf_counter() + seconds
    began, cpu = time.perf_counter(), time.process_time()
    start.wait()
    for t in threads:
        t.join()
    wall, cpu = time.perf_counter() - began, time.process_time() - cpu
    ms = np.concatenate([np.array(x) for x in latencies]) * 1e3
    out.put({"requests": len(ms), "errors": sum(errors), "rps": len(ms) / wall, "seconds": wall,
             "client_cores_busy": cpu / wall,
             "p50_ms": float(np.percentile(ms, 50)), "p99_ms": float(np.percentile(ms, 99))})  # fmt: skip


def http_load(ports: list[int], body: bytes, concurrency: int, seconds: float) -> dict[str, float]:
    context = mp.get_context("spawn")
    queue: Any = context.Queue()
    proc = context.Process(target=_load, args=(ports, body, concurrency, seconds, queue))
    proc.start()
    while True:
        try:
            result: dict[str, float] = queue.get(timeout=1)
            break
        except Empty:
            if not proc.is_alive():
                raise RuntimeError(f"the load process exited with {proc.exitcode}") from None
    proc.join()
    return result


def measure_api(url: str, env: dict[str, str], args: argparse.Namespace) -> dict[str, Any]:
    row = synthetic.generate(50, seed=1).slice(10, 1).to_pylist()[0]
    body = json.dumps(row).encode()
    runs: dict[str, list[dict[str, float]]] = {"1": [], "2": []}
    with api_process(env) as (first, pid1), api_process(env) as (second, pid2):
        warm_up = http_load([first, second], body, args.concurrency, 1.0)  # both processes
        for k in range(args.repeat):
            for n in ("1", "2") if k % 2 == 0 else ("2", "1"):
                ports = [first] if n == "1" else [first, second]
                meter = CpuMeter(url, pid1, pid2)
                figures = http_load(ports, body, args.concurrency, args.seconds)
                cpu, db_cpu = meter.stop()
                figures |= {"cpu_ms_per_request": cpu * 1e3 / figures["requests"],
                            "cores_busy": cpu / figures["seconds"],
                            "db_cores_busy": db_cpu / figures["seconds"]}  # fmt: skip
                runs[n].append(figures)
                console.print(f"API, {n} process(es), repeat {k + 1}: {_brief(figures)}")
    # The servers have stopped, each flushing its buffer: every answered prediction must be logged.
    answered = sum(r["requests"] - r["errors"] for r in [warm_up, *runs["1"], *runs["2"]])
    logged = db_rows(url, "SELECT count(*) FROM prediction_log WHERE source = 'api'")[0][0]
    return {"runs": runs, "median": {n: _median(rs) for n, rs in runs.items()},
            "answered": answered, "logged": logged}  # fmt: skip


# --- stream ------------------------------------------------------------------------------------------


def produce(env: dict[str, str], csv: Path, n: int, workdir: Path) -> dict[str, Any]:
    """Publish with the real producer (`fraudops stream --broker`); returns its report."""
    out = workdir / "streams"
    cmd = [*CLI, "stream", str(csv), "--broker", env["REDIS_URL"], "--limit", str(n), "--concurrency", "16",
           "--out", str(out)]  # fmt: skip
    subprocess.run(cmd, env=os.environ | env, check=True, capture_output=True)
    report: dict[str, Any] = json.loads(max(out.glob("stream-*.json")).read_text())
    return report


def consume(
    client: redis.Redis, env: dict[str, str], key: str, workers: int, run: str, url: str, workdir: Path
) -> dict[str, float]:
    """One run: `workers` workers in a new group drain the whole stream; returns messages/s."""
    group = f"scaling-{run}"
    db_rows_exec(url, "TRUNCATE prediction_log")
    client.xgroup_create(key, group, id="$")  # at the end: the workers start with nothing to read
    worker_env = env | {"STREAM_GROUP": group}
    logs = [workdir / f"worker-{run}-{i}.log" for i in range(workers)]
    pids = []
    with ExitStack() as stack:
        for i, path in enumerate(logs):
            cmd = [*CLI, "worker", "--consumer", f"{group}-w{i}", "--block-ms", "50", "--batch-size", "256"]
            output = stack.enter_context(path.open("wb"))
            proc = subprocess.Popen(cmd, env=os.environ | worker_env, stdout=output, stderr=output)
            stack.callback(stop, proc)
            pids.append(proc.pid)
        # Redis 7.0 lists a consumer only once it has received something, so readiness is the line each
        # worker prints when its model is loaded, just before its first read.
        _wait_for(lambda: all("prediction log" in p.read_text() for p in logs), 60, "workers to start")
        time.sleep(0.5)  # each now in its blocking read
        last_id = client.xinfo_stream(key)["last-generated-id"]
        meter = CpuMeter(url, *pids)
        started = time.perf_counter()
        client.xgroup_setid(key, group, id="0")
        _wait_for(lambda: _drained(client, key, group, last_id), 600, "the group to drain", poll_s=0.005)
        seconds = time.perf_counter() - started
        cpu, db_cpu = meter.stop()
    messages = client.xlen(key)
    return {"seconds": seconds, "mps": messages / seconds, "cpu_ms_per_message": cpu * 1e3 / messages,
            "cores_busy": cpu / seconds, "db_cores_busy": db_cpu / seconds}  # fmt: skip


def _drained(client: redis.Redis, key: str, group: str, last_id: bytes) -> bool:
    info = next(g for g in client.xinfo_groups(key) if g["name"].decode() == group)
    return bool(info["last-delivered-id"] == last_id and info["pending"] == 0)


def _wait_for(check: Any, timeout_s: float, what: str, poll_s: float = 0.05) -> None:
    deadline = time.monotonic() + timeout_s
    while not check():
        if time.monotonic() > deadline:
            raise RuntimeError(f"timed out waiting for {what}")
        time.sleep(poll_s)


def db_rows_exec(url: str, statement: str) -> None:
    with psycopg.connect(url.replace("postgresql+psycopg", "postgresql"), autocommit=True) as conn:
        conn.execute(statement)  # type: ignore[arg-type]


def logged_exactly_once(client: redis.Redis, key: str, url: str) -> tuple[bool, int, int]:
    """(every message's request id logged once and nothing else, messages, logged rows)."""
    entries: Any = client.xrange(key)  # redis-py types the sync and async replies as one union
    sent = [fields[b"request_id"].decode() for _, fields in entries]
    rows = [r[0] for r in db_rows(url, "SELECT request_id FROM prediction_log WHERE source = 'stream'")]
    return sorted(sent) == sorted(rows), len(sent), len(rows)


def measure_stream(url: str, env: dict[str, str], args: argparse.Namespace) -> dict[str, Any]:
    key = f"fraudops:scaling:{uuid.uuid4().hex[:8]}"
    env = env | {"STREAM_KEY": key}
    client = redis.Redis.from_url(env["REDIS_URL"])
    csv = args.workdir / f"stream_{args.messages}.csv"
    synthetic.write_csv(synthetic.generate(args.messages, seed=31), csv)
    try:
        producer = produce(env, csv, args.messages, args.workdir)
        console.print(f"produced {producer['sent']:,} messages at {producer['throughput_rps']:,.0f}/s")
        runs: dict[str, list[dict[str, float]]] = {"1": [], "2": []}
        checks = []
        for k in range(args.repeat):
            for n in ("1", "2") if k % 2 == 0 else ("2", "1"):
                figures = consume(client, env, key, int(n), f"{k}-{n}", url, args.workdir)
                ok, sent, logged = logged_exactly_once(client, key, url)
                checks.append(ok)
                runs[n].append(figures | {"logged": logged, "exactly_once": ok})
                console.print(
                    f"stream, {n} worker(s), repeat {k + 1}: {figures['mps']:,.0f} msg/s "
                    f"({figures['seconds']:.2f} s), logged {logged:,}/{sent:,} "
                    f"{'exactly once' if ok else 'MISMATCH'}"
                )
        dead = client.xlen(f"{key}:dead")
    finally:
        client.delete(key, f"{key}:dead")
    return {"producer_mps": producer["throughput_rps"], "messages": args.messages, "runs": runs,
            "median": {n: _median(rs) for n, rs in runs.items()},
            "exactly_once": all(checks), "dead": dead}  # fmt: skip


# --- retention ---------------------------------------------------------------------------------------


def _chunk(tag: str, n: int, received_at: datetime, rng: np.random.Generator) -> Chunk:
    return Chunk(
        request_ids=[f"{tag}-{i}" for i in range(n)], received_at=received_at, source="api",
        external_ids=[None] * n, features=rng.normal(size=(n, 30)), probability=rng.random(n),
        is_fraud=np.zeros(n, bool), threshold=0.5, model_version="scaling", latency_ms=0.3,
    )  # fmt: skip


def measure_retention(url: str, rows: int, chunk_rows: int) -> dict[str, Any]:
    """`rows` predictions, half 100 days old (1% of those labeled), then one retention pass at 30 days."""
    engine = make_engine(url)
    factory = sessionmaker(engine)
    now = datetime.now(UTC)
    old = rows // 2
    rng = np.random.default_rng(0)
    spans = (("old", old, now - timedelta(days=100)), ("new", rows - old, now))
    chunks = [_chunk(tag, n, at, rng) for tag, n, at in spans]
    labeled = {f"old-{i}": int(i % 200 == 0) for i in range(0, old, 100)}  # 1% of the old rows
    with factory() as session:
        session.execute(text("TRUNCATE prediction_log, label_events"))
        crud.append_prediction_log(session, to_table(chunks))
        crud.apply_labels(session, labeled, source="feedback")
        session.commit()
        session.execute(text("ANALYZE prediction_log"))
        session.commit()
    settings = Settings(database_url=url, retention_days=30, retention_chunk_rows=chunk_rows)
    result = apply_retention(factory, settings, now=now)
    with factory() as session:
        left = crud.prediction_log_count(session)
    engine.dispose()
    return {
        "rows": rows, "expected_deleted": old - len(labeled), "deleted": result.deleted,
        "kept_labeled": result.kept_labeled, "left": left, "chunks": result.chunks, "chunk_rows": chunk_rows,
        "seconds": result.seconds, "ms_per_chunk": result.seconds / result.chunks * 1e3,
    }  # fmt: skip


# --- report ------------------------------------------------------------------------------------------


def _median(runs: list[dict[str, float]]) -> dict[str, float]:
    return {key: statistics.median(r[key] for r in runs) for key in runs[0]}


def _brief(f: dict[str, float]) -> str:
    return (
        f"{f['rps']:,.0f} req/s, p50 {f['p50_ms']:.2f} ms, p99 {f['p99_ms']:.2f} ms, errors {f['errors']:.0f}"
    )


def print_report(report: dict[str, Any]) -> None:
    api, stream = report["api"], report["stream"]
    table = Table(title=f"/api/predict, one transaction, {report['concurrency']} connections, "
                        f"{report['seconds']} s × {report['repeat']} (medians)")  # fmt: skip
    for col in ("API processes", "req/s", "× one", "p50 ms", "p99 ms", "errors", "server CPU ms/req",
                "server cores busy", "PostgreSQL cores busy", "client cores busy"):  # fmt: skip
        table.add_column(col, justify="right")
    base = api["median"]["1"]["rps"]
    for n, m in api["median"].items():
        table.add_row(n, f"{m['rps']:,.0f}", f"{m['rps'] / base:.2f}", f"{m['p50_ms']:.2f}",
                      f"{m['p99_ms']:.2f}", f"{m['errors']:.0f}", f"{m['cpu_ms_per_request']:.3f}",
                      f"{m['cores_busy']:.2f}", f"{m['db_cores_busy']:.2f}",
                      f"{m['client_cores_busy']:.2f}")  # fmt: skip
    console.print(table)
    console.print(
        f"API: {api['logged']:,} predictions logged for {api['answered']:,} answered (warm-up included)"
    )
    table = Table(title=f"stream: {stream['messages']:,} messages from a backlog, "
                        f"{report['repeat']} repeats (medians)")  # fmt: skip
    for col in ("workers", "messages/s", "× one", "worker CPU ms/msg", "worker cores busy",
                "PostgreSQL cores busy"):  # fmt: skip
        table.add_column(col, justify="right")
    base = stream["median"]["1"]["mps"]
    for n, m in stream["median"].items():
        table.add_row(n, f"{m['mps']:,.0f}", f"{m['mps'] / base:.2f}", f"{m['cpu_ms_per_message']:.3f}",
                      f"{m['cores_busy']:.2f}", f"{m['db_cores_busy']:.2f}")  # fmt: skip
    console.print(table)
    console.print(f"producer published at {stream['producer_mps']:,.0f} msg/s; every run logged each message "
                  f"exactly once: {stream['exactly_once']}; parked: {stream['dead']}")  # fmt: skip
    r = report["retention"]
    console.print(
        f"retention: {r['deleted']:,} of {r['rows']:,} rows deleted (expected {r['expected_deleted']:,}), "
        f"{r['kept_labeled']:,} old labeled kept, in {r['chunks']} chunks of ≤ {r['chunk_rows']:,}: "
        f"{r['seconds']:.2f} s, {r['ms_per_chunk']:.0f} ms per chunk"
    )
    console.print(
        f"load average (1 min) before / after: {report['load_before']:.1f} / {report['load_after']:.1f}"
    )


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seconds", type=float, default=5, help="duration of each HTTP load run")
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--messages", type=int, default=12_000)
    parser.add_argument("--retention-rows", type=int, default=200_000)
    parser.add_argument("--retention-chunk-rows", type=int, default=5_000)
    parser.add_argument("--model-dir", type=Path, default=ROOT / "backend/models/champion")
    parser.add_argument("--workdir", type=Path, default=None)
    args = parser.parse_args()
    if not (args.model_dir / "model.onnx").is_file():
        sys.exit(f"no model in {args.model_dir}: run `fraudops prepare` first")
    args.workdir = args.workdir or Path(tempfile.mkdtemp(prefix="scaling-"))
    args.workdir.mkdir(parents=True, exist_ok=True)

    began = time.perf_counter()
    load_before = os.getloadavg()[0]  # other work on the machine skews every figure: say how much there was
    with scaling_database() as url:
        env = {
            "DATABASE_URL": url, "MODEL_DIR": str(args.model_dir.resolve()),
            "VAR_DIR": str(args.workdir / "var"), "FRONTEND_DIST": str(args.workdir / "no-frontend"),
            "REDIS_URL": os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"),
        }  # fmt: skip
        api = measure_api(url, env, args)
        stream = measure_stream(url, env, args)
        retention = measure_retention(url, args.retention_rows, args.retention_chunk_rows)
    report = {
        "when": datetime.now(UTC).isoformat(), "cpus": os.cpu_count(), "seconds": args.seconds,
        "concurrency": args.concurrency, "repeat": args.repeat, "api": api, "stream": stream,
        "retention": retention, "wall_s": round(time.perf_counter() - began, 1),
        "load_before": load_before, "load_after": os.getloadavg()[0],
    }  # fmt: skip
    print_report(report)
    out = Path("var/bench") / f"scaling-{datetime.now(UTC).strftime('%Y%m%dT%H%M%S')}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=2))
    console.print(f"took {report['wall_s']:.0f} s; figures written to {out}")
    ok = (
        stream["exactly_once"] and stream["dead"] == 0 and api["logged"] == api["answered"]
        and retention["deleted"] == retention["expected_deleted"]
        and retention["left"] == retention["rows"] - retention["deleted"]
    )  # fmt: skip
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
