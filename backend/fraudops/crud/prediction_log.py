"""The prediction log: real-time decisions, appended in batches; counts and windows for drift."""

from datetime import datetime

import numpy as np
import pyarrow as pa
from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from fraudops.core import pgcopy
from fraudops.crud.bulk import bulk_insert, copy_binary
from fraudops.data.schema import DB_COLUMN, FEATURE_COLUMNS
from fraudops.tables import (
    prediction_log,
)


def append_prediction_log(session: Session, rows: pa.Table, idempotent: bool = False) -> None:
    """Add logged predictions. `idempotent` skips request ids already present (stream redeliveries)."""
    if not idempotent:
        bulk_insert(session, prediction_log, rows)
        return
    dialect = session.get_bind().dialect.name
    insert = postgresql_insert if dialect == "postgresql" else sqlite_insert
    session.execute(insert(prediction_log).on_conflict_do_nothing(), rows.to_pylist())


def append_encoded_prediction_log(session: Session, columns: list[str], rows: bytes) -> None:
    """Add logged predictions already encoded as binary COPY rows of `columns` (PostgreSQL only)."""
    copy_binary(session, prediction_log, columns, pgcopy.stream([rows]))


def prediction_log_count(session: Session, source: str | None = None) -> int:
    query = select(func.count()).select_from(prediction_log)
    if source is not None:
        query = query.where(prediction_log.c.source == source)
    return session.scalar(query) or 0


def prediction_log_window(
    session: Session, since: datetime | None, until: datetime | None, limit: int
) -> tuple[np.ndarray, np.ndarray]:
    """(raw features (n, 30), probabilities) of the latest `limit` logged predictions in [since, until)."""
    c = prediction_log.c
    query = select(*(c[DB_COLUMN[name]] for name in FEATURE_COLUMNS), c.probability)
    if since is not None:
        query = query.where(c.received_at >= since)
    if until is not None:
        query = query.where(c.received_at < until)
    rows = session.execute(query.order_by(c.received_at.desc()).limit(limit)).all()
    data = np.array(rows, dtype=np.float64).reshape(len(rows), len(FEATURE_COLUMNS) + 1)
    return data[:, :-1], data[:, -1]
