"""The prediction log: every real-time prediction is persisted, off the request's critical path.

Requests append their results to an in-memory buffer (a list append, no I/O). A background task
flushes the buffer every `flush_seconds`, or sooner once `flush_rows` are waiting, with one bulk write
(COPY on PostgreSQL) in a worker thread. Shutdown flushes whatever is left, so a clean stop loses
nothing. A crash loses at most what was buffered: about `flush_seconds` of traffic. If the database
is unreachable, entries are kept and retried up to `max_pending` rows; beyond that new entries are
dropped and counted (`dropped`, shown by /api/health) rather than failing or slowing predictions.

A write the database refuses for what it contains (not for being unreachable) is split in halves until
the refused rows are isolated; those are parked in `dead_letters` (`parked`) and the rest written, so
one poisoned value can never stop the log. /api/health says `degraded` while writes fail.
"""

import asyncio
import contextlib
import logging
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import orjson
import pyarrow as pa
from fastapi.concurrency import run_in_threadpool
from sqlalchemy.orm import Session, sessionmaker

from fraudops import crud
from fraudops.core.db import is_refused
from fraudops.data.schema import DB_COLUMN, FEATURE_COLUMNS

if TYPE_CHECKING:
    from fraudops.ml.scorer import Scorer

log = logging.getLogger(__name__)


@dataclass
class Chunk:
    """The predictions of one request (or one stream micro-batch)."""

    request_ids: list[str]
    received_at: datetime
    source: str
    external_ids: list[str | None]
    features: np.ndarray  # (n, 30) raw transaction values
    probability: np.ndarray
    is_fraud: np.ndarray
    threshold: float
    model_version: str
    latency_ms: float | np.ndarray  # one figure for the chunk, or one per row
    band: np.ndarray | None = None  # monitoring.bands codes
    review_at: float | None = None
    decline_at: float | None = None
    shadow_probability: np.ndarray | None = None  # the challenger's scores, when one is set
    shadow_version: str | None = None
    # A challenger to score these rows with at flush time instead (`/api/predict`: off the request path,
    # one batched call per flush). Never decides anything: the decisions above are already made.
    shadow_later: "Scorer | None" = None
    reasons: dict[int, list[dict[str, Any]]] | None = None  # row index → top reasons (review/decline rows)

    def __len__(self) -> int:
        return len(self.request_ids)


def _describe(error: BaseException) -> str:
    first = (str(error).splitlines() or [""])[0]
    return f"{type(error).__name__}: {first[:200]}"


# The reasons column as Arrow objects (for inserts through SQLAlchemy, whose JSON type encodes them).
REASONS_TYPE = pa.list_(
    pa.struct([("feature", pa.string()), ("value", pa.float64()), ("contribution", pa.float64())])
)


def to_table(chunks: list[Chunk], reasons_as: Literal["text", "objects"] = "text") -> pa.Table:
    """Rows for the `prediction_log` table, in its column order.

    `reasons_as`: JSON text for COPY (the flusher), or Arrow objects for an insert through SQLAlchemy
    (the stream worker's idempotent insert), whose JSON type would encode text a second time.

    Runs in the flusher's thread while requests keep arriving, so it holds the GIL as briefly as it can:
    per-chunk values are spread with plain list operations (per-chunk NumPy calls made a 600-request
    flush take 40 ms and showed up as the API's p99).
    """

    score_shadows(chunks)

    lengths = [len(c.request_ids) for c in chunks]
    one_row_each = len(lengths) == sum(lengths)  # /api/predict's usual flush: a chunk per request

    def per_row(values: list[Any]) -> list[Any]:
        if one_row_each:  # the values are the column already (a one-row array stands for its value)
            return [v.item() if isinstance(v, np.ndarray) else v for v in values]
        out: list[Any] = []
        for value, n in zip(values, lengths, strict=True):
            if isinstance(value, np.ndarray):
                out.extend(value.tolist())
            else:
                out.extend([value] * n)
        return out

    features = np.concatenate([c.features for c in chunks]).astype(np.float64, copy=False)
    columns: dict[str, Any] = {
        "request_id": pa.array([r for c in chunks for r in c.request_ids], pa.string()),
        # Epoch microseconds: converting datetime objects would make Arrow import pandas mid-flush.
        "received_at": pa.array(
            per_row([round(c.received_at.timestamp() * 1e6) for c in chunks]), pa.timestamp("us", tz="UTC")
        ),
        "source": pa.array(per_row([c.source for c in chunks]), pa.string()),
        "external_id": pa.array([e for c in chunks for e in c.external_ids], pa.string()),
        **{DB_COLUMN[name]: pa.array(features[:, j]) for j, name in enumerate(FEATURE_COLUMNS)},
        "probability": pa.array(np.concatenate([c.probability for c in chunks]).astype(np.float64)),
        "is_fraud": pa.array(np.concatenate([c.is_fraud for c in chunks]).astype(bool)),
        "threshold": pa.array(per_row([c.threshold for c in chunks]), pa.float64()),
        "model_version": pa.array(per_row([c.model_version for c in chunks]), pa.string()),
        "latency_ms": pa.array(per_row([c.latency_ms for c in chunks]), pa.float64()),
        "band": pa.array(per_row([c.band for c in chunks]), pa.int16()),
        "review_at": pa.array(per_row([c.review_at for c in chunks]), pa.float64()),
        "decline_at": pa.array(per_row([c.decline_at for c in chunks]), pa.float64()),
        "shadow_probability": pa.array(per_row([c.shadow_probability for c in chunks]), pa.float64()),
        "shadow_version": pa.array(per_row([c.shadow_version for c in chunks]), pa.string()),
        "reasons": (
            pa.array(_reasons_per_row(chunks), pa.string())
            if reasons_as == "text"
            else pa.array([_row_reasons(c, i) for c in chunks for i in range(len(c))], REASONS_TYPE)
        ),
    }
    return pa.table(columns)


def score_shadows(chunks: list[Chunk]) -> None:
    """Fill in the deferred shadow scores: one model call per challenger for all its waiting rows. A
    challenger that fails leaves its rows' shadow empty (logged), never the log stuck."""
    waiting: dict[int, list[Chunk]] = {}
    for chunk in chunks:
        if chunk.shadow_later is not None:
            waiting.setdefault(id(chunk.shadow_later), []).append(chunk)
    for group in waiting.values():
        scorer = group[0].shadow_later
        assert scorer is not None
        try:
            scores = scorer.predict_proba(np.concatenate([c.features for c in group]))
        except Exception:
            log.exception("shadow challenger %s failed to score %d rows", scorer.version, len(group))
            scores = None
        start = 0
        for chunk in group:
            if scores is not None:
                chunk.shadow_probability = scores[start : start + len(chunk)]
                chunk.shadow_version = scorer.version
            start += len(chunk)
            chunk.shadow_later = None


def _row_reasons(chunk: Chunk, i: int) -> list[dict[str, Any]] | None:
    return chunk.reasons.get(i) if chunk.reasons else None


def _reasons_per_row(chunks: list[Chunk]) -> list[str | None]:
    """The reasons column as JSON text (null for rows without), built only where a chunk has reasons."""
    out: list[str | None] = []
    for chunk in chunks:
        rows: list[str | None] = [None] * len(chunk)
        for i, reasons in (chunk.reasons or {}).items():
            rows[i] = orjson.dumps(reasons).decode()
        out.extend(rows)
    return out


@dataclass
class PredictionLog:
    session_factory: sessionmaker[Session]
    flush_rows: int = 2_000
    flush_seconds: float = 0.5
    max_pending: int = 200_000
    written: int = 0
    dropped: int = 0
    parked: int = 0  # rows the database refused, now in dead_letters
    failing: str | None = None  # the last flush's error while writes fail; None when they succeed
    _pending: list[Chunk] = field(default_factory=list)
    _pending_rows: int = 0
    _writing_rows: int = 0
    _wake: asyncio.Event = field(default_factory=asyncio.Event)
    _lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    _task: asyncio.Task[None] | None = None
    _stopping: bool = False

    def record(self, chunk: Chunk) -> None:
        """Queue a request's predictions. Never blocks and never raises."""
        if self._pending_rows + len(chunk) > self.max_pending:
            self.dropped += len(chunk)
            return
        self._pending.append(chunk)
        self._pending_rows += len(chunk)
        if self._pending_rows >= self.flush_rows:
            self._wake.set()

    @property
    def pending(self) -> int:
        """Rows not yet committed: queued, or being written right now."""
        return self._pending_rows + self._writing_rows

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="prediction-log-flusher")

    async def _run(self) -> None:
        while not self._stopping:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=self.flush_seconds)
            self._wake.clear()
            try:
                await self.flush()
            except Exception:  # never let the flusher die; the entries stay queued for the next try
                log.exception("prediction log flush failed; %d rows kept for retry", self._pending_rows)
            if self.failing is not None:  # the database is away: don't spin, try again a little later
                await asyncio.sleep(self.flush_seconds)

    async def flush(self) -> int:
        """Write everything queued so far; returns the number of rows written.

        Never raises for the database's sake: rows it cannot reach stay queued (and `failing` is set),
        rows it refuses are parked. Callers (feedback, drift) can always flush first."""
        async with self._lock:
            chunks, rows = self._pending, self._pending_rows
            if not chunks:
                return 0
            self._pending, self._pending_rows, self._writing_rows = [], 0, rows
            try:
                written, parked = await run_in_threadpool(self._write_or_park, chunks)
            except BaseException as error:
                self._pending[:0] = chunks  # put them back in front, in order
                self._pending_rows += rows
                self._writing_rows = 0
                self.failing = _describe(error)
                if isinstance(error, Exception):
                    log.warning("prediction log flush failed; %d rows kept for retry: %s", rows, self.failing)
                    return 0
                raise
            self.failing = None
            self.written += written  # before clearing `writing`, so written + pending never dips
            self.parked += parked
            self._writing_rows = 0
            return written

    def _write_or_park(self, chunks: list[Chunk]) -> tuple[int, int]:
        """(rows written, rows parked). Raises only when the database is unreachable."""
        table = to_table(chunks)
        try:
            self._write(table)
        except Exception as error:
            if not is_refused(error):
                raise
            log.warning("the database refused a prediction log write (%s); isolating the bad rows", error)
            return self._bisect(table, error)
        return table.num_rows, 0

    def _bisect(self, table: pa.Table, error: Exception) -> tuple[int, int]:
        """Write `table` (which the database refused with `error`) in halves until every refused row is
        alone, then park those rows. A poisoned row costs about 2·log2(n) extra writes; the database's own
        check decides what is bad, so nothing here guesses what it would refuse."""
        if table.num_rows == 1:
            self._park(table, error)
            return 0, 1
        half = table.num_rows // 2
        written = parked = 0
        for part in (table.slice(0, half), table.slice(half)):
            try:
                self._write(part)
                written += part.num_rows
            except Exception as refused:
                if not is_refused(refused):
                    raise
                w, p = self._bisect(part, refused)
                written, parked = written + w, parked + p
        return written, parked

    def _park(self, row: pa.Table, error: Exception) -> None:
        record = row.to_pylist()[0]
        reason = f"{type(error).__name__}: {error}"
        try:
            with self.session_factory() as session:
                crud.park_dead_letters(session, "prediction_log", [(record["request_id"], record, reason)])
                session.commit()
        except Exception as refused:
            if not is_refused(refused):
                raise
            # Even the escaped copy was refused: count it as dropped rather than block the log for ever.
            log.exception("could not park prediction %r; dropped", record["request_id"])
            self.dropped += 1
            return
        log.error("parked prediction %r in dead_letters: %s", record["request_id"], reason)

    def _write(self, table: pa.Table) -> None:
        with self.session_factory() as session:
            crud.append_prediction_log(session, table)
            session.commit()

    async def close(self) -> None:
        """Stop the flusher and write what is left (called on shutdown, after requests have drained).

        The flusher is asked to stop, never cancelled: cancelling it during a write would leave a
        committed write looking unwritten, and the final flush would then write it twice.
        """
        self._stopping = True
        self._wake.set()
        if self._task is not None:
            await self._task
        await self.flush()
