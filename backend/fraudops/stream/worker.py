"""`fraudops worker`: consume transactions from a Redis stream and score them in micro-batches.

Delivery is at least once: a message is acknowledged only after its prediction is committed to the
prediction log, and messages left pending by a dead worker are claimed by a live one after
`claim_idle_ms`. The log's key (the request id) makes the second write of a redelivered message a
no-op, so every message ends up in the log exactly once.

Faults never stop a worker. While Redis or the database is unreachable it waits, with backoff, saying
what it waits for, and resumes when the service returns; messages it could not write stay pending
meanwhile. A message that can never be logged is parked instead of being retried for ever: one that
does not parse goes to the `<stream>:dead` stream; one whose write the database refuses (found by
splitting the micro-batch in halves) goes to the `dead_letters` table and to `<stream>:dead`. Parked
messages are acknowledged.
"""

import json
import logging
import math
import os
import signal
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TypeVar

import numpy as np
import pyarrow as pa
import redis
from pydantic import ValidationError
from sqlalchemy.orm import Session, sessionmaker

from fraudops import crud
from fraudops.core.config import get_settings
from fraudops.core.db import is_refused
from fraudops.decisions import Explain, decide, log_record
from fraudops.ml.scorer import Scorer
from fraudops.policy import Policy
from fraudops.predlog import to_table
from fraudops.schemas import TransactionIn
from fraudops.versions import VersionLoader

log = logging.getLogger(__name__)

T = TypeVar("T")
Message = tuple[bytes, dict[bytes, bytes]]  # (stream message id, fields)

# Failures that mean Redis is away (refused, reset, timed out, still loading), not that it said no.
REDIS_UNREACHABLE = (redis.ConnectionError, redis.TimeoutError)


@dataclass
class WorkerConfig:
    stream: str
    group: str
    consumer: str
    batch_size: int = 256
    block_ms: int = 1_000
    claim_idle_ms: int = 5_000
    band_review_at: float | None = None
    band_decline_at: float | None = None
    # Waits for an unreachable Redis or database: `retry_first_s`, doubling up to `retry_max_s`.
    retry_first_s: float = 0.5
    retry_max_s: float = 10.0
    # Test hook: exit abruptly after writing (but before acknowledging) this many batches.
    crash_after_batches: int | None = None


@dataclass
class _Parsed:
    """A message ready to score."""

    message_id: bytes
    fields: dict[bytes, bytes]
    request_id: str
    transaction: TransactionIn


class _Stopped(Exception):
    """Raised out of a wait when the worker is asked to stop: what it holds stays pending."""


class Backoff:
    """Delays between tries: `first` seconds, doubling up to `cap`."""

    def __init__(self, first: float, cap: float) -> None:
        self.first, self.cap = first, cap
        self.failures = 0

    def next_delay(self) -> float:
        delay = float(min(self.cap, self.first * 2**self.failures))
        self.failures += 1
        return delay


def ensure_group(client: redis.Redis, stream: str, group: str) -> None:
    try:
        client.xgroup_create(stream, group, id="0", mkstream=True)
    except redis.ResponseError as error:
        if "BUSYGROUP" not in str(error):
            raise


def _first_line(error: BaseException) -> str:
    return (str(error).strip().splitlines() or [type(error).__name__])[0].rstrip(".")


def _decoded(fields: dict[bytes, bytes]) -> dict[str, str]:
    """The message as text for a dead letter: undecodable bytes are kept as escapes, never an error."""
    return {
        k.decode(errors="backslashreplace"): v.decode(errors="backslashreplace") for k, v in fields.items()
    }


def _waited_ms(fields: dict[bytes, bytes], now: float) -> float:
    """Time since the producer sent the message; 0 when `sent_at` is missing or not a time."""
    try:
        sent_at = float(fields[b"sent_at"])
    except (KeyError, ValueError):
        return 0.0
    return max(0.0, (now - sent_at) * 1e3) if math.isfinite(sent_at) else 0.0


class Worker:
    def __init__(
        self,
        client: redis.Redis,
        scorer: Scorer,
        session_factory: sessionmaker[Session],
        config: WorkerConfig,
        policy: Policy | None = None,
    ) -> None:
        self.client, self.scorer, self.session_factory, self.config = client, scorer, session_factory, config
        # The bands and shadow challenger in force, refreshed in a thread of its own (started by `run`).
        self.policy = policy or Policy(
            session_factory,
            config.band_review_at,
            config.band_decline_at,
            VersionLoader.from_settings(get_settings()),
        )
        self.scored = 0
        self.parked = 0
        self.batches = 0
        self._stopping = False
        self._group_ready = False
        self._redis_name = f"Redis at {_redis_address(client)}"
        self._db_name = f"the database at {_db_address(session_factory)}"

    def stop(self, *_: object) -> None:
        self._stopping = True

    def run(self, idle_exit_s: float | None = None) -> None:
        """Work until stopped (SIGTERM/SIGINT), or until idle for `idle_exit_s` seconds when given."""
        if threading.current_thread() is threading.main_thread():  # signals reach the main thread only
            signal.signal(signal.SIGTERM, self.stop)
            signal.signal(signal.SIGINT, self.stop)
        self.policy.refresh()  # the policy in force before the first message (the last one if the DB is away)
        self.policy.start_thread()
        idle_since = time.monotonic()
        try:
            while not self._stopping:
                messages = self._next_messages()
                if messages:
                    self._process(messages)
                    idle_since = time.monotonic()
                elif idle_exit_s is not None and time.monotonic() - idle_since > idle_exit_s:
                    break
        except _Stopped:
            pass
        log.info(
            "worker %s stopping after %d messages (%d parked)", self.config.consumer, self.scored, self.parked
        )

    # Redis

    def _next_messages(self) -> list[Message]:
        try:
            if not self._group_ready:
                self._redis(lambda: ensure_group(self.client, self.config.stream, self.config.group))
                self._group_ready = True
            return self._redis(self._claim_abandoned) or self._redis(self._read_new)
        except redis.ResponseError as error:
            if "NOGROUP" not in str(error):
                raise
            # The stream or its group is gone (a Redis restarted without persistence, a deleted key).
            log.warning("%s: %s; creating the consumer group again", self._redis_name, _first_line(error))
            self._group_ready = False
            return []

    def _claim_abandoned(self) -> list[Message]:
        _, messages, _ = self.client.xautoclaim(
            self.config.stream, self.config.group, self.config.consumer,
            min_idle_time=self.config.claim_idle_ms, start_id="0-0", count=self.config.batch_size,
        )  # fmt: skip
        return [m for m in messages if m[1]]  # entries deleted from the stream come back empty

    def _read_new(self) -> list[Message]:
        reply = self.client.xreadgroup(
            self.config.group, self.config.consumer, {self.config.stream: ">"},
            count=self.config.batch_size, block=self.config.block_ms,
        )  # fmt: skip
        messages: Any = reply[0][1] if reply else []  # type: ignore[index]  # RESP2: [[stream, messages]]
        return list(messages)

    def _redis(self, command: Callable[[], T]) -> T:
        """Run a Redis command, waiting out an unreachable Redis until it answers (or the worker stops)."""
        backoff = self._backoff()
        while True:
            try:
                result = command()
            except REDIS_UNREACHABLE as error:
                self._wait(backoff, self._redis_name, error)
                continue
            except redis.ResponseError:  # an error reply is an answer all the same
                self._back(backoff, self._redis_name)
                raise
            self._back(backoff, self._redis_name)
            return result

    def _ack(self, *message_ids: bytes) -> None:
        self._redis(lambda: self.client.xack(self.config.stream, self.config.group, *message_ids))

    def _park_in_stream(self, message_id: bytes, reason: str) -> None:
        dead = f"{self.config.stream}:dead"
        self._redis(lambda: self.client.xadd(dead, {"id": message_id, "error": reason[:500]}))

    # Messages

    def _process(self, messages: list[Message]) -> None:
        now = time.time()
        parsed = [p for p in (self._parse(message_id, fields) for message_id, fields in messages) if p]
        written = self._write_or_park(self._table(parsed, now), parsed) if parsed else 0
        self.batches += 1
        if self.config.crash_after_batches is not None and self.batches >= self.config.crash_after_batches:
            log.warning("crash hook: exiting after writing batch %d, before acknowledging it", self.batches)
            os._exit(3)
        self._ack(*(message_id for message_id, _ in messages))
        self.scored += written

    def _parse(self, message_id: bytes, fields: dict[bytes, bytes]) -> _Parsed | None:
        try:
            payload: Any = json.loads(fields[b"tx"])
            request_id = fields[b"request_id"].decode()
            return _Parsed(message_id, fields, request_id, TransactionIn.model_validate(payload))
        except (KeyError, ValueError, ValidationError) as error:  # UnicodeDecodeError is a ValueError
            # A message that can never be scored is parked, not retried forever.
            self._park_in_stream(message_id, str(error))
            log.warning("message %s parked in %s:dead: %s", message_id, self.config.stream, error)
            return None

    def _table(self, parsed: list[_Parsed], now: float) -> pa.Table:
        """Score the messages: their prediction log rows, in order."""
        raw = np.array([p.transaction.features() for p in parsed], dtype=np.float64)
        in_force = self.policy.current  # one read: bands and challenger of the same moment
        # Reasons are kept for the rows in review or decline (when the model has a profile to explain with).
        which: Explain = "attention" if self.scorer.profile is not None else "none"
        decided = decide(self.scorer, raw, in_force.bands(self.scorer.threshold), which, in_force.challenger)
        waited_ms = np.array([_waited_ms(p.fields, now) for p in parsed])
        chunk = log_record(
            decided,
            raw,
            source="stream",
            request_ids=[p.request_id for p in parsed],
            external_ids=[None if p.transaction.id is None else str(p.transaction.id) for p in parsed],
            received_at=datetime.now(UTC),
            latency_ms=waited_ms + (time.time() - now) * 1e3,
        )
        return to_table([chunk], reasons_as="objects")

    # Database

    def _write_or_park(self, table: pa.Table, parsed: list[_Parsed]) -> int:
        """Write the rows; returns how many were written. Waits while the database is unreachable; rows
        it refuses are isolated and parked, so one poisoned message never blocks the others."""
        refused = self._write(table)
        if refused is None:
            return int(table.num_rows)
        log.warning(
            "the database refused %d rows (%s); isolating the bad ones", len(parsed), _first_line(refused)
        )
        return self._bisect(table, parsed, refused)

    def _bisect(self, table: pa.Table, parsed: list[_Parsed], refused: Exception) -> int:
        """Write `table` (refused with `refused`) in halves until each refused row is alone, then park it.
        A bad row costs about 2·log2(n) extra writes; the database's own check decides what is bad."""
        if table.num_rows == 1:
            self._park(parsed[0], refused)
            return 0
        half = table.num_rows // 2
        written = 0
        for part, messages in ((table.slice(0, half), parsed[:half]), (table.slice(half), parsed[half:])):
            error = self._write(part)
            written += part.num_rows if error is None else self._bisect(part, messages, error)
        return written

    def _write(self, table: pa.Table) -> Exception | None:
        return self._in_transaction(
            lambda session: crud.append_prediction_log(session, table, idempotent=True)
        )

    def _park(self, message: _Parsed, refused: Exception) -> None:
        """Park a message the database refused, in `dead_letters` and `<stream>:dead`, then acknowledge it."""
        reason = _first_line(refused)
        letter = (message.message_id.decode(), _decoded(message.fields), reason)
        failed = self._in_transaction(lambda session: crud.park_dead_letters(session, "stream", [letter]))
        if failed is not None:  # even the escaped copy was refused: the dead stream still keeps it
            log.error("could not park message %s in dead_letters: %s", letter[0], _first_line(failed))
        self._park_in_stream(message.message_id, reason)
        self._ack(message.message_id)
        self.parked += 1
        log.error("message %s parked (dead_letters, %s:dead): %s", letter[0], self.config.stream, reason)

    def _in_transaction(self, work: Callable[[Session], None]) -> Exception | None:
        """Run `work` and commit, in a transaction of its own (a refused statement aborts the whole
        transaction). Waits out an unreachable database; returns the error if the database refused."""
        backoff = self._backoff()
        while True:
            try:
                with self.session_factory() as session:  # closing rolls back whatever was not committed
                    work(session)
                    session.commit()
            except Exception as error:
                if is_refused(error):
                    return error
                self._wait(backoff, self._db_name, error)
                continue
            self._back(backoff, self._db_name)
            return None

    # Waiting

    def _backoff(self) -> Backoff:
        return Backoff(self.config.retry_first_s, self.config.retry_max_s)

    @staticmethod
    def _back(backoff: Backoff, what: str) -> None:
        if backoff.failures:
            log.info("%s is back", what)

    def _wait(self, backoff: Backoff, what: str, error: BaseException) -> None:
        """Log what the worker waits for, then sleep the next backoff delay; raise `_Stopped` on a stop."""
        if self._stopping:
            raise _Stopped
        delay = backoff.next_delay()
        log.warning("waiting for %s: %s; retry in %g s", what, _first_line(error), delay)
        deadline = time.monotonic() + delay
        while not self._stopping and (left := deadline - time.monotonic()) > 0:
            time.sleep(min(left, 0.1))  # short naps: a SIGTERM ends the wait within 0.1 s
        if self._stopping:
            raise _Stopped


def _redis_address(client: redis.Redis) -> str:
    """Where the client connects, without credentials (which the URL may hold)."""
    kwargs = client.connection_pool.connection_kwargs
    if "path" in kwargs:
        return f"unix://{kwargs['path']}"
    return f"redis://{kwargs.get('host', 'localhost')}:{kwargs.get('port', 6379)}/{kwargs.get('db', 0)}"


def _db_address(session_factory: sessionmaker[Session]) -> str:
    bind = session_factory.kw.get("bind")
    return bind.url.render_as_string(hide_password=True) if bind is not None else "(unbound)"
