"""Data access: every read and write of the database goes through here. Bulk rows use COPY on
PostgreSQL and executemany on SQLite, inside the caller's transaction."""

import io
import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv
from sqlalchemy import Table, and_, func, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from fraudops.core import pgcopy
from fraudops.data.schema import DB_COLUMN, FEATURE_COLUMNS
from fraudops.data.validate import ParsedBatch
from fraudops.ml.artifact import ModelCard
from fraudops.tables import (
    Base,
    Batch,
    ModelVersion,
    StreamRun,
    TrainingRun,
    dead_letters,
    label_events,
    prediction_log,
    prediction_reasons,
    predictions,
    transactions,
)

_CHUNK_ROWS = 50_000


class PredictionFilter(StrEnum):
    all = "all"
    flagged = "flagged"
    mistakes = "mistakes"


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
    _bulk_insert(session, transactions, txn)
    _bulk_insert(session, predictions, pred)
    return batch


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
    """Remove a batch, its rows and their predictions (no cascading keys there). The caller commits."""
    batch = session.get(Batch, batch_id)
    if batch is None:
        return False
    session.execute(prediction_reasons.delete().where(prediction_reasons.c.batch_id == batch_id))
    session.execute(predictions.delete().where(predictions.c.batch_id == batch_id))
    session.execute(transactions.delete().where(transactions.c.batch_id == batch_id))
    session.delete(batch)
    return True


def _bulk_insert(session: Session, table: Table, rows: pa.Table) -> None:
    dbapi = session.connection().connection.driver_connection
    assert dbapi is not None
    table_name = table.name
    columns = ", ".join(f'"{name}"' for name in rows.column_names)
    if session.get_bind().dialect.name == "postgresql":
        binary = pgcopy.supports(table, rows)
        chunks = pgcopy.encode(table, rows, _CHUNK_ROWS) if binary else _csv_chunks(rows)
        statement = f"COPY {table_name} ({columns}) FROM STDIN (FORMAT {'binary' if binary else 'csv'})"
        with dbapi.cursor() as cur, cur.copy(statement) as copy:
            for chunk in chunks:
                copy.write(chunk)
    else:
        marks = ", ".join("?" * rows.num_columns)
        cur = dbapi.cursor()
        for start in range(0, rows.num_rows, _CHUNK_ROWS):
            part = rows.slice(start, _CHUNK_ROWS)
            cur.executemany(
                f"INSERT INTO {table_name} ({columns}) VALUES ({marks})",
                zip(*(col.to_pylist() for col in part.columns), strict=True),
            )
        cur.close()


def _csv_chunks(rows: pa.Table) -> Iterator[bytes]:
    """The table as CSV text in bounded chunks (Arrow's writer prints floats round-trip exact)."""
    options = pacsv.WriteOptions(include_header=False, quoting_style="needed")
    for batch in rows.to_batches(max_chunksize=_CHUNK_ROWS):
        buffer = io.BytesIO()
        pacsv.write_csv(pa.Table.from_batches([batch]), buffer, options)
        yield buffer.getvalue()


def _scored_rows(batch_id: int, which: PredictionFilter) -> tuple[Any, Any]:
    """(predictions joined to their transactions, the filter's condition) for one batch."""
    p, t = predictions.c, transactions.c
    condition = p.batch_id == batch_id
    if which is PredictionFilter.flagged:
        condition = and_(condition, p.is_fraud.is_(True))
    elif which is PredictionFilter.mistakes:
        condition = and_(condition, t.label.is_not(None), p.is_fraud != (t.label == 1))
    joined = predictions.join(transactions, and_(t.batch_id == p.batch_id, t.row_number == p.row_number))
    return joined, condition


def list_predictions(
    session: Session,
    batch_id: int,
    which: PredictionFilter,
    offset: int,
    limit: int,
    order_by_probability: bool = False,
) -> tuple[list[tuple[Any, ...]], int]:
    p, t, r = predictions.c, transactions.c, prediction_reasons.c
    joined, condition = _scored_rows(batch_id, which)
    order = (p.probability.desc(), p.row_number) if order_by_probability else (p.row_number,)
    query = (
        select(p.row_number, t.external_id, p.probability, p.is_fraud, t.label, p.band, r.reasons)
        .select_from(
            joined.outerjoin(prediction_reasons, and_(r.batch_id == p.batch_id, r.row_number == p.row_number))
        )
        .where(condition)
        .order_by(*order)
        .offset(offset)
        .limit(limit)
    )
    total = session.scalar(select(func.count()).select_from(joined).where(condition)) or 0
    return [tuple(row) for row in session.execute(query)], total  # type: ignore[misc]


def record_model_version(session: Session, card: ModelCard) -> None:
    """Remember a model the first time it is served (idempotent)."""
    known = session.get(ModelVersion, card.version)
    if known is not None:
        if known.first_served_at is None:  # registered by training, serving for the first time now
            session.execute(
                update(ModelVersion)
                .where(ModelVersion.version == card.version, ModelVersion.first_served_at.is_(None))
                .values(first_served_at=datetime.now(UTC))
            )
            session.commit()
        return
    try:
        session.add(_model_version(card, first_served_at=datetime.now(UTC)))
        session.commit()
    except IntegrityError:  # another worker recorded it first
        session.rollback()


def _model_version(card: ModelCard, first_served_at: datetime | None) -> ModelVersion:
    return ModelVersion(
        version=card.version,
        kind=card.kind,
        threshold=card.threshold,
        metrics=card.metrics,
        training=card.training,
        created_at=card.created_at,
        first_served_at=first_served_at,
    )


def list_model_versions(session: Session) -> Sequence[ModelVersion]:
    """Served and registered versions, newest model first."""
    return session.scalars(
        select(ModelVersion).order_by(ModelVersion.created_at.desc(), ModelVersion.version.desc())
    ).all()


def table_counts(session: Session) -> dict[str, int]:
    """Row count of every table the app owns."""
    return {
        table.name: session.scalar(select(func.count()).select_from(table)) or 0
        for table in Base.metadata.sorted_tables
    }


# --- prediction log, feedback, stream runs -----------------------------------------------------------


def append_prediction_log(session: Session, rows: pa.Table, idempotent: bool = False) -> None:
    """Add logged predictions. `idempotent` skips request ids already present (stream redeliveries)."""
    if not idempotent:
        _bulk_insert(session, prediction_log, rows)
        return
    dialect = session.get_bind().dialect.name
    insert = postgresql_insert if dialect == "postgresql" else sqlite_insert
    session.execute(insert(prediction_log).on_conflict_do_nothing(), rows.to_pylist())


def park_dead_letters(session: Session, source: str, letters: Sequence[tuple[str | None, Any, str]]) -> None:
    """Park rows the database refused: (key, payload, error) each. The caller commits.

    Payloads are stored as ASCII-escaped JSON and keys are escaped too, so the very bytes that made the
    database refuse a row (a NUL, a lone surrogate) cannot make it refuse the dead letter as well."""
    if not letters:
        return
    now = datetime.now(UTC)
    session.execute(
        dead_letters.insert(),
        [
            {
                "created_at": now,
                "source": source,
                "key": None if key is None else json.dumps(key)[1:-1][:200],
                "payload": json.dumps(payload, default=str, ensure_ascii=True),
                "error": json.dumps(error, ensure_ascii=True)[1:-1][:2000],
            }
            for key, payload, error in letters
        ],
    )


def count_dead_letters(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(dead_letters)) or 0


def list_dead_letters(session: Session, offset: int, limit: int) -> tuple[list[dict[str, Any]], int]:
    d = dead_letters.c
    rows = session.execute(select(dead_letters).order_by(d.id.desc()).offset(offset).limit(limit)).mappings()
    return [dict(r) for r in rows], count_dead_letters(session)


def delete_dead_letters(session: Session, up_to_id: int) -> int:
    """Remove dead letters with id ≤ `up_to_id` (the ones an operator has seen). The caller commits."""
    result = session.execute(dead_letters.delete().where(dead_letters.c.id <= up_to_id))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


@dataclass(frozen=True)
class LabelOutcome:
    unknown: list[str]  # request ids not in the prediction log
    changed: list[str]  # request ids whose earlier label this one replaced


def apply_labels(
    session: Session,
    labels: dict[str, int],
    source: str,
    actor: str | None = None,
    note: str | None = None,
) -> LabelOutcome:
    """Label logged predictions. Every label is kept as an event; the row takes the latest (latest wins,
    which is the rule training reads), and a label that replaces a different one is reported as changed.
    The caller commits."""
    c = prediction_log.c
    rows = session.execute(select(c.request_id, c.label).where(c.request_id.in_(list(labels))))
    current: dict[str, int | None] = {request_id: label for request_id, label in rows}
    now = datetime.now(UTC)
    known = [r for r in labels if r in current]
    if known:
        session.execute(
            label_events.insert(),
            [
                {
                    "created_at": now,
                    "request_id": r,
                    "label": labels[r],
                    "previous_label": current[r],
                    "source": source,
                    "actor": actor,
                    "note": note,
                }
                for r in known
            ],
        )
    for label in (0, 1):
        ids = [r for r in known if labels[r] == label]
        if ids:
            session.execute(
                prediction_log.update().where(c.request_id.in_(ids)).values(label=label, labeled_at=now)
            )
    changed = [r for r in known if current[r] is not None and current[r] != labels[r]]
    return LabelOutcome(unknown=[r for r in labels if r not in current], changed=changed)


def label_history(session: Session, request_id: str) -> list[dict[str, Any]]:
    """Every label event of one logged prediction, oldest first."""
    e = label_events.c
    rows = session.execute(
        select(e.created_at, e.label, e.previous_label, e.source, e.actor, e.note)
        .where(e.request_id == request_id)
        .order_by(e.id)
    ).mappings()
    return [dict(row) for row in rows]


def labeled_feedback(session: Session) -> tuple[np.ndarray, np.ndarray]:
    """Logged predictions that received a true class: (raw features (n, 30), labels), in time order."""
    columns = [prediction_log.c[DB_COLUMN[c]] for c in FEATURE_COLUMNS]
    rows = session.execute(
        select(*columns, prediction_log.c.label)
        .where(prediction_log.c.label.is_not(None))
        .order_by(prediction_log.c.time, prediction_log.c.received_at)
    ).all()
    data = np.array(rows, dtype=np.float64).reshape(len(rows), len(FEATURE_COLUMNS) + 1)
    return data[:, :-1], data[:, -1].astype(np.int8)


def prediction_log_count(session: Session, source: str | None = None) -> int:
    query = select(func.count()).select_from(prediction_log)
    if source is not None:
        query = query.where(prediction_log.c.source == source)
    return session.scalar(query) or 0


def create_stream_run(session: Session, source_file: str, target: str, summary: dict[str, Any]) -> StreamRun:
    run = StreamRun(source_file=source_file[:255], target=target, summary=summary)
    session.add(run)
    session.commit()
    return run


def list_stream_runs(session: Session, offset: int, limit: int) -> tuple[Sequence[StreamRun], int]:
    rows = session.scalars(select(StreamRun).order_by(StreamRun.id.desc()).offset(offset).limit(limit)).all()
    return rows, session.scalar(select(func.count()).select_from(StreamRun)) or 0


# --- reads for the batch charts and the CSV download ------------------------------------------------


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
    session: Session, batch_id: int, which: PredictionFilter, chunk_rows: int = 10_000
) -> Iterator[list[tuple[int, str | None, float, bool, int | None]]]:
    """A batch's scored rows in row order, in chunks, with the same filters as list_predictions.

    One query read through a server-side cursor: memory stays bounded and no chunk re-scans the rows
    before it."""
    p, t = predictions.c, transactions.c
    joined, condition = _scored_rows(batch_id, which)
    result = session.execute(
        select(p.row_number, t.external_id, p.probability, p.is_fraud, t.label)
        .select_from(joined)
        .where(condition)
        .order_by(p.row_number)
        .execution_options(stream_results=True, yield_per=chunk_rows)
    )
    for part in result.partitions(chunk_rows):
        yield [tuple(row) for row in part]  # type: ignore[misc]


# --- training data, training runs, registered versions -----------------------------------------------


def iter_labeled_transactions(
    session: Session, chunk_rows: int = 50_000
) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """Every labeled transaction of every batch as (raw `[Time, V1..V28, Amount]`, labels) chunks, in
    time order (ties by batch, then row). Streams with a server-side cursor, so memory stays bounded."""
    t = transactions.c
    columns = [t[DB_COLUMN[c]] for c in FEATURE_COLUMNS]
    result = session.execute(
        select(*columns, t.label)
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
    """Labeled transactions, or only those with `Time` later than `after_time`."""
    query = select(func.count()).select_from(transactions).where(transactions.c.label.is_not(None))
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


def record_registered_version(
    session: Session,
    card: ModelCard,
    registered_model: str,
    registry_version: str,
    mlflow_run_id: str,
    promoted: bool,
    training_run_id: int | None,
) -> None:
    """Remember a version training registered (served later or never). The caller commits."""
    row = session.get(ModelVersion, card.version) or _model_version(card, first_served_at=None)
    row.registered_model = registered_model
    row.registry_version = registry_version
    row.mlflow_run_id = mlflow_run_id
    row.registered_at = datetime.now(UTC)
    row.promoted = promoted
    row.training_run_id = training_run_id
    session.add(row)


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
