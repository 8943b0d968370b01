"""`fraudops stream`: replay a CSV as live transactions, in time order.

Pacing: `rate` sends at a fixed number per second; `speed` follows the file's `Time` column scaled by
that factor (speed 60 plays an hour in a minute); neither sends as fast as `concurrency` allows. With an
API URL each row is POSTed to /api/predict; with a broker URL it is published to the Redis stream that
`fraudops worker` consumes. Labels are stripped before sending and used only for the report.
"""

import asyncio
import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx2 as httpx
import numpy as np
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import redis.asyncio as aioredis
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from fraudops.core.ids import new_request_id
from fraudops.data.schema import ID_COLUMN, LABEL_COLUMN
from fraudops.stream.figures import decision_metrics, histogram, latency_summary


@dataclass
class Replay:
    file: Path
    api: str | None = None
    broker: str | None = None
    stream_key: str = "fraudops:transactions"
    rate: float | None = None
    speed: float | None = None
    concurrency: int = 8
    limit: int | None = None
    timeout_s: float = 10.0
    # Filled while running
    latencies_ms: list[float] = field(default_factory=list)
    labels: list[int] = field(default_factory=list)
    decisions: list[bool] = field(default_factory=list)
    errors: int = 0
    sent: int = 0

    def __post_init__(self) -> None:
        if (self.api is None) == (self.broker is None):
            raise ValueError("give exactly one of an API URL or a broker URL")
        if self.rate is not None and self.speed is not None:
            raise ValueError("give --rate or --speed, not both")


def load_rows(path: Path, limit: int | None) -> tuple[list[bytes], np.ndarray | None, np.ndarray]:
    """(JSON payloads without labels, labels or None, send offsets in file seconds), in time order."""
    table = pacsv.read_csv(path)
    table = table.take(pc.sort_indices(table, sort_keys=[("Time", "ascending")]))
    if limit is not None:
        table = table.slice(0, limit)
    labels = (
        table.column(LABEL_COLUMN).to_numpy().astype(np.int8) if LABEL_COLUMN in table.column_names else None
    )
    keep = [c for c in table.column_names if c != LABEL_COLUMN]
    payloads = [json.dumps(row).encode() for row in table.select(keep).to_pylist()]
    time_s = table.column("Time").to_numpy().astype(np.float64)
    return payloads, labels, time_s - (time_s[0] if len(time_s) else 0.0)


async def run(replay: Replay, console: Console | None = None) -> dict[str, Any]:
    payloads, labels, offsets = load_rows(replay.file, replay.limit)
    n = len(payloads)
    if replay.rate:
        schedule = np.arange(n) / replay.rate
    elif replay.speed:
        schedule = offsets / replay.speed
    else:
        schedule = None
    next_index = 0
    progress = Progress(
        TextColumn("[bold]streaming"), BarColumn(), MofNCompleteColumn(), TextColumn("{task.fields[status]}"),
        TimeElapsedColumn(), console=console, transient=False, disable=console is None,
    )  # fmt: skip
    task = progress.add_task("stream", total=n, status="")
    started = time.perf_counter()

    async def send_all(send: Any) -> None:
        nonlocal next_index
        while next_index < n:
            i = next_index
            next_index += 1
            if schedule is not None:
                delay = started + schedule[i] - time.perf_counter()
                if delay > 0:
                    await asyncio.sleep(delay)
            t0 = time.perf_counter()
            try:
                decision = await send(payloads[i])
            except Exception:
                replay.errors += 1
                decision = None
            replay.sent += 1
            if decision is not None:
                replay.latencies_ms.append((time.perf_counter() - t0) * 1e3)
                if labels is not None and isinstance(decision, bool):
                    replay.labels.append(int(labels[i]))
                    replay.decisions.append(decision)
            progress.update(task, advance=1, status=f"errors {replay.errors}")

    with progress:
        if replay.api is not None:
            limits = httpx.Limits(
                max_connections=replay.concurrency, max_keepalive_connections=replay.concurrency
            )
            async with httpx.AsyncClient(
                base_url=replay.api, limits=limits, timeout=replay.timeout_s
            ) as client:

                async def post(body: bytes) -> bool | None:
                    response = await client.post(
                        "/api/predict", content=body, headers={"content-type": "application/json"}
                    )
                    if response.status_code != 200:
                        replay.errors += 1
                        return None
                    return bool(response.json()["is_fraud"])

                await asyncio.gather(*(send_all(post) for _ in range(replay.concurrency)))
        else:
            assert replay.broker is not None
            broker = aioredis.from_url(replay.broker)
            try:

                async def publish(body: bytes) -> str:
                    fields = {"request_id": new_request_id(), "tx": body, "sent_at": repr(time.time())}
                    await broker.xadd(replay.stream_key, fields)  # type: ignore[arg-type]
                    return "published"

                await asyncio.gather(*(send_all(publish) for _ in range(replay.concurrency)))
            finally:
                await broker.aclose()
    seconds = time.perf_counter() - started
    latencies = np.array(replay.latencies_ms)
    return {
        "sent": replay.sent,
        "answered": len(latencies),
        "errors": replay.errors,
        "seconds": round(seconds, 3),
        "throughput_rps": round(len(latencies) / seconds, 1) if seconds > 0 else 0.0,
        "latency_ms": latency_summary(latencies),
        "histogram": histogram(latencies),
        "metrics": decision_metrics(np.array(replay.labels), np.array(replay.decisions)),
        "settings": {
            "rate": replay.rate, "speed": replay.speed, "concurrency": replay.concurrency,
            "limit": replay.limit, "id_column": ID_COLUMN,
        },
    }  # fmt: skip


def record(api: str, file: Path, target: str, summary: dict[str, Any]) -> int:
    """Store the run's figures through the API (listed by GET /api/streams); returns the run id."""
    response = httpx.post(
        f"{api.rstrip('/')}/api/streams",
        json={"source_file": file.name, "target": target, "summary": summary},
        timeout=10,
    )
    response.raise_for_status()
    return int(response.json()["id"])
