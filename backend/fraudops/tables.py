"""Database tables. Batches and model versions are ORM classes; the two bulk tables are plain
Core tables because they are only ever written with COPY and read set-wise."""

from datetime import UTC, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    DateTime,
    Double,
    Index,
    Integer,
    SmallInteger,
    String,
    Table,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from fraudops.data.schema import DB_COLUMN, FEATURE_COLUMNS


def utcnow() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    type_annotation_map: ClassVar[dict[Any, Any]] = {dict[str, Any]: JSON, list[str]: JSON, list[int]: JSON}


class Batch(Base):
    __tablename__ = "batches"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64), unique=True)
    filename: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    row_count: Mapped[int]
    labeled: Mapped[bool]
    fraud_count: Mapped[int | None]
    flagged_count: Mapped[int]
    threshold: Mapped[float] = mapped_column(Double)
    model_version: Mapped[str] = mapped_column(String(100))
    metrics: Mapped[dict[str, Any] | None]
    metrics_reason: Mapped[str | None] = mapped_column(Text)
    timings: Mapped[dict[str, Any]]
    # Decision bands in force when the batch was scored ({"review_at", "decline_at"}).
    bands: Mapped[dict[str, Any] | None]
    # Drift against the scoring model's reference profile (monitoring.drift.report), or why there is none.
    drift: Mapped[dict[str, Any] | None]
    # "training": its labeled rows train the next model. "evaluation": a holdout, never trained on.
    role: Mapped[str] = mapped_column(String(16), default="training", server_default="training")
    # Free labels (e.g. "test", "experiment"); hidden batches stay out of the dashboard's charts.
    tags: Mapped[list[str] | None] = mapped_column(JSON)
    hidden: Mapped[bool] = mapped_column(Boolean, default=False, server_default=text("false"))


class ModelVersion(Base):
    """Every model the service has served, so a batch's `model_version` always resolves, and every
    version training registered (with its MLflow registry number), served or not."""

    __tablename__ = "model_versions"

    version: Mapped[str] = mapped_column(String(100), primary_key=True)
    kind: Mapped[str] = mapped_column(String(50))
    threshold: Mapped[float] = mapped_column(Double)
    metrics: Mapped[dict[str, Any]]
    training: Mapped[dict[str, Any]]
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    # Null for a registered version that has not served yet.
    first_served_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    registered_model: Mapped[str | None] = mapped_column(String(100))
    registry_version: Mapped[str | None] = mapped_column(String(20))
    mlflow_run_id: Mapped[str | None] = mapped_column(String(64))
    registered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Whether the promotion gate made it champion when it was registered.
    promoted: Mapped[bool | None]
    training_run_id: Mapped[int | None]


# The two bulk tables carry no foreign keys on purpose: PostgreSQL checks a foreign key with a trigger
# per row, which made a 285k-row COPY take 2 s longer per table (measured). Integrity holds because
# crud.create_batch writes a batch and all its rows in one transaction and crud.delete_batch removes
# them together.
transactions = Table(
    "transactions",
    Base.metadata,
    Column("batch_id", Integer, primary_key=True),
    # 0-based position in the uploaded file; the CSV line is row_number + 2.
    Column("row_number", BigInteger, primary_key=True),
    Column("external_id", Text, nullable=True),
    *(Column(DB_COLUMN[c], Double, nullable=False) for c in FEATURE_COLUMNS),
    Column("label", SmallInteger, nullable=True),
)

predictions = Table(
    "predictions",
    Base.metadata,
    Column("batch_id", Integer, primary_key=True),
    Column("row_number", BigInteger, primary_key=True),
    Column("probability", Double, nullable=False),
    Column("is_fraud", Boolean, nullable=False),
    Column("band", SmallInteger, nullable=True),  # monitoring.bands.Band: 0 approve, 1 review, 2 decline
)

# Reasons behind the flagged rows of a batch (monitoring.explain), written with the batch.
prediction_reasons = Table(
    "prediction_reasons",
    Base.metadata,
    Column("batch_id", Integer, primary_key=True),
    Column("row_number", BigInteger, primary_key=True),
    Column("reasons", JSON, nullable=False),
)


# Every real-time prediction (HTTP /api/predict and the stream workers), written in batches off the
# request path. `request_id` is the idempotency key: a redelivered stream message cannot log twice.
prediction_log = Table(
    "prediction_log",
    Base.metadata,
    Column("request_id", String(64), primary_key=True),
    Column("received_at", DateTime(timezone=True), nullable=False, index=True),
    Column("source", String(16), nullable=False),  # "api" or "stream"
    Column("external_id", Text, nullable=True),
    *(Column(DB_COLUMN[c], Double, nullable=False) for c in FEATURE_COLUMNS),
    Column("probability", Double, nullable=False),
    Column("is_fraud", Boolean, nullable=False),
    Column("threshold", Double, nullable=False),
    Column("model_version", String(100), nullable=False),
    Column("latency_ms", Double, nullable=False),
    Column("band", SmallInteger, nullable=True),
    Column("review_at", Double, nullable=True),
    Column("decline_at", Double, nullable=True),
    # The challenger's score beside the champion's (shadow scoring): logged, never decides.
    Column("shadow_probability", Double, nullable=True),
    Column("shadow_version", String(100), nullable=True),
    # Top reasons stored at decision time for rows in the review or decline band.
    Column("reasons", JSON, nullable=True),
    # Filled later by POST /api/feedback: the true class, which makes the row training data.
    Column("label", SmallInteger, nullable=True),
    Column("labeled_at", DateTime(timezone=True), nullable=True),
)


# Rows the database refused (a poisoned value), parked so one bad row never blocks the rest: the
# prediction log's flusher and the stream workers write here instead of retrying for ever. `payload`
# is the row as escaped JSON text (ASCII), so any byte the database refused is storable here.
dead_letters = Table(
    "dead_letters",
    Base.metadata,
    Column("id", Integer, primary_key=True),
    Column("created_at", DateTime(timezone=True), nullable=False, default=utcnow),
    Column("source", String(32), nullable=False),  # "prediction_log" or "stream"
    Column("key", String(200), nullable=True),  # request id or stream message id
    Column("payload", Text, nullable=False),
    Column("error", Text, nullable=False),
)

# Every label given to a decision (feedback, review), oldest first: a logged prediction (`request_id`) or
# a batch row (`batch_id`, `row_number`). `prediction_log.label` / `transactions.label` hold the latest
# one, which training reads: latest wins, and the history says who changed what.
label_events = Table(
    "label_events",
    Base.metadata,
    Column("id", Integer, primary_key=True),
    Column("created_at", DateTime(timezone=True), nullable=False, default=utcnow),
    Column("request_id", String(64), nullable=True, index=True),
    Column("batch_id", Integer, nullable=True),
    Column("row_number", BigInteger, nullable=True),
    Column("label", SmallInteger, nullable=False),
    Column("previous_label", SmallInteger, nullable=True),
    Column("source", String(32), nullable=False),  # "feedback", "review"
    Column("actor", String(100), nullable=True),
    Column("note", Text, nullable=True),
    Index("ix_label_events_batch_row", "batch_id", "row_number"),
)


class StreamRun(Base):
    """One replay by the stream producer, with the figures it measured."""

    __tablename__ = "stream_runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    source_file: Mapped[str] = mapped_column(String(255))
    target: Mapped[str] = mapped_column(String(16))  # "api" or "broker"
    summary: Mapped[dict[str, Any]]


class TrainingRun(Base):
    """One training (`fraudops train`, `POST /api/retrain` or the automatic trigger) and its outcome.

    At most one row is `running` at a time (a partial unique index): that row is the training lock.
    """

    __tablename__ = "training_runs"
    __table_args__ = (
        Index(
            "uq_training_runs_one_running",
            "status",
            unique=True,
            sqlite_where=text("status = 'running'"),
            postgresql_where=text("status = 'running'"),
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    status: Mapped[str] = mapped_column(String(20))  # running, succeeded, failed
    trigger: Mapped[str] = mapped_column(String(20))  # cli, api, auto
    options: Mapped[dict[str, Any]]
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    pid: Mapped[int | None]
    # The host `pid` runs on: a pid means something only there (and a container is a host of its own).
    host: Mapped[str | None] = mapped_column(String(255))
    rows: Mapped[int | None]
    frauds: Mapped[int | None]
    best_candidate: Mapped[str | None] = mapped_column(String(100))
    model_version: Mapped[str | None] = mapped_column(String(100))
    registry_version: Mapped[str | None] = mapped_column(String(20))
    mlflow_run_id: Mapped[str | None] = mapped_column(String(64))
    promoted: Mapped[bool | None]
    decision: Mapped[str | None] = mapped_column(Text)
    # The comparison table (candidates and champion) and the data span, as JSON.
    summary: Mapped[dict[str, Any] | None]
    # The ids of the training-role batches whose labeled rows this run read.
    batches_read: Mapped[list[int] | None] = mapped_column(JSON)
    error: Mapped[str | None] = mapped_column(Text)


# Changes to how decisions are made, recorded as events so every change has a time and an author: the
# band bounds in force ("bands": {"review_at", "decline_at"}) and the shadow challenger ("challenger":
# {"version"} or {"version": null}). The latest event of a kind is the one in force; it applies to new
# decisions only.
policy_events = Table(
    "policy_events",
    Base.metadata,
    Column("id", Integer, primary_key=True),
    Column("created_at", DateTime(timezone=True), nullable=False, default=utcnow),
    Column("kind", String(32), nullable=False),
    Column("value", JSON, nullable=False),
    Column("actor", String(100), nullable=True),
    Column("note", Text, nullable=True),
    Index("ix_policy_events_kind_id", "kind", "id"),
)


class BatchScoring(Base):
    """A stored batch scored again by one model version (any registered one), off the request path. The
    batch's own decisions stay as they were; the scores go to `batch_scores`."""

    __tablename__ = "batch_scorings"
    __table_args__ = (UniqueConstraint("batch_id", "model_version", name="uq_batch_scorings_batch_version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    batch_id: Mapped[int]
    model_version: Mapped[str] = mapped_column(String(100))
    status: Mapped[str] = mapped_column(String(16))  # queued, running, done, failed
    rows_done: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    row_count: Mapped[int]
    threshold: Mapped[float | None] = mapped_column(Double)
    metrics: Mapped[dict[str, Any] | None]
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


# One score per (scoring, row); a bulk table like `predictions`, written with COPY, without foreign keys.
batch_scores = Table(
    "batch_scores",
    Base.metadata,
    Column("scoring_id", Integer, primary_key=True),
    Column("row_number", BigInteger, primary_key=True),
    Column("probability", Double, nullable=False),
)
