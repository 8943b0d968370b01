"""The prediction log: every real-time prediction is persisted, off the request's critical path.

Requests append their results to an in-memory buffer (no I/O; on PostgreSQL a one-row request's row is
encoded for binary COPY as it is appended, a few microseconds). A background task flushes the buffer
every `flush_seconds`, or sooner once `flush_rows` are waiting, with one bulk write (COPY on PostgreSQL)
in a worker thread, which then has little more to do than send bytes: its CPU work holds the GIL, and
that waiting lands on the requests being served meanwhile. Shutdown flushes whatever is left, so a clean
stop loses nothing. A crash loses at most what was buffered: about `flush_seconds` of traffic. If the database
is unreachable, entries are kept and retried up to `max_pending` rows; beyond that new entries are
dropped and counted (`dropped`, shown by /api/health) rather than failing or slowing predictions.

A write the database refuses for what it contains (not for being unreachable) is split in halves until
the refused rows are isolated; those are parked in `dead_letters` (`parked`) and the rest written, so
one poisoned value can never stop the log. /api/health says `degraded` while writes fail.
"""

import asyncio
import contextlib
import logging
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from itertools import chain, compress, repeat
from operator import attrgetter, is_, is_not
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import orjson
import pyarrow as pa
from fastapi.concurrency import run_in_threadpool
from sqlalchemy.orm import Session, sessionmaker

from fraudops import crud
from fraudops.core import pgcopy
from fraudops.core.db import is_refused
from fraudops.data.schema import DB_COLUMN, FEATURE_COLUMNS
from fraudops.tables import prediction_log

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
    # The row in binary COPY form up to its shadow columns, when the log encoded it on arrival (see
    # `PredictionLog.record`).
    encoded: bytes | None = None

    def __len__(self) -> int:
        return len(self.request_ids)


def _describe(error: BaseException) -> str:
    first = (str(error).splitlines() or [""])[0]
    return f"{type(error).__name__}: {first[:200]}"


# The reasons column as Arrow objects (for inserts through SQLAlchemy, whose JSON type encodes them).
REASONS_TYPE = pa.list_(
    pa.struct([("feature", pa.string()), ("value", pa.float64()), ("contribution", pa.float64())])
)


_REQUEST_IDS, _EXTERNAL_IDS, _RECEIVED_AT, _REASONS = (
    attrgetter("request_ids"),
    attrgetter("external_ids"),
    attrgetter("received_at"),
    attrgetter("reasons"),
)


def to_table(chunks: list[Chunk], reasons_as: Literal["text", "objects"] = "text") -> pa.Table:
    """Rows for the `prediction_log` table, in its column order.

    `reasons_as`: JSON text for COPY (the flusher), or Arrow objects for an insert through SQLAlchemy
    (the stream worker's idempotent insert), whose JSON type would encode text a second time.

    Runs in the flusher's thread while requests keep arriving, and every millisecond it holds the GIL is
    a millisecond of waiting spread over the requests of the moment (the real-time path's p99). So the
    chunks are walked with C-level iteration (`map`, `attrgetter`, `chain`) wherever a column allows:
    a flush can hold 2,000 one-row chunks.
    """
    score_shadows(chunks)

    lengths = np.fromiter(map(len, map(_REQUEST_IDS, chunks)), np.int64, len(chunks))
    n = int(lengths.sum())
    # Row → its chunk, for values given once per chunk; None when every chunk is one row (the identity).
    owner = None if n == len(chunks) else pa.array(np.repeat(np.arange(len(chunks)), lengths))

    def column(attribute: str, kind: pa.DataType) -> pa.Array:
        return _column(list(map(attrgetter(attribute), chunks)), lengths, owner, kind)

    stamps = np.fromiter(map(datetime.timestamp, map(_RECEIVED_AT, chunks)), np.float64, len(chunks))
    received = pa.array(np.round(stamps * 1e6).astype(np.int64), pa.timestamp("us", tz="UTC"))
    features = np.concatenate([c.features for c in chunks]).astype(np.float64, copy=False)
    columns: dict[str, Any] = {
        "request_id": pa.array(chain.from_iterable(map(_REQUEST_IDS, chunks)), pa.string(), size=n),
        "received_at": received if owner is None else received.take(owner),
        "source": column("source", pa.string()),
        "external_id": pa.array(chain.from_iterable(map(_EXTERNAL_IDS, chunks)), pa.string(), size=n),
        **{DB_COLUMN[name]: pa.array(features[:, j]) for j, name in enumerate(FEATURE_COLUMNS)},
        "probability": column("probability", pa.float64()),
        "is_fraud": column("is_fraud", pa.bool_()),
        "threshold": column("threshold", pa.float64()),
        "model_version": column("model_version", pa.string()),
        "latency_ms": column("latency_ms", pa.float64()),
        "band": column("band", pa.int16()),
        "review_at": column("review_at", pa.float64()),
        "decline_at": column("decline_at", pa.float64()),
        "shadow_probability": column("shadow_probability", pa.float64()),
        "shadow_version": column("shadow_version", pa.string()),
        "reasons": _reasons_column(chunks, lengths, n, reasons_as),
    }
    return pa.table(columns)


def _column(values: list[Any], lengths: np.ndarray, owner: pa.Array | None, kind: pa.DataType) -> pa.Array:
    """One column from each chunk's value: an array of its rows' values, or one value (None: NULL) that
    stands for all of its rows."""
    types = set(map(type, values))
    if types == {np.ndarray}:
        return pa.array(np.concatenate(values), kind)
    if np.ndarray not in types:
        once = pa.array(values, kind)
        return once if owner is None else once.take(owner)
    # Some chunks have per-row values, others one value (rare: chunks of different sources).
    spread: list[Any] = []
    for value, count in zip(values, lengths.tolist(), strict=True):
        spread.extend(value.tolist() if isinstance(value, np.ndarray) else [value] * count)
    return pa.array(spread, kind)


def _reasons_column(
    chunks: list[Chunk], lengths: np.ndarray, n: int, reasons_as: Literal["text", "objects"]
) -> pa.Array:
    """The reasons of the rows that have them (a few in a thousand), NULL elsewhere: JSON text for COPY,
    or Arrow objects for an insert through SQLAlchemy."""
    rows: list[Any] = [None] * n
    starts = np.concatenate([[0], np.cumsum(lengths)[:-1]]).tolist()
    for k in compress(range(len(chunks)), map(_REASONS, chunks)):  # only the chunks with reasons
        for i, reasons in chunks[k].reasons.items():  # type: ignore[union-attr]  # compress kept non-empty
            rows[starts[k] + i] = orjson.dumps(reasons).decode() if reasons_as == "text" else reasons
    return pa.array(rows, pa.string() if reasons_as == "text" else REASONS_TYPE)


def score_shadows(chunks: list[Chunk]) -> None:
    """Fill in the deferred shadow scores: one model call per challenger for all its waiting rows. A
    challenger that fails leaves its rows' shadow empty (logged), never the log stuck."""
    for scorer, group, scores in _deferred_scores(chunks):
        start = 0
        for k in group:
            chunk = chunks[k]
            if scores is not None:
                chunk.shadow_probability = scores[start : start + len(chunk)]
                chunk.shadow_version = scorer.version
            start += len(chunk)
            chunk.shadow_later = None


def _deferred_scores(chunks: list[Chunk]) -> Iterator[tuple["Scorer", list[int], np.ndarray | None]]:
    """Per deferred challenger: the indices of its chunks and its scores of their rows, in order (None,
    logged, when it failed)."""
    waiting: dict[int, list[int]] = {}
    for k in compress(range(len(chunks)), map(_SHADOW_LATER, chunks)):
        waiting.setdefault(id(chunks[k].shadow_later), []).append(k)
    for group in waiting.values():
        scorer = chunks[group[0]].shadow_later
        assert scorer is not None
        try:
            scores = scorer.predict_proba(np.concatenate([chunks[k].features for k in group]))
        except Exception:
            log.exception("shadow challenger %s failed to score %d chunks", scorer.version, len(group))
            scores = None
        yield scorer, group, scores


# One request's row, encoded when it is recorded: a few microseconds on the request's own thread, where
# the flusher's Arrow table and vectorised encoding cost ~6 µs a row plus ~1 ms a flush in a second
# thread, and every millisecond that thread holds the GIL is waiting spread over the requests of the
# moment (it set /api/predict's p99). The shadow columns come last: a deferred challenger's score is
# known only at flush time.
_ROW = pgcopy.RowEncoder(
    prediction_log,
    fixed=[
        "received_at",
        *(DB_COLUMN[name] for name in FEATURE_COLUMNS),
        "probability",
        "is_fraud",
        "threshold",
        "latency_ms",
    ],
    rest=[
        "request_id",
        "source",
        "external_id",
        "model_version",
        "band",
        "review_at",
        "decline_at",
        "reasons",
    ],
    later=["shadow_probability", "shadow_version"],
)
_NO_SHADOW = _ROW.tail([None, None])
_ENCODED, _SHADOW_PROBABILITY = attrgetter("encoded"), attrgetter("shadow_probability")
_SHADOW_LATER = attrgetter("shadow_later")


def encode_row(chunk: Chunk) -> bytes:
    """A one-row chunk's binary COPY row, without its shadow columns. Raises ValueError for a value its
    column cannot take (text that is not valid Unicode)."""
    latency = chunk.latency_ms
    reasons = chunk.reasons.get(0) if chunk.reasons else None
    return _ROW.row(
        [
            chunk.received_at,
            *chunk.features[0].tolist(),
            chunk.probability.item(),
            chunk.is_fraud.item(),
            chunk.threshold,
            latency.item() if isinstance(latency, np.ndarray) else latency,
        ],
        [
            chunk.request_ids[0],
            chunk.source,
            chunk.external_ids[0],
            chunk.model_version,
            None if chunk.band is None else chunk.band.item(),
            chunk.review_at,
            chunk.decline_at,
            None if reasons is None else orjson.dumps(reasons),
        ],
    )


def _encoded_rows(chunks: list[Chunk]) -> bytes:
    """The encoded one-row chunks' rows, each completed with its shadow columns: NULL, or the challenger's
    score, scored now in one call per challenger when it was deferred. The chunks are left as they are:
    should the write be refused, the table path scores them again."""
    given = list(map(_SHADOW_PROBABILITY, chunks))
    deferred = not all(map(is_, map(_SHADOW_LATER, chunks), repeat(None)))
    if not deferred and all(map(is_, given, repeat(None))):  # no challenger: every row ends alike
        return _NO_SHADOW.join(map(_ENCODED, chunks)) + _NO_SHADOW
    tails = [_NO_SHADOW] * len(chunks)
    for k in compress(range(len(chunks)), map(is_not, given, repeat(None))):  # scored already (a retry)
        tails[k] = _ROW.tail([given[k].item(), chunks[k].shadow_version])
    for scorer, group, scores in _deferred_scores(chunks) if deferred else ():
        if scores is not None:
            for k, tail in zip(group, _ROW.tails([scores, scorer.version], len(group)), strict=True):
                tails[k] = tail
    rows: list[bytes] = [b""] * (2 * len(chunks))
    rows[0::2] = map(_ENCODED, chunks)
    rows[1::2] = tails
    return b"".join(rows)


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

    def __post_init__(self) -> None:
        # Rows are encoded on arrival only for PostgreSQL's binary COPY; SQLite inserts from the table.
        bind = self.session_factory.kw.get("bind")
        self.encode_rows = bind is not None and bind.dialect.name == "postgresql"

    def record(self, chunk: Chunk) -> None:
        """Queue a request's predictions. Never blocks and never raises."""
        if self._pending_rows + len(chunk) > self.max_pending:
            self.dropped += len(chunk)
            return
        if self.encode_rows and len(chunk.request_ids) == 1 and chunk.shadow_probability is None:
            # A value the encoding cannot take leaves the row to the table path, where the database
            # decides what it refuses (and the refused row is parked).
            with contextlib.suppress(ValueError, TypeError, OverflowError):
                chunk.encoded = encode_row(chunk)
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
        try:
            written = self._write_chunks(chunks)
        except Exception as error:
            if not is_refused(error):
                raise
            log.warning("the database refused a prediction log write (%s); isolating the bad rows", error)
            return self._bisect(to_table(chunks), error)
        return written, 0

    def _write_chunks(self, chunks: list[Chunk]) -> int:
        """One transaction: the rows encoded on arrival as they are, the others through the table."""
        encoded = [c for c in chunks if c.encoded is not None]
        others = [c for c in chunks if c.encoded is None] if len(encoded) < len(chunks) else []
        with self.session_factory() as session:
            if encoded:
                crud.append_encoded_prediction_log(session, _ROW.columns, _encoded_rows(encoded))
            if others:
                crud.append_prediction_log(session, to_table(others))
            session.commit()
        return len(encoded) + sum(map(len, others))

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
