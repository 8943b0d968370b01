"""`fraudops worker`: consume transactions from a Redis stream and score them in micro-batches.

Delivery is at least once: a message is acknowledged only after its prediction is committed to the
prediction log, and messages left pending by a dead worker are claimed by a live one after
`claim_idle_ms`. The log's key (the request id) makes the second write of a redelivered message a
no-op, so every message ends up in the log exactly once.
"""

import json
import logging
import os
import signal
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import numpy as np
import redis
from pydantic import ValidationError
from sqlalchemy.orm import Session, sessionmaker

from fraudops import crud
from fraudops.ml.scorer import Scorer
from fraudops.monitoring.bands import bands_for
from fraudops.predlog import Chunk, to_table
from fraudops.schemas import TransactionIn

log = logging.getLogger(__name__)


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
    # Test hook: exit abruptly after writing (but before acknowledging) this many batches.
    crash_after_batches: int | None = None


def ensure_group(client: redis.Redis, stream: str, group: str) -> None:
    try:
        client.xgroup_create(stream, group, id="0", mkstream=True)
    except redis.ResponseError as error:
        if "BUSYGROUP" not in str(error):
            raise


class Worker:
    def __init__(
        self,
        client: redis.Redis,
        scorer: Scorer,
        session_factory: sessionmaker[Session],
        config: WorkerConfig,
    ) -> None:
        self.client, self.scorer, self.session_factory, self.config = client, scorer, session_factory, config
        self.scored = 0
        self.batches = 0
        self._stopping = False

    def stop(self, *_: object) -> None:
        self._stopping = True

    def run(self, idle_exit_s: float | None = None) -> None:
        """Work until stopped (SIGTERM/SIGINT), or until idle for `idle_exit_s` seconds when given."""
        ensure_group(self.client, self.config.stream, self.config.group)
        signal.signal(signal.SIGTERM, self.stop)
        signal.signal(signal.SIGINT, self.stop)
        idle_since = time.monotonic()
        while not self._stopping:
            messages = self._claim_abandoned() or self._read_new()
            if messages:
                self._process(messages)
                idle_since = time.monotonic()
            elif idle_exit_s is not None and time.monotonic() - idle_since > idle_exit_s:
                break
        log.info("worker %s stopping after %d messages", self.config.consumer, self.scored)

    def _claim_abandoned(self) -> list[tuple[bytes, dict[bytes, bytes]]]:
        _, messages, _ = self.client.xautoclaim(
            self.config.stream, self.config.group, self.config.consumer,
            min_idle_time=self.config.claim_idle_ms, start_id="0-0", count=self.config.batch_size,
        )  # fmt: skip
        return [m for m in messages if m[1]]  # entries deleted from the stream come back empty

    def _read_new(self) -> list[tuple[bytes, dict[bytes, bytes]]]:
        reply = self.client.xreadgroup(
            self.config.group, self.config.consumer, {self.config.stream: ">"},
            count=self.config.batch_size, block=self.config.block_ms,
        )  # fmt: skip
        messages: Any = reply[0][1] if reply else []  # type: ignore[index]  # RESP2: [[stream, messages]]
        return list(messages)

    def _process(self, messages: list[tuple[bytes, dict[bytes, bytes]]]) -> None:
        now = time.time()
        ids: list[bytes] = []
        request_ids: list[str] = []
        external_ids: list[str | None] = []
        rows: list[tuple[float, ...]] = []
        waited_ms: list[float] = []
        for message_id, fields in messages:
            ids.append(message_id)
            transaction = self._parse(message_id, fields)
            if transaction is None:
                continue
            request_ids.append(fields[b"request_id"].decode())
            external_ids.append(None if transaction.id is None else str(transaction.id))
            rows.append(transaction.features())
            waited_ms.append(max(0.0, (now - float(fields.get(b"sent_at", now))) * 1e3))
        if rows:
            raw = np.array(rows, dtype=np.float64)
            probability = self.scorer.predict_proba(raw)
            bands = bands_for(self.scorer.threshold, self.config.band_review_at, self.config.band_decline_at)
            chunk = Chunk(
                request_ids=request_ids, received_at=datetime.now(UTC), source="stream",
                external_ids=external_ids, features=raw, probability=probability,
                is_fraud=probability >= self.scorer.threshold, threshold=self.scorer.threshold,
                model_version=self.scorer.version, latency_ms=np.array(waited_ms) + (time.time() - now) * 1e3,
                band=bands.assign(probability), review_at=bands.review_at, decline_at=bands.decline_at,
            )  # fmt: skip
            with self.session_factory() as session:
                crud.append_prediction_log(session, to_table([chunk]), idempotent=True)
                session.commit()
        self.batches += 1
        if self.config.crash_after_batches is not None and self.batches >= self.config.crash_after_batches:
            log.warning("crash hook: exiting after writing batch %d, before acknowledging it", self.batches)
            os._exit(3)
        self.client.xack(self.config.stream, self.config.group, *ids)
        self.scored += len(rows)

    def _parse(self, message_id: bytes, fields: dict[bytes, bytes]) -> TransactionIn | None:
        try:
            payload: Any = json.loads(fields[b"tx"])
            if b"request_id" not in fields:
                raise KeyError("request_id")
            return TransactionIn.model_validate(payload)
        except (KeyError, ValueError, ValidationError) as error:
            # A message that can never be scored is parked, not retried forever.
            self.client.xadd(f"{self.config.stream}:dead", {"id": message_id, "error": str(error)[:500]})
            log.warning("message %s parked in %s:dead: %s", message_id, self.config.stream, error)
            return None
