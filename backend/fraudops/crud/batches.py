"""Batches: store one with its rows, scores and reasons in one transaction; read, page and delete them."""

from collections.abc import Iterator, Sequence
from enum import StrEnum
from typing import Any, NamedTuple

import numpy as np
import pyarrow as pa
from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session

from fraudops.crud.bulk import bulk_insert, refresh_statistics
from fraudops.crud.scorings import delete_batch_scorings
from fraudops.data.schema import DB_COLUMN, FEATURE_COLUMNS
from fraudops.data.validate import ParsedBatch
from fraudops.tables import (
    Base,
    Batch,
    label_events,
    prediction_reasons,
    predictions,
    transactions,
)


class PredictionFilter(StrEnum):
    all = "all"
    flagged = "flagged"
    mistakes = "mistakes"  # false alarms and misses
    false_alarms = "false_alarms"  # flagged, true class 0
    misses = "misses"  # not flagged, true class 1


class PredictionSort(StrEnum):
    row = "row"
    probability = "probability"  # highest first
    probability_asc = "probability_asc"
    amount = "amount"  # largest first
    amount_asc = "amount_asc"


def get_batch(session: Session, batch_id: int) -> Batch | None:
    return session.get(Batch, batch_id)


def get_batch_by_sha256(session: Session, sha256: str) -> Batch | None:
    return session.scalars(select(Batch).where(Batch.sha256 == sha256)).one_or_none()


def list_batches(session: Session, offset: int, limit: int) -> tuple[Sequence[Batch], int]:
    rows = session.scalars(select(Batch).order_by(Batch.id.desc()).offset(offset).limit(limit)).all()
    return rows, session.scalar(select(func.count()).select_from(Batch)) or 0


def create_batch(
    session: Session,
    batch: Batch,
    parsed: ParsedBatch,
    probability: np.ndarray,
    is_fraud: np.ndarray,
    band: np.ndarray,
) -> Batch:
    """Insert the batch, its rows and their predictions. The caller commits (all or nothing)."""
    session.add(batch)
    session.flush()  # assigns batch.id
    n = parsed.rows
    row_number = pa.array(np.arange(n, dtype=np.int64))
    batch_id = pa.array(np.full(n, batch.id, dtype=np.int64))
    ids = parsed.external_ids if parsed.external_ids is not None else pa.nulls(n, pa.string())
    labels = pa.array(parsed.labels, pa.int16()) if parsed.labels is not None else pa.nulls(n, pa.int16())
    txn = pa.table(
        [
            batch_id,
            row_number,
            ids,
            *(pa.array(parsed.features[:, j]) for j in range(len(FEATURE_COLUMNS))),
            labels,
        ],
        names=["batch_id", "row_number", "external_id", *(DB_COLUMN[c] for c in FEATURE_COLUMNS), "label"],
    )
    pred = pa.table(
        [
            batch_id,
            row_number,
            pa.array(probability, pa.float64()),
            pa.array(is_fraud, pa.bool_()),
            pa.array(band, pa.int16()),
        ],
        names=["batch_id", "row_number", "probability", "is_fraud", "band"],
    )
    bulk_insert(session, transactions, txn)
    bulk_insert(session, predictions, pred)
    return batch


# The transaction columns queries filter, join or sort on. The 28 V columns are only ever read whole, and
# leaving them out makes the ANALYZE after a 284,807-row upload ~4x cheaper (benchmarks/review_queue.py).
PLANNED_COLUMNS = ("batch_id", "row_number", "external_id", "time", "amount", "label")


def refresh_batch_statistics(session: Session, rows: int) -> list[str]:
    """After a batch of `rows` rows committed: the planner's statistics of the tables it filled."""
    tables = [transactions, predictions, prediction_reasons]
    return refresh_statistics(session, tables, rows, {transactions.name: PLANNED_COLUMNS})


def add_reasons(
    session: Session, batch_id: int, reasons: dict[int, list[dict[str, Any]]], method: str
) -> None:
    """Store the reasons behind flagged rows (a few hundred at most per batch: plain inserts)."""
    if reasons:
        session.execute(
            prediction_reasons.insert(),
            [
                {"batch_id": batch_id, "row_number": row, "reasons": {"method": method, "top": top}}
                for row, top in reasons.items()
            ],
        )


def delete_batch(session: Session, batch_id: int) -> bool:
    """Remove a batch with everything keyed by it: rows, predictions, reasons, rescorings and the label
    events of its rows (no cascading keys there; a reused id must inherit nothing). The caller commits."""
    batch = session.get(Batch, batch_id)
    if batch is None:
        return False
    delete_batch_scorings(session, batch_id)
    session.execute(label_events.delete().where(label_events.c.batch_id == batch_id))
    session.execute(prediction_reasons.delete().where(prediction_reasons.c.batch_id == batch_id))
    session.execute(predictions.delete().where(predictions.c.batch_id == batch_id))
    session.execute(transactions.delete().where(transactions.c.batch_id == batch_id))
    session.delete(batch)
    return True


def scored_rows(batch_id: int, which: PredictionFilter, band: int | None = None) -> tuple[Any, Any]:
    """(predictions joined to their transactions, the filter's condition) for one batch; `band` keeps
    one band only (monitoring.bands.Band code)."""
    p, t = predictions.c, transactions.c
    condition = p.batch_id == batch_id
    if which is PredictionFilter.flagged:
        condition = and_(condition, p.is_fraud.is_(True))
    elif which is PredictionFilter.mistakes:
        condition = and_(condition, t.label.is_not(None), p.is_fraud != (t.label == 1))
    elif which is PredictionFilter.false_alarms:
        condition = and_(condition, p.is_fraud.is_(True), t.label == 0)
    elif which is PredictionFilter.misses:
        condition = and_(condition, p.is_fraud.is_(False), t.label == 1)
    if band is not None:
        condition = and_(condition, p.band == band)
    joined = predictions.join(transactions, and_(t.batch_id == p.batch_id, t.row_number == p.row_number))
    return joined, condition


class ScoredRow(NamedTuple):
    """One row of a batch as its page shows it: the decision, the true class if known, the reasons."""

    row_number: int
    external_id: str | None
    probability: float
    is_fraud: bool
    label: int | None
    band: int | None  # monitoring.bands.Band code; None for batches scored before bands existed
    reasons: dict[str, Any] | None  # {"method", "top": [...]}: monitoring.explain
    amount: float
    time: float  # seconds from the file's first transaction


def list_predictions(
    session: Session,
    batch_id: int,
    which: PredictionFilter,
    offset: int,
    limit: int,
    sort: PredictionSort = PredictionSort.row,
    band: int | None = None,
) -> tuple[list[ScoredRow], int]:
    p, t, r = predictions.c, transactions.c, prediction_reasons.c
    joined, condition = scored_rows(batch_id, which, band)
    order = {
        PredictionSort.row: (p.row_number,),
        PredictionSort.probability: (p.probability.desc(), p.row_number),
        PredictionSort.probability_asc: (p.probability, p.row_number),
        PredictionSort.amount: (t.amount.desc(), p.row_number),
        PredictionSort.amount_asc: (t.amount, p.row_number),
    }[sort]
    query = (
        select(
            p.row_number,
            t.external_id,
            p.probability,
            p.is_fraud,
            t.label,
            p.band,
            r.reasons,
            t.amount,
            t.time,
        )
        .select_from(
            joined.outerjoin(prediction_reasons, and_(r.batch_id == p.batch_id, r.row_number == p.row_number))
        )
        .where(condition)
        .order_by(*order)
        .offset(offset)
        .limit(limit)
    )
    total = session.scalar(select(func.count()).select_from(joined).where(condition)) or 0
    return [ScoredRow(*row) for row in session.execute(query)], total


def batch_probabilities(session: Session, batch_id: int) -> tuple[np.ndarray, np.ndarray]:
    """(probabilities, labels) of every row of a batch in row order; label -1 where the file had none."""
    p, t = predictions.c, transactions.c
    rows = session.execute(
        select(p.probability, t.label)
        .select_from(
            predictions.join(transactions, and_(t.batch_id == p.batch_id, t.row_number == p.row_number))
        )
        .where(p.batch_id == batch_id)
        .order_by(p.row_number)
    ).all()
    scores = np.array([r[0] for r in rows], dtype=np.float64)
    labels = np.array([-1 if r[1] is None else r[1] for r in rows], dtype=np.int8)
    return scores, labels


def iter_prediction_rows(
    session: Session,
    batch_id: int,
    which: PredictionFilter,
    chunk_rows: int = 10_000,
    band: int | None = None,
) -> Iterator[list[tuple[Any, ...]]]:
    """A batch's scored rows in row order, in chunks, with the same filters as list_predictions:
    (row_number, external id, probability, is_fraud, label, band, reasons, Time, V1..V28, Amount).

    One query read through a server-side cursor: memory stays bounded and no chunk re-scans the rows
    before it."""
    p, t, r = predictions.c, transactions.c, prediction_reasons.c
    joined, condition = scored_rows(batch_id, which, band)
    features = [t[DB_COLUMN[c]] for c in FEATURE_COLUMNS]
    result = session.execute(
        select(p.row_number, t.external_id, p.probability, p.is_fraud, t.label, p.band, r.reasons, *features)
        .select_from(
            joined.outerjoin(prediction_reasons, and_(r.batch_id == p.batch_id, r.row_number == p.row_number))
        )
        .where(condition)
        .order_by(p.row_number)
        .execution_options(stream_results=True, yield_per=chunk_rows)
    )
    for part in result.partitions(chunk_rows):
        yield [tuple(row) for row in part]


def table_counts(session: Session) -> dict[str, int]:
    """Row count of every table the app owns."""
    return {
        table.name: session.scalar(select(func.count()).select_from(table)) or 0
        for table in Base.metadata.sorted_tables
    }
