"""Retention of the prediction log, on SQLite and PostgreSQL: old unlabeled rows go in chunks, new and
labeled rows (and their label history) stay, uploaded batches are never touched."""

import asyncio
import logging
import os
import re
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import Engine, insert, select
from sqlalchemy.orm import Session, sessionmaker

from fraudops import crud
from fraudops.core.config import Settings
from fraudops.core.db import make_engine
from fraudops.data.schema import DB_COLUMN, FEATURE_COLUMNS
from fraudops.predlog import Chunk, to_table
from fraudops.retention import apply_retention, supervise_retention
from fraudops.tables import Batch, label_events, prediction_log, transactions
from tests.conftest import app_settings

NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)


def retention_settings(database_url: str, workdir: Path, days: int = 30, chunk: int = 5_000) -> Settings:
    # No model is loaded by retention: the folder need not exist.
    return app_settings(
        database_url, workdir / "no-model", workdir, retention_days=days, retention_chunk_rows=chunk
    )


def log_rows(engine: Engine, prefix: str, n: int, received_at: datetime) -> list[str]:
    """Write `n` predictions received at `received_at` through the log's own write path."""
    ids = [f"{prefix}-{i}" for i in range(n)]
    rng = np.random.default_rng(len(prefix) + n)
    chunk = Chunk(
        request_ids=ids, received_at=received_at, source="api", external_ids=[None] * n,
        features=np.abs(rng.normal(size=(n, 30))), probability=rng.random(n), is_fraud=np.zeros(n, bool),
        threshold=0.5, model_version="test", latency_ms=0.3,
    )  # fmt: skip
    with Session(engine) as session:
        crud.append_prediction_log(session, to_table([chunk]))
        session.commit()
    return ids


def label(engine: Engine, ids: list[str], value: int = 1) -> None:
    with Session(engine) as session:
        crud.apply_labels(session, dict.fromkeys(ids, value), source="feedback", actor="test")
        session.commit()


def logged_ids(engine: Engine) -> set[str]:
    with Session(engine) as session:
        return set(session.scalars(select(prediction_log.c.request_id)))


def test_old_unlabeled_rows_go_new_and_labeled_rows_stay(engine, database_url, tmp_path):
    old = log_rows(engine, "old", 30, NOW - timedelta(days=40))
    log_rows(engine, "edge-old", 3, NOW - timedelta(days=30, seconds=1))
    edge_new = log_rows(engine, "edge-new", 3, NOW - timedelta(days=30) + timedelta(seconds=1))
    new = log_rows(engine, "new", 20, NOW - timedelta(days=1))
    label(engine, old[:4], 1)
    label(engine, old[4:5], 0)  # a "not fraud" label is training data just the same
    label(engine, new[:2], 1)
    label(engine, old[:1], 0)  # a changed label: two events for one row

    result = apply_retention(sessionmaker(engine), retention_settings(database_url, tmp_path), now=NOW)

    assert result.enabled and not result.dry_run
    assert result.cutoff == NOW - timedelta(days=30)
    assert (result.deleted, result.kept_labeled) == (25 + 3, 5)
    assert logged_ids(engine) == set(old[:5]) | set(edge_new) | set(new)  # edge_old went
    with Session(engine) as session:
        events = session.scalars(select(label_events.c.request_id)).all()
        assert sorted(events) == sorted([*old[:4], old[4], *new[:2], old[0]])
        assert [e["label"] for e in crud.label_history(session, old[0])] == [1, 0]
        # Training still reads every labeled row.
        _, labels = crud.labeled_feedback(session)
        assert len(labels) == 7


def test_a_row_with_label_events_is_kept_even_without_a_label(engine, database_url, tmp_path):
    """The history must never lose its row, whatever state the row's own label column is in."""
    ids = log_rows(engine, "old", 3, NOW - timedelta(days=90))
    with Session(engine) as session:
        session.execute(
            insert(label_events),
            [{"created_at": NOW, "request_id": ids[0], "label": 1, "source": "review"}],
        )
        session.commit()

    result = apply_retention(sessionmaker(engine), retention_settings(database_url, tmp_path), now=NOW)

    assert (result.deleted, result.kept_labeled) == (2, 1)
    assert logged_ids(engine) == {ids[0]}


def test_deletes_in_chunks_beyond_the_chunk_size(engine, database_url, tmp_path):
    old = log_rows(engine, "old", 50, NOW - timedelta(days=31))
    keep = log_rows(engine, "new", 5, NOW)
    settings = retention_settings(database_url, tmp_path, chunk=7)

    result = apply_retention(sessionmaker(engine), settings, now=NOW)

    assert (result.deleted, result.chunks) == (50, 8)  # 7 full chunks, then one of 1 ends it
    assert logged_ids(engine) == set(keep)
    assert not set(old) & logged_ids(engine)
    again = apply_retention(sessionmaker(engine), settings, now=NOW)
    assert (again.deleted, again.chunks) == (0, 1)


def test_concurrent_passes_share_the_work_without_double_counting(engine, database_url, tmp_path):
    """Several API processes may run retention at once: together they delete each row once."""
    old = log_rows(engine, "old", 300, NOW - timedelta(days=31))
    keep = log_rows(engine, "new", 10, NOW)
    settings = retention_settings(database_url, tmp_path, chunk=10)
    with ThreadPoolExecutor(3) as pool:
        results = list(pool.map(lambda _: apply_retention(sessionmaker(engine), settings, now=NOW), range(3)))
    assert sum(r.deleted for r in results) == len(old)
    assert logged_ids(engine) == set(keep)


def test_dry_run_counts_and_changes_nothing(engine, database_url, tmp_path):
    old = log_rows(engine, "old", 12, NOW - timedelta(days=45))
    new = log_rows(engine, "new", 4, NOW)
    label(engine, old[:2])
    with Session(engine) as session:
        before = crud.table_counts(session)

    result = apply_retention(
        sessionmaker(engine), retention_settings(database_url, tmp_path, chunk=3), now=NOW, dry_run=True
    )

    assert result.dry_run and (result.deleted, result.kept_labeled, result.chunks) == (10, 2, 0)
    assert logged_ids(engine) == set(old) | set(new)
    with Session(engine) as session:
        assert crud.table_counts(session) == before


def test_zero_days_turns_retention_off(engine, database_url, tmp_path):
    ids = log_rows(engine, "ancient", 5, NOW - timedelta(days=3_650))

    result = apply_retention(
        sessionmaker(engine), retention_settings(database_url, tmp_path, days=0), now=NOW
    )

    assert (result.enabled, result.deleted, result.cutoff) == (False, 0, None)
    assert logged_ids(engine) == set(ids)


def test_uploaded_batches_are_never_touched(engine, database_url, tmp_path):
    """Batches are training data and an admin deletes them explicitly (DELETE /api/batches/{id})."""
    with Session(engine) as session:
        batch = Batch(
            sha256="0" * 64, filename="old.csv", created_at=NOW - timedelta(days=400), row_count=2,
            labeled=True, fraud_count=1, flagged_count=1, threshold=0.5, model_version="test", timings={},
        )  # fmt: skip
        session.add(batch)
        session.flush()
        row = {DB_COLUMN[c]: 1.0 for c in FEATURE_COLUMNS}
        session.execute(
            insert(transactions),
            [{"batch_id": batch.id, "row_number": i, "external_id": None, **row, "label": i} for i in (0, 1)],
        )
        session.commit()
        before = crud.table_counts(session)
    log_rows(engine, "old", 4, NOW - timedelta(days=400))

    result = apply_retention(
        sessionmaker(engine), retention_settings(database_url, tmp_path, days=1), now=NOW
    )

    assert result.deleted == 4
    with Session(engine) as session:
        assert crud.table_counts(session) == before


def test_the_supervisor_applies_retention_periodically(engine, database_url, tmp_path):
    settings = retention_settings(database_url, tmp_path, days=1)
    two_days_ago = datetime.now(UTC) - timedelta(days=2)
    early = log_rows(engine, "early", 3, two_days_ago)

    async def gone(ids: list[str]) -> bool:
        for _ in range(100):
            if not logged_ids(engine) & set(ids):
                return True
            await asyncio.sleep(0.05)
        return False

    async def scenario() -> tuple[bool, bool]:
        task = asyncio.create_task(supervise_retention(sessionmaker(engine), settings, interval_s=0.05))
        first = await gone(early)
        late = log_rows(engine, "late", 3, two_days_ago)  # written after the first pass: a later one takes it
        second = await gone(late)
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        return first, second

    assert asyncio.run(scenario()) == (True, True)
    assert logged_ids(engine) == set()


def test_the_supervisor_survives_an_unreachable_database(database_url, tmp_path, caplog):
    """A failed pass is logged and retried; the loop never raises."""
    dead = make_engine("postgresql+psycopg://postgres@127.0.0.1:1/nowhere")  # nothing listens on port 1
    settings = retention_settings(database_url, tmp_path, days=1)

    async def scenario() -> asyncio.Task[None]:
        task = asyncio.create_task(supervise_retention(sessionmaker(dead), settings, interval_s=0.02))
        await asyncio.sleep(0.5)
        assert not task.done()  # still looping, not crashed
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        return task

    with caplog.at_level(logging.WARNING, logger="fraudops.retention"):
        asyncio.run(scenario())
    dead.dispose()
    assert sum("retention pass failed" in r.getMessage() for r in caplog.records) >= 3


def test_the_supervisor_returns_at_once_when_off(engine, database_url, tmp_path):
    settings = retention_settings(database_url, tmp_path, days=0)
    asyncio.run(asyncio.wait_for(supervise_retention(sessionmaker(engine), settings, interval_s=3_600), 1))


@pytest.mark.parametrize("dry_run", [True, False])
def test_the_cli_command(engine, database_url, tmp_path, dry_run):
    ids = log_rows(engine, "old", 6, datetime.now(UTC) - timedelta(days=10))
    label(engine, ids[:1])
    env = os.environ | {"DATABASE_URL": database_url, "RETENTION_DAYS": "7", "RETENTION_CHUNK_ROWS": "2"}
    cmd = [sys.executable, "-m", "fraudops.cli", "retention", *(["--dry-run"] if dry_run else [])]

    done = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=60, check=True)

    output = " ".join(done.stderr.split())
    expected = (
        r"would delete 5 " if dry_run else r"deleted \(in 3 chunk\(s\), [\d.]+ s\) 5 "
    )  # chunks: 2, 2, 1
    assert re.search(expected + "prediction-log rows", output), output
    assert "kept 1 labeled" in output, output
    assert logged_ids(engine) == (set(ids) if dry_run else {ids[0]})


def test_the_cli_says_when_retention_is_off(database_url):
    env = os.environ | {"DATABASE_URL": database_url, "RETENTION_DAYS": "0"}
    cmd = [sys.executable, "-m", "fraudops.cli", "retention"]
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=60, check=True)
    assert "retention is off" in done.stderr
