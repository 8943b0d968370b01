"""The prediction log's buffering: nothing lost or doubled around shutdown, overflow counted."""

import asyncio
import uuid
from datetime import UTC, datetime

import numpy as np
from sqlalchemy.orm import Session, sessionmaker

from fraudops import crud
from fraudops.predlog import Chunk, PredictionLog


def chunk(n: int) -> Chunk:
    rng = np.random.default_rng(n)
    return Chunk(
        request_ids=[uuid.uuid4().hex for _ in range(n)], received_at=datetime.now(UTC), source="api",
        external_ids=[None] * n, features=np.abs(rng.normal(size=(n, 30))), probability=rng.random(n),
        is_fraud=np.zeros(n, bool), threshold=0.5, model_version="test", latency_ms=0.3,
    )  # fmt: skip


def test_close_during_a_write_neither_loses_nor_doubles(engine):
    async def scenario() -> PredictionLog:
        log = PredictionLog(sessionmaker(engine), flush_rows=10, flush_seconds=30)
        log.start()
        log.record(chunk(20_000))  # wakes the flusher, whose write takes a while
        await asyncio.sleep(0.05)
        log.record(chunk(7))  # arrives while that write is in flight
        await log.close()
        return log

    log = asyncio.run(scenario())
    assert (log.written, log.pending, log.dropped) == (20_007, 0, 0)
    with Session(engine) as session:
        assert crud.prediction_log_count(session) == 20_007


def test_overflow_is_dropped_and_counted_never_blocking(engine):
    async def scenario() -> PredictionLog:
        log = PredictionLog(sessionmaker(engine), flush_rows=1_000, flush_seconds=30, max_pending=10)
        for _ in range(4):
            log.record(chunk(4))  # the third and fourth do not fit
        await log.close()
        return log

    log = asyncio.run(scenario())
    assert (log.written, log.dropped) == (8, 8)
