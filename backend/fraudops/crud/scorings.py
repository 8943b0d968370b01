"""Batch scorings: a stored batch scored again by one model version, its progress and its scores; and the
scores of a (batch, version) pair wherever they live (the batch's own predictions or a scoring)."""

from collections.abc import Iterator, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
import pyarrow as pa
from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from fraudops.crud.bulk import bulk_insert, refresh_statistics
from fraudops.data.schema import DB_COLUMN, FEATURE_COLUMNS
from fraudops.tables import Batch, BatchScoring, batch_scores, predictions, transactions

# A scoring still `queued` or `running` after this long is taken for dead (a server stopped midway) and may
# start again. A full-size batch (285k rows) scores in seconds, so this is generous.
STALE_AFTER = timedelta(minutes=30)


def get_scoring(session: Session, scoring_id: int) -> BatchScoring | None:
    return session.get(BatchScoring, scoring_id)


def find_scoring(session: Session, batch_id: int, version: str) -> BatchScoring | None:
    return session.scalars(
        select(BatchScoring).where(BatchScoring.batch_id == batch_id, BatchScoring.model_version == version)
    ).one_or_none()


def list_scorings(session: Session, batch_id: int) -> Sequence[BatchScoring]:
    return session.scalars(
        select(BatchScoring).where(BatchScoring.batch_id == batch_id).order_by(BatchScoring.id)
    ).all()


def is_stale(scoring: BatchScoring, now: datetime | None = None) -> bool:
    started = scoring.created_at if scoring.created_at.tzinfo else scoring.created_at.replace(tzinfo=UTC)
    return (now or datetime.now(UTC)) - started > STALE_AFTER


def queue_scoring(session: Session, batch: Batch, version: str) -> tuple[BatchScoring, bool]:
    """(the scoring of this batch by `version`, whether it must run now) and commit.

    A done scoring is reused; a failed or stale one starts again with its old scores removed; a queued or
    running one is returned as it is (the caller answers 409)."""
    scoring = find_scoring(session, batch.id, version)
    if scoring is not None:
        if scoring.status == "done" or (scoring.status in ("queued", "running") and not is_stale(scoring)):
            return scoring, False
        session.execute(delete(batch_scores).where(batch_scores.c.scoring_id == scoring.id))
        scoring.status, scoring.rows_done, scoring.error = "queued", 0, None
        scoring.metrics, scoring.threshold, scoring.finished_at = None, None, None
        scoring.created_at = datetime.now(UTC)
        session.commit()
        return scoring, True
    scoring = BatchScoring(
        batch_id=batch.id,
        model_version=version,
        status="queued",
        rows_done=0,
        row_count=batch.row_count,
        created_at=datetime.now(UTC),
    )
    session.add(scoring)
    try:
        session.commit()
    except IntegrityError:  # the same request twice at once: the other one queued it
        session.rollback()
        existing = find_scoring(session, batch.id, version)
        if existing is None:
            raise
        return existing, False
    return scoring, True


def set_scoring(session: Session, scoring_id: int, **values: Any) -> None:
    session.execute(update(BatchScoring).where(BatchScoring.id == scoring_id).values(**values))
    session.commit()


def add_scores(session: Session, scoring_id: int, first_row: int, probability: np.ndarray) -> None:
    """Store one chunk of scores (rows `first_row`…). The caller commits."""
    n = len(probability)
    rows = pa.table(
        [
            pa.array(np.full(n, scoring_id, dtype=np.int64)),
            pa.array(np.arange(first_row, first_row + n, dtype=np.int64)),
            pa.array(probability, pa.float64()),
        ],
        names=["scoring_id", "row_number", "probability"],
    )
    bulk_insert(session, batch_scores, rows)


def refresh_scores_statistics(session: Session, rows: int) -> list[str]:
    """After a scoring of `rows` rows finished: the planner's statistics of the scores table."""
    return refresh_statistics(session, [batch_scores], rows)


def iter_batch_features(
    session: Session, batch_id: int, chunk_rows: int = 50_000
) -> Iterator[tuple[int, np.ndarray]]:
    """(first row number, raw `[Time, V1..V28, Amount]` rows) chunks of a batch, in row order.

    Keyset pages (row_number > last), each its own short query, so the caller may write and commit
    between chunks on the same session (SQLite would refuse a write under an open read cursor)."""
    t = transactions.c
    after = -1
    while True:
        part = session.execute(
            select(t.row_number, *(t[DB_COLUMN[c]] for c in FEATURE_COLUMNS))
            .where(t.batch_id == batch_id, t.row_number > after)
            .order_by(t.row_number)
            .limit(chunk_rows)
        ).all()
        if not part:
            return
        data = np.array(part, dtype=np.float64).reshape(len(part), len(FEATURE_COLUMNS) + 1)
        after = int(data[-1, 0])
        yield int(data[0, 0]), data[:, 1:]


def batch_labels(session: Session, batch_id: int) -> np.ndarray:
    """Labels of a batch in row order; -1 where the file had none."""
    t = transactions.c
    rows = session.execute(select(t.label).where(t.batch_id == batch_id).order_by(t.row_number)).scalars()
    return np.array([-1 if v is None else v for v in rows], dtype=np.int8)


def version_scores(session: Session, batch: Batch, version: str) -> np.ndarray | None:
    """Scores of every row of `batch` by `version` in row order: the batch's own predictions when it was
    scored by that version at upload, else a done scoring's; None when there are none."""
    if batch.model_version == version:
        p = predictions.c
        query = select(p.probability).where(p.batch_id == batch.id).order_by(p.row_number)
    else:
        scoring = find_scoring(session, batch.id, version)
        if scoring is None or scoring.status != "done":
            return None
        s = batch_scores.c
        query = select(s.probability).where(s.scoring_id == scoring.id).order_by(s.row_number)
    return np.fromiter(session.execute(query).scalars(), dtype=np.float64)


def version_threshold(session: Session, batch: Batch, version: str) -> float | None:
    if batch.model_version == version:
        return batch.threshold
    scoring = find_scoring(session, batch.id, version)
    return scoring.threshold if scoring is not None else None


def delete_batch_scorings(session: Session, batch_id: int) -> None:
    """Remove every scoring of a batch with its scores (for deleting a batch). The caller commits."""
    ids = list(session.scalars(select(BatchScoring.id).where(BatchScoring.batch_id == batch_id)))
    if ids:
        session.execute(delete(batch_scores).where(batch_scores.c.scoring_id.in_(ids)))
        session.execute(delete(BatchScoring).where(BatchScoring.id.in_(ids)))
