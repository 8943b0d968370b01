"""Training data (labeled rows) and training runs (the lock, the outcome)."""

from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from typing import Any

import numpy as np
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

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


def iter_labeled_transactions(
    session: Session, chunk_rows: int = 50_000
) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """Every labeled transaction of every training-role batch as (raw `[Time, V1..V28, Amount]`, labels)
    chunks, in time order (ties by batch, then row). Streams with a server-side cursor, so memory stays
    bounded."""
    t = transactions.c
    columns = [t[DB_COLUMN[c]] for c in FEATURE_COLUMNS]
    result = session.execute(
        select(*columns, t.label)
        .select_from(_TRAINING_ROWS)
        .where(t.label.is_not(None))
        .order_by(t.time, t.batch_id, t.row_number)
        .execution_options(stream_results=True, yield_per=chunk_rows)
    )
    for part in result.partitions(chunk_rows):
        data = np.array(part, dtype=np.float64).reshape(len(part), len(FEATURE_COLUMNS) + 1)
        yield data[:, :-1], data[:, -1].astype(np.int8)


def labeled_transactions(session: Session) -> tuple[np.ndarray, np.ndarray]:
    """All labeled transactions at once (see `iter_labeled_transactions`)."""
    raws, labels = [], []
    for raw, y in iter_labeled_transactions(session):
        raws.append(raw)
        labels.append(y)
    if not raws:
        return np.empty((0, len(FEATURE_COLUMNS))), np.empty(0, dtype=np.int8)
    return np.concatenate(raws), np.concatenate(labels)


def count_labeled_transactions(session: Session, after_time: float | None = None) -> int:
    """Labeled transactions of training-role batches, or only those with `Time` later than `after_time`."""
    query = select(func.count()).select_from(_TRAINING_ROWS).where(transactions.c.label.is_not(None))
    if after_time is not None:
        query = query.where(transactions.c.time > after_time)
    return session.scalar(query) or 0


def start_training_run(
    session: Session, trigger: str, options: dict[str, Any], pid: int | None = None
) -> TrainingRun | None:
    """Take the training lock: insert a `running` row and commit. None when another run holds it."""
    run = TrainingRun(
        status="running", trigger=trigger, options=options, pid=pid, started_at=datetime.now(UTC)
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


def expire_training_runs(session: Session, started_before: datetime, reason: str) -> int:
    """Mark `running` rows started before `started_before` as failed (a crashed or killed training)."""
    result = session.execute(
        update(TrainingRun)
        .where(TrainingRun.status == "running", TrainingRun.started_at < started_before)
        .values(status="failed", finished_at=datetime.now(UTC), error=reason)
    )
    session.commit()
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
