"""Hostile load against a real server on loopback (PostgreSQL): 8 concurrent uploads, 10,000 single
predictions from 4 keep-alive clients, and an 80 MB JSON body, all at once. Prints the predictions'
latency percentiles, how fast the hostile body was refused, and checks every row is accounted for.

Usage: python backend/benchmarks/hostile_load.py [--predictions N] [--uploads N] [--rows-per-upload N]
Not a timed test: figures are printed for the closing note / docs, nothing is asserted against them.
"""

import argparse
import http.client
import json
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

import psycopg

from benchmarks.bench import app_server, database
from fraudops.data import synthetic

BOUNDARY = "hostileloadboundary"


def multipart(data: bytes, name: str) -> bytes:
    head = (
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="{name}"\r\n'
        "Content-Type: text/csv\r\n\r\n"
    ).encode()
    return head + data + f"\r\n--{BOUNDARY}--\r\n".encode()


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--predictions", type=int, default=10_000)
    parser.add_argument("--uploads", type=int, default=8)
    parser.add_argument("--rows-per-upload", type=int, default=20_000)
    parser.add_argument("--hostile-mb", type=int, default=80)
    args = parser.parse_args()

    root = Path(__file__).resolve().parents[2]
    work = Path(tempfile.mkdtemp(prefix="hostile-load-"))
    files = []
    for i in range(args.uploads):
        path = work / f"upload-{i}.csv"
        synthetic.write_csv(synthetic.generate(args.rows_per_upload, seed=100 + i), path)
        files.append(path.read_bytes())
    rows = synthetic.generate(2_000, seed=9).to_pylist()
    bodies = [json.dumps(row | {"id": f"load-{i}"}).encode() for i, row in enumerate(rows)]
    hostile = b"[" + b",".join([json.dumps(rows[0]).encode()] * (args.hostile_mb * 1024 * 1024 // 700)) + b"]"

    with (
        database("postgresql", work) as url,
        app_server(url, root / "backend/models/champion", work) as (_, port),
    ):
        latencies: list[float] = []
        statuses: dict[str, list[int]] = {"upload": [], "predict": [], "hostile": []}
        hostile_seconds: list[float] = []
        lock = threading.Lock()
        start = threading.Barrier(args.uploads + 4 + 1)

        def upload(i: int) -> None:
            body = multipart(files[i], f"upload-{i}.csv")
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=300)
            start.wait()
            conn.request(
                "POST", "/api/batches", body, {"Content-Type": f"multipart/form-data; boundary={BOUNDARY}"}
            )
            status = conn.getresponse()
            status.read()
            with lock:
                statuses["upload"].append(status.status)

        def predictor(share: int) -> None:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            start.wait()
            for n in range(share):
                t0 = time.perf_counter()
                conn.request(
                    "POST", "/api/predict", bodies[n % len(bodies)], {"Content-Type": "application/json"}
                )
                response = conn.getresponse()
                response.read()
                elapsed = time.perf_counter() - t0
                with lock:
                    latencies.append(elapsed * 1e3)
                    statuses["predict"].append(response.status)

        def hostile_body() -> None:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            start.wait()
            time.sleep(0.5)  # in the middle of the rest
            t0 = time.perf_counter()
            try:
                conn.request("POST", "/api/predict", hostile, {"Content-Type": "application/json"})
                response = conn.getresponse()
                response.read()
                status = response.status
            except (BrokenPipeError, ConnectionResetError):  # refused before the body was all sent
                status = 413
            hostile_seconds.append(time.perf_counter() - t0)
            with lock:
                statuses["hostile"].append(status)

        threads = [threading.Thread(target=upload, args=(i,)) for i in range(args.uploads)]
        threads += [threading.Thread(target=predictor, args=(args.predictions // 3,)) for _ in range(3)]
        threads += [threading.Thread(target=hostile_body)]
        for t in threads:
            t.start()
        began = time.perf_counter()
        start.wait()
        for t in threads:
            t.join()
        wall = time.perf_counter() - began
        time.sleep(1.5)  # the prediction log's last flush

        with psycopg.connect(url.replace("postgresql+psycopg", "postgresql")) as conn:
            batches, stored = conn.execute(
                "SELECT count(*), coalesce(sum(row_count), 0) FROM batches"
            ).fetchone()
            transactions = conn.execute("SELECT count(*) FROM transactions").fetchone()[0]
            logged = conn.execute("SELECT count(*) FROM prediction_log WHERE source = 'api'").fetchone()[0]

    sent_predictions = len(latencies)
    q = statistics.quantiles(latencies, n=100)
    print(
        f"wall {wall:.1f} s; uploads {statuses['upload']}; "
        f"hostile {statuses['hostile']} in {hostile_seconds[0] * 1e3:.0f} ms"
    )
    print(
        f"predictions: {sent_predictions} sent, statuses {sorted(set(statuses['predict']))}, "
        f"p50 {q[49]:.2f} ms, p90 {q[89]:.2f} ms, p99 {q[98]:.2f} ms, max {max(latencies):.1f} ms"
    )
    print(
        f"accounted: batches {batches}/{args.uploads}, "
        f"rows {transactions}/{args.uploads * args.rows_per_upload} "
        f"(batches say {stored}), prediction_log {logged}/{sent_predictions}"
    )
    ok = (
        batches == args.uploads and transactions == stored == args.uploads * args.rows_per_upload
        and logged == sent_predictions and statuses["hostile"] == [413]
    )  # fmt: skip
    print("every row accounted for" if ok else "MISMATCH")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
