"""Training data (labeled rows) and training runs (the lock, the outcome)."""

from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from typing import Any

import numpy as np
from sqlalchemy import ColumnElement, Double, Select, cast, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from fraudops.core import pgcopy
from fraudops.data.schema import DB_COLUMN, FEATURE_COLUMNS
from fraudops.tables import (
    Batch,
    TrainingRun,
    transactions,
)

# Training reads the labeled rows of training-role batches only: an evaluation batch (a holdout) never
# trains, validates or gates a model.
_batches = Batch.__table__.c
_TRAINING_ROWS = transactions.join(
    Batch.__table__, (_batches.id == transactions.c.batch_id) & (_batches.role == "training")
)


def _labeled_query() -> Select[Any]:
    t = transactions.c
    return (
        select(*(t[DB_COLUMN[c]] for c in FEATURE_COLUMNS), t.label)
        .select_from(_TRAINING_ROWS)
        .where(t.label.is_not(None))
        .order_by(t.time, t.batch_id, t.row_number)
    )


def iter_labeled_transactions(
    session: Session, chunk_rows: int = 50_000
) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """Every labeled transaction of every training-role batch as (raw `[Time, V1..V28, Amount]`, labels)
    chunks, in time order (ties by batch, then row), with bounded memory.

    On PostgreSQL the rows come as one binary COPY parsed straight into arrays: 5,000,000 rows through the
    driver's row objects took minutes, the COPY takes seconds. Elsewhere (SQLite) a server-side cursor
    streams them."""
    if session.get_bind().dialect.name == "postgresql":
        yield from _copy_labeled(session, chunk_rows)
        return
    result = session.execute(_labeled_query().execution_options(stream_results=True, yield_per=chunk_rows))
    for part in result.partitions(chunk_rows):
        data = np.array(part, dtype=np.float64).reshape(len(part), len(FEATURE_COLUMNS) + 1)
        yield data[:, :-1], data[:, -1].astype(np.int8)


def _copy_labeled(session: Session, chunk_rows: int) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    query = _labeled_query()
    *features, label = query.selected_columns
    query = query.with_only_columns(*features, cast(label, Double))  # every field a float8
    sql = query.compile(dialect=session.get_bind().dialect, compile_kwargs={"literal_binds": True})
    dbapi = session.connection().connection.driver_connection
    assert dbapi is not None
    with dbapi.cursor() as cursor, cursor.copy(f"COPY ({sql}) TO STDOUT (FORMAT binary)") as copy:
        for values in pgcopy.decode_float8(copy, len(features) + 1, chunk_rows):
            yield values[:, :-1], values[:, -1].astype(np.int8)


def labeled_transactions(
    session: Session,
    tail: tuple[np.ndarray, np.ndarray] | None = None,
    dtype: type[np.floating[Any]] = np.float64,
) -> tuple[np.ndarray, np.ndarray]:
    """All labeled transactions at once (see `iter_labeled_transactions`), with the `tail` rows (e.g. the
    labeled feedback) after them; `dtype` is the raw array's.

    The arrays are sized from a count and filled chunk by chunk, so the peak is the result plus one chunk
    (concatenating the chunks held every row twice: 2.4 GB more at 5,000,000 rows). Rows committed between
    the count and the read are still taken (the arrays grow), rows deleted in between are not left as zeros.
    """
    width = len(FEATURE_COLUMNS)
    extra_raw = np.empty((0, width)) if tail is None else tail[0]
    extra_y = np.empty(0, dtype=np.int8) if tail is None else tail[1]
    capacity = count_labeled_transactions(session) + len(extra_y)
    raw, y = np.empty((capacity, width), dtype=dtype), np.empty(capacity, dtype=np.int8)
    filled = 0
    for part_raw, part_y in iter_labeled_transactions(session):
        if filled + len(part_y) + len(extra_y) > len(y):  # grown since the count: rare, so doubling is fine
            size = max(2 * len(y), filled + len(part_y) + len(extra_y))
            raw, y = np.resize(raw, (size, width)), np.resize(y, size)
        raw[filled : filled + len(part_y)], y[filled : filled + len(part_y)] = part_raw, part_y
        filled += len(part_y)
    raw[filled : filled + len(extra_y)], y[filled : filled + len(extra_y)] = extra_raw, extra_y
    filled += len(extra_y)
    return raw[:filled], y[:filled]


def count_labeled_transactions(session: Session, after_time: float | None = None) -> int:
    """Labeled transactions of training-role batches, or only those with `Time` later than `after_time`."""
    query = select(func.count()).select_from(_TRAINING_ROWS).where(transactions.c.label.is_not(None))
    if after_time is not None:
        query = query.where(transactions.c.time > after_time)
    return session.scalar(query) or 0


def start_training_run(
    session: Session, trigger: str, options: dict[str, Any], pid: int | None = None, host: str | None = None
) -> TrainingRun | None:
    """Take the training lock: insert a `running` row and commit. None when another run holds it."""
    run = TrainingRun(
        status="running", trigger=trigger, options=options, pid=pid, host=host, started_at=datetime.now(UTC)
    )
    session.add(run)
    try:
        session.commit()
    except IntegrityError:  # the partial unique index: one running row at most
        session.rollback()
        return None
    return run


def finish_training_run(session: Session, run_id: int, status: str, **outcome: Any) -> None:
    """Record a run's outcome (status `succeeded` or `failed`) and release the lock."""
    session.execute(
        update(TrainingRun)
        .where(TrainingRun.id == run_id)
        .values(status=status, finished_at=datetime.now(UTC), **outcome)
    )
    session.commit()


def set_training_run_pid(session: Session, run_id: int, pid: int) -> None:
    session.execute(update(TrainingRun).where(TrainingRun.id == run_id).values(pid=pid))
    session.commit()


def get_training_run(session: Session, run_id: int) -> TrainingRun | None:
    return session.get(TrainingRun, run_id)


def running_training_run(session: Session) -> TrainingRun | None:
    return session.scalars(select(TrainingRun).where(TrainingRun.status == "running")).one_or_none()


def list_training_runs(session: Session, offset: int, limit: int) -> tuple[Sequence[TrainingRun], int]:
    rows = session.scalars(
        select(TrainingRun).order_by(TrainingRun.id.desc()).offset(offset).limit(limit)
    ).all()
    return rows, session.scalar(select(func.count()).select_from(TrainingRun)) or 0


def last_database_training(session: Session) -> TrainingRun | None:
    """The latest successful training on the database's rows (not on a CSV file)."""
    runs = session.scalars(
        select(TrainingRun).where(TrainingRun.status == "succeeded").order_by(TrainingRun.id.desc()).limit(20)
    ).all()
    return next((r for r in runs if not (r.options or {}).get("csv")), None)


def fail_running_training_run(session: Session, run_id: int, reason: str) -> int:
    """Mark run `run_id` failed if it is still `running` (its process is gone); 1 when it was."""
    return _fail_running(session, TrainingRun.id == run_id, reason)


def expire_training_runs(session: Session, started_before: datetime, reason: str) -> int:
    """Mark `running` rows started before `started_before` as failed (a crashed or killed training)."""
    return _fail_running(session, TrainingRun.started_at < started_before, reason)


def _fail_running(session: Session, which: ColumnElement[bool], reason: str) -> int:
    """Mark the `running` rows that `which` selects as failed with `reason` and commit; how many were."""
    result = session.execute(
        update(TrainingRun)
        .where(TrainingRun.status == "running", which)
        .values(status="failed", finished_at=datetime.now(UTC), error=reason)
    )
    session.commit()
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
