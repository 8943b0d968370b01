"""The prediction log's buffering: nothing lost or doubled around shutdown, overflow counted."""

import asyncio
import uuid
from datetime import UTC, datetime

import numpy as np
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from fraudops import crud
from fraudops.core import pgcopy
from fraudops.core.db import make_engine
from fraudops.core.migrate import upgrade_to_head
from fraudops.ml.scorer import Scorer
from fraudops.predlog import _ROW, Chunk, PredictionLog, _encoded_rows, encode_row, to_table
from fraudops.tables import prediction_log
from tests.conftest import create_postgres_database, drop_postgres_database


@pytest.fixture(scope="module")
def pg_engine():
    name, url = create_postgres_database("fraudops_predlog")
    upgrade_to_head(url)
    engine = make_engine(url)
    yield engine
    engine.dispose()
    drop_postgres_database(name)


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


def one_row_chunks(n: int, seed: int) -> list[Chunk]:
    """Requests as /api/predict records them, with every kind of value a row can hold."""
    rng = np.random.default_rng(seed)
    ids = [None, "tx-1", "é日本語", 'quote " comma, \\N', "line\nbreak", "x" * 200, 12345]
    chunks = []
    for i in range(n):
        probability = rng.random(1).astype(np.float32 if i % 3 == 0 else np.float64)
        reasons = {0: [{"feature": "V14", "value": float(rng.normal()), "contribution": 0.25}]}
        chunks.append(
            Chunk(
                request_ids=[uuid.uuid4().hex],
                received_at=datetime.now(UTC),
                source="api",
                external_ids=[None if (k := ids[i % len(ids)]) is None else str(k)],
                features=rng.normal(size=(1, 30)) * 10.0 ** rng.integers(-3, 9),
                probability=probability,
                is_fraud=probability >= 0.5,
                threshold=0.5,
                model_version=f"xgboost-{i % 2}",
                latency_ms=float(rng.random()) if i % 2 else rng.random(1),
                band=None if i % 5 == 0 else np.array([i % 3], np.int8),
                review_at=None if i % 5 == 0 else 0.25,
                decline_at=None if i % 5 == 0 else 0.5,
                reasons=reasons if i % 4 == 0 else None,
            )
        )
    return chunks


@pytest.mark.parametrize("seed", range(3))
def test_rows_encoded_on_arrival_are_the_bytes_the_table_path_writes(seed, model_dir):
    """Byte for byte, with a challenger deferred to flush time (seed 1) or already scored (seed 2: a write
    retried after the table path had scored it)."""
    chunks = one_row_chunks(60, seed)
    challenger = Scorer.load(model_dir)
    for i, c in enumerate(chunks):
        c.encoded = encode_row(c)
        if seed == 1 and i % 2:
            c.shadow_later = challenger
        elif seed == 2 and i % 2:
            c.shadow_probability, c.shadow_version = np.array([0.125 * (i % 8)]), "challenger-v2"
    encoded = b"".join(pgcopy.stream([_encoded_rows(chunks)]))
    assert all(c.shadow_later is None for c in chunks[::2])  # left as they were: none deferred
    table = to_table(chunks).select(_ROW.columns)  # scores the deferred ones itself
    if seed == 1:
        assert table.column("shadow_probability").null_count == 30
    assert encoded == b"".join(pgcopy.encode(prediction_log, table, chunk_rows=1_000))


def test_rows_encoded_on_arrival_store_what_the_table_path_stores(pg_engine):
    """On PostgreSQL the log writes one-row chunks as encoded on arrival and others through the table,
    in one transaction; both store the rows exactly as `to_table` has them."""
    requests, listed = one_row_chunks(40, seed=9), chunk(25)

    async def scenario() -> PredictionLog:
        log = PredictionLog(sessionmaker(pg_engine), flush_rows=10_000, flush_seconds=30)
        assert log.encode_rows
        for c in [*requests[:20], listed, *requests[20:]]:
            log.record(c)
        assert all(c.encoded is not None for c in requests) and listed.encoded is None
        await log.close()
        return log

    log = asyncio.run(scenario())
    assert (log.written, log.dropped, log.parked) == (65, 0, 0)
    expected = to_table([*requests, listed], reasons_as="objects").to_pylist()
    with Session(pg_engine) as session:
        stored = {
            row["request_id"]: row
            for row in session.execute(select(prediction_log)).mappings()  # every column
        }
    assert len(stored) == 65
    for want in expected:
        got = dict(stored[want["request_id"]])
        got.pop("label"), got.pop("labeled_at")
        assert got == want
