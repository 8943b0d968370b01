"""Retention: prediction-log rows older than `RETENTION_DAYS` are deleted, in bounded chunks.

Kept whatever their age:
- labeled rows (a label from feedback or review, or any label event): they are training data for the next
  model, and their label history (`label_events`, joined by request id) keeps pointing at a row;
- uploaded batches (`batches`, `transactions`, `predictions`, `prediction_reasons`): training data too; an
  admin deletes one explicitly (`DELETE /api/batches/{id}`).
Nothing references `prediction_log` by foreign key, so a deleted row leaves nothing behind.

Each chunk is a transaction of its own that deletes at most `RETENTION_CHUNK_ROWS` rows by primary key, so
locks are held for one short statement and the log's writers and feedback never queue behind a long
delete. On PostgreSQL a chunk skips rows another transaction has locked (feedback labelling one right now),
so several API processes running retention at once neither block nor double-count each other.
"""

import asyncio
import logging
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import ColumnElement, and_, exists, func, not_, or_, select
from sqlalchemy.orm import Session, sessionmaker

from fraudops.core.config import Settings
from fraudops.tables import label_events, prediction_log

log = logging.getLogger(__name__)

# After a failed pass (the database away), try again after this long, doubling up to the interval.
_RETRY_FIRST_S = 5.0


@dataclass(frozen=True)
class RetentionResult:
    enabled: bool
    dry_run: bool
    cutoff: datetime | None  # rows received before this instant are old
    deleted: int  # rows deleted (a dry run: rows that would be)
    kept_labeled: int  # old rows kept because they carry a label
    chunks: int  # delete statements run (each its own transaction)
    seconds: float


def _has_events() -> ColumnElement[bool]:
    return exists().where(label_events.c.request_id == prediction_log.c.request_id)


def _has_label() -> ColumnElement[bool]:
    return or_(prediction_log.c.label.is_not(None), _has_events())


def _expired(cutoff: datetime) -> ColumnElement[bool]:
    c = prediction_log.c
    return and_(c.received_at < cutoff, c.label.is_(None), not_(_has_events()))


def apply_retention(
    session_factory: sessionmaker[Session],
    settings: Settings,
    now: datetime | None = None,
    dry_run: bool = False,
) -> RetentionResult:
    """Delete unlabeled prediction-log rows received more than `retention_days` before `now`.

    Guarantee: a row with a label (or any label event) is never deleted, and neither is any row of an
    uploaded batch. `retention_days` 0 turns retention off (nothing is read or written)."""
    started = time.perf_counter()
    if settings.retention_days <= 0:
        return RetentionResult(False, dry_run, None, 0, 0, 0, 0.0)
    cutoff = (now or datetime.now(UTC)) - timedelta(days=settings.retention_days)
    c = prediction_log.c
    with session_factory() as session:
        old_labeled = select(func.count()).where(c.received_at < cutoff, _has_label())
        kept = session.scalar(old_labeled) or 0
        if dry_run:
            expired = session.scalar(select(func.count()).where(_expired(cutoff))) or 0
            return RetentionResult(True, True, cutoff, expired, kept, 0, time.perf_counter() - started)
    deleted = chunks = 0
    size = settings.retention_chunk_rows
    while True:
        n = _delete_chunk(session_factory, cutoff, size)
        chunks += 1
        deleted += n
        if n < size:
            break
    return RetentionResult(True, False, cutoff, deleted, kept, chunks, time.perf_counter() - started)


def _delete_chunk(session_factory: sessionmaker[Session], cutoff: datetime, size: int) -> int:
    """Delete up to `size` expired rows in one short transaction; returns how many went."""
    c = prediction_log.c
    with session_factory() as session:
        chunk = select(c.request_id).where(_expired(cutoff)).limit(size)
        if session.get_bind().dialect.name == "postgresql":
            # Materialized, so the chunk is chosen once: as a plain `IN (subquery)` PostgreSQL may rescan
            # the subquery per outer row, each rescan skipping the rows this statement already deleted,
            # and one "chunk" then deleted every expired row (seen in the tests: 50 rows, chunk 7).
            doomed = chunk.with_for_update(skip_locked=True).cte("doomed").prefix_with("MATERIALIZED")
            chunk = select(doomed.c.request_id)
        # (SQLite runs the plain subquery once, and reports no row count for a statement led by WITH.)
        # The condition again on the outer statement: a row labeled between the two reads stays.
        result = session.execute(prediction_log.delete().where(_expired(cutoff), c.request_id.in_(chunk)))
        session.commit()
        return int(result.rowcount or 0)  # type: ignore[attr-defined]


async def supervise_retention(
    session_factory: sessionmaker[Session], settings: Settings, interval_s: float
) -> None:
    """Apply retention now and every `interval_s` seconds (returns at once when it is off). Never
    raises: a failed pass (the database away, a timeout) is logged and tried again sooner, with backoff."""
    if settings.retention_days <= 0:
        return
    retry_s = min(_RETRY_FIRST_S, interval_s)
    while True:
        try:
            result = await asyncio.to_thread(apply_retention, session_factory, settings)
        except Exception as error:  # never let the loop die; the next pass retries
            log.warning("retention pass failed (%s: %s); retry in %g s", type(error).__name__, error, retry_s)
            await asyncio.sleep(retry_s)
            retry_s = min(retry_s * 2, interval_s)
            continue
        retry_s = min(_RETRY_FIRST_S, interval_s)
        if result.deleted:
            log.info(
                "retention: deleted %d prediction-log rows received before %s in %d chunk(s), %.1f s; "
                "%d older labeled rows kept",
                result.deleted, result.cutoff, result.chunks, result.seconds, result.kept_labeled,
            )  # fmt: skip
        await asyncio.sleep(interval_s)
