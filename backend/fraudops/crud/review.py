"""The review queue: every decision in the review or decline band, from uploaded batches and from live
traffic, with the labels an analyst gives them and the review workload per day or per batch."""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any

import numpy as np
from sqlalchemy import (
    BigInteger,
    Integer,
    Select,
    String,
    and_,
    cast,
    func,
    literal,
    null,
    or_,
    select,
    union_all,
)
from sqlalchemy.orm import Session

from fraudops.data.schema import DB_COLUMN, FEATURE_COLUMNS
from fraudops.monitoring.bands import Band
from fraudops.tables import (
    Batch,
    label_events,
    prediction_log,
    prediction_reasons,
    predictions,
)
from fraudops.tables import transactions as transactions_table

_batches = Batch.__table__


class ReviewSource(StrEnum):
    batch = "batch"
    live = "live"


class ReviewOrder(StrEnum):
    newest = "newest"
    score = "score"


@dataclass(frozen=True)
class QueueFilter:
    band: Band | None = None  # review or decline; None: both
    source: ReviewSource | None = None
    model_version: str | None = None
    amount_min: float | None = None
    amount_max: float | None = None
    labeled: bool | None = None
    search: str | None = None  # an external id (prefix) or a request id (exact)
    batch_id: int | None = None


@dataclass(frozen=True)
class QueueItem:
    source: str  # "batch" or "live"
    batch_id: int | None
    row_number: int | None
    request_id: str | None
    external_id: str | None
    amount: float
    time: float
    probability: float
    band: int
    label: int | None
    model_version: str
    decided_at: datetime
    reasons: dict[str, Any] | None
    review_at: float | None
    decline_at: float | None


def _like_prefix(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def _batch_side(f: QueueFilter) -> Select[Any]:
    p, t, b, r = predictions.c, transactions_table.c, _batches.c, prediction_reasons.c
    conditions = [p.band >= Band.review]
    if f.band is not None:
        conditions.append(p.band == int(f.band))
    if f.model_version is not None:
        conditions.append(b.model_version == f.model_version)
    if f.amount_min is not None:
        conditions.append(t.amount >= f.amount_min)
    if f.amount_max is not None:
        conditions.append(t.amount <= f.amount_max)
    if f.labeled is not None:
        conditions.append(t.label.is_not(None) if f.labeled else t.label.is_(None))
    if f.search:
        conditions.append(t.external_id.like(_like_prefix(f.search), escape="\\"))
    if f.batch_id is not None:
        conditions.append(p.batch_id == f.batch_id)
    joined = (
        predictions.join(transactions_table, and_(t.batch_id == p.batch_id, t.row_number == p.row_number))
        .join(_batches, b.id == p.batch_id)
        .outerjoin(prediction_reasons, and_(r.batch_id == p.batch_id, r.row_number == p.row_number))
    )
    return (
        select(
            cast(literal("batch"), String(8)).label("source"),
            p.batch_id.label("batch_id"),
            p.row_number.label("row_number"),
            cast(null(), String(64)).label("request_id"),
            t.external_id.label("external_id"),
            t.amount.label("amount"),
            t.time.label("time"),
            p.probability.label("probability"),
            p.band.label("band"),
            t.label.label("label"),
            b.model_version.label("model_version"),
            b.created_at.label("decided_at"),
            r.reasons.label("reasons"),
            cast(null(), prediction_log.c.review_at.type).label("review_at"),
            cast(null(), prediction_log.c.decline_at.type).label("decline_at"),
        )
        .select_from(joined)
        .where(*conditions)
    )


def _live_side(f: QueueFilter) -> Select[Any]:
    c = prediction_log.c
    conditions = [c.band >= Band.review]
    if f.band is not None:
        conditions.append(c.band == int(f.band))
    if f.model_version is not None:
        conditions.append(c.model_version == f.model_version)
    if f.amount_min is not None:
        conditions.append(c.amount >= f.amount_min)
    if f.amount_max is not None:
        conditions.append(c.amount <= f.amount_max)
    if f.labeled is not None:
        conditions.append(c.label.is_not(None) if f.labeled else c.label.is_(None))
    if f.search:
        conditions.append(
            or_(c.external_id.like(_like_prefix(f.search), escape="\\"), c.request_id == f.search)
        )
    return select(
        cast(literal("live"), String(8)).label("source"),
        cast(null(), Integer).label("batch_id"),
        cast(null(), BigInteger).label("row_number"),
        c.request_id.label("request_id"),
        c.external_id.label("external_id"),
        c.amount.label("amount"),
        c.time.label("time"),
        c.probability.label("probability"),
        c.band.label("band"),
        c.label.label("label"),
        c.model_version.label("model_version"),
        c.received_at.label("decided_at"),
        c.reasons.label("reasons"),
        c.review_at.label("review_at"),
        c.decline_at.label("decline_at"),
    ).where(*conditions)


def list_queue(
    session: Session, f: QueueFilter, order: ReviewOrder, offset: int, limit: int
) -> tuple[list[QueueItem], int]:
    """A page of the queue and the count of all items that pass the filter."""
    sides = []
    if f.source in (None, ReviewSource.batch):
        sides.append(_batch_side(f))
    if f.source in (None, ReviewSource.live) and f.batch_id is None:  # a batch filter leaves live out
        sides.append(_live_side(f))
    union = union_all(*sides).subquery() if len(sides) > 1 else sides[0].subquery()
    u = union.c
    # The key columns last, so two items never tie and a page boundary is stable.
    keys = (u.batch_id.desc(), u.row_number.asc(), u.request_id.asc())
    if order is ReviewOrder.score:
        ordering = (u.probability.desc(), u.decided_at.desc(), *keys)
    else:
        ordering = (u.decided_at.desc(), u.probability.desc(), *keys)
    rows = session.execute(select(union).order_by(*ordering).offset(offset).limit(limit)).mappings().all()
    total = session.scalar(select(func.count()).select_from(union)) or 0
    bands = _batch_bands(session, {r["batch_id"] for r in rows if r["batch_id"] is not None})
    items = []
    for row in rows:
        item = dict(row)
        if item["batch_id"] is not None:
            item["review_at"], item["decline_at"] = bands.get(item["batch_id"], (None, None))
        items.append(QueueItem(**item))
    return items, total


def _batch_bands(session: Session, batch_ids: set[int]) -> dict[int, tuple[float | None, float | None]]:
    if not batch_ids:
        return {}
    rows = session.execute(select(Batch.id, Batch.bands).where(Batch.id.in_(batch_ids)))
    return {i: ((b or {}).get("review_at"), (b or {}).get("decline_at")) for i, b in rows}


def queue_model_versions(session: Session) -> list[str]:
    """The model versions that decided any queue item (for the filter's choices)."""
    live = select(prediction_log.c.model_version).where(prediction_log.c.band >= Band.review).distinct()
    batch = select(Batch.model_version).distinct()
    return sorted({v for (v,) in session.execute(union_all(live, batch))})


# --- one transaction ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Transaction:
    raw: np.ndarray  # `[Time, V1..V28, Amount]`
    probability: float
    band: int | None
    label: int | None
    model_version: str
    reasons: dict[str, Any] | None  # stored at decision time, when any


def _feature_columns(table: Any) -> list[Any]:
    return [table.c[DB_COLUMN[c]] for c in FEATURE_COLUMNS]


def batch_transaction(session: Session, batch_id: int, row_number: int) -> Transaction | None:
    """One row of a batch, in any band (a missed fraud too)."""
    p, t, r = predictions.c, transactions_table.c, prediction_reasons.c
    row = session.execute(
        select(
            *_feature_columns(transactions_table),
            p.probability,
            p.band,
            t.label,
            Batch.model_version,
            r.reasons,
        )
        .select_from(
            transactions_table.join(predictions, and_(p.batch_id == t.batch_id, p.row_number == t.row_number))
            .join(Batch, Batch.id == t.batch_id)
            .outerjoin(prediction_reasons, and_(r.batch_id == t.batch_id, r.row_number == t.row_number))
        )
        .where(t.batch_id == batch_id, t.row_number == row_number)
    ).one_or_none()
    return None if row is None else _transaction(row)


def live_transaction(session: Session, request_id: str) -> Transaction | None:
    c = prediction_log.c
    row = session.execute(
        select(
            *_feature_columns(prediction_log), c.probability, c.band, c.label, c.model_version, c.reasons
        ).where(c.request_id == request_id)
    ).one_or_none()
    return None if row is None else _transaction(row)


def _transaction(row: Any) -> Transaction:
    n = len(FEATURE_COLUMNS)
    probability, band, label, version, reasons = row[n:]
    return Transaction(np.array(row[:n], dtype=np.float64), probability, band, label, version, reasons)


# --- labels ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RowLabel:
    previous_label: int | None
    changed: bool  # a different earlier label was replaced


def label_batch_row(
    session: Session,
    batch_id: int,
    row_number: int,
    label: int,
    source: str,
    actor: str | None = None,
    note: str | None = None,
) -> RowLabel | None:
    """Label one batch row: an event is kept and `transactions.label` takes it (latest wins), which is
    what training reads. None when there is no such row. The caller commits."""
    t = transactions_table.c
    where = and_(t.batch_id == batch_id, t.row_number == row_number)
    current = session.execute(select(t.label).where(where)).one_or_none()
    if current is None:
        return None
    previous = current[0]
    session.execute(
        label_events.insert().values(
            created_at=datetime.now(UTC),
            batch_id=batch_id,
            row_number=row_number,
            label=label,
            previous_label=previous,
            source=source,
            actor=actor,
            note=note,
        )
    )
    session.execute(transactions_table.update().where(where).values(label=label))
    return RowLabel(previous_label=previous, changed=previous is not None and previous != label)


def row_label_history(
    session: Session,
    *,
    batch_id: int | None = None,
    row_number: int | None = None,
    request_id: str | None = None,
) -> list[dict[str, Any]]:
    """Every label event of one batch row or one logged prediction, oldest first."""
    e = label_events.c
    where = (
        e.request_id == request_id
        if request_id is not None
        else and_(e.batch_id == batch_id, e.row_number == row_number)
    )
    rows = session.execute(
        select(e.created_at, e.label, e.previous_label, e.source, e.actor, e.note).where(where).order_by(e.id)
    ).mappings()
    return [dict(row) for row in rows]


# --- capacity ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Workload:
    key: str  # the day (YYYY-MM-DD) or the batch id
    label: str  # what the page shows: the day, or the batch's file name
    items: int  # decisions in review or decline, as decided
    items_at_current_bands: int  # how many the bands in force now would send there
    top_k: int  # min(k, items): the items a reviewer with capacity k looks at, highest scores first
    reviewed_in_top_k: int
    frauds_in_top_k: int


_NO_WORK = (0, 0, 0, 0)


def _queue_work(session: Session, base: Select[Any], k: int) -> dict[Any, tuple[int, int, int, int]]:
    """Per group of `base` (columns grp, probability, band, label; queue items only): (items, top k,
    reviewed in top k, frauds in top k), ranking by score within the group."""
    rank = func.row_number().over(
        partition_by=base.selected_columns.grp, order_by=base.selected_columns.probability.desc()
    )
    q = base.add_columns(rank.label("rank")).subquery().c
    top = q.rank <= k
    rows = session.execute(
        select(
            q.grp,
            func.count(),
            func.count().filter(top),
            func.count().filter(and_(top, q.label.is_not(None))),
            func.count().filter(and_(top, q.label == 1)),
        ).group_by(q.grp)
    ).all()
    return {grp: (items, top_k, reviewed, frauds) for grp, items, top_k, reviewed, frauds in rows}


def live_workload(session: Session, k: int, review_at: float, days: int) -> list[Workload]:
    """Per calendar day of `received_at` (as the database renders dates: UTC on SQLite, the session's
    zone on PostgreSQL), the latest `days` days that had traffic, newest first."""
    c = prediction_log.c
    latest = session.scalar(select(func.max(c.received_at)))
    if latest is None:
        return []
    day = func.date(c.received_at)
    recent = c.received_at >= latest - timedelta(days=days)
    base = select(day.label("grp"), c.probability, c.band, c.label).where(recent, c.band >= Band.review)
    queue = _queue_work(session, base, k)
    current: dict[Any, int] = dict(
        session.execute(
            select(day, func.count()).where(recent, c.probability >= review_at).group_by(day)
        ).all()
    )
    keys = sorted(set(queue) | set(current), key=str, reverse=True)[:days]
    return [
        Workload(str(key), str(key), queue.get(key, _NO_WORK)[0], int(current.get(key, 0)),
                 *queue.get(key, _NO_WORK)[1:])
        for key in keys
    ]  # fmt: skip


def batch_workload(session: Session, k: int, review_at: float, batches: int) -> list[Workload]:
    """Per batch, the latest `batches` batches, newest first."""
    ids = list(session.scalars(select(Batch.id).order_by(Batch.id.desc()).limit(batches)))
    if not ids:
        return []
    p, t = predictions.c, transactions_table.c
    joined = predictions.join(
        transactions_table, and_(t.batch_id == p.batch_id, t.row_number == p.row_number)
    )
    base = (
        select(p.batch_id.label("grp"), p.probability, p.band, t.label)
        .select_from(joined)
        .where(p.batch_id.in_(ids), p.band >= Band.review)
    )
    queue = _queue_work(session, base, k)
    current: dict[Any, int] = dict(
        session.execute(
            select(p.batch_id, func.count())
            .where(p.batch_id.in_(ids), p.probability >= review_at)
            .group_by(p.batch_id)
        ).all()
    )
    names = dict(session.execute(select(Batch.id, Batch.filename).where(Batch.id.in_(ids))).all())
    return [
        Workload(
            str(i), names[i], queue.get(i, _NO_WORK)[0], int(current.get(i, 0)), *queue.get(i, _NO_WORK)[1:]
        )
        for i in ids
    ]
