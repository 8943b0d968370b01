"""The worker under faults, on real Redis and PostgreSQL: a message the database refuses, Redis going away
and coming back, the database unreachable and back. The worker must never die and never lose a message."""

import json
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
import redis
from sqlalchemy import select
from sqlalchemy.orm import Session

from fraudops.core.config import Settings
from fraudops.core.db import make_engine
from fraudops.data import synthetic
from fraudops.data.schema import LABEL_COLUMN
from fraudops.tables import dead_letters, prediction_log
from tests.stream.conftest import BlockableDatabase, RedisServer, server_env
from tests.stream.test_worker import logged, pending, wait_for

# PostgreSQL is what refuses the poisoned values (SQLite stores them) and what these tests cut off.
pytestmark = pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)

TIMEOUT_S = 20
ROWS = [json.dumps(row).encode() for row in synthetic.generate(200, seed=5).drop([LABEL_COLUMN]).to_pylist()]


def publish(settings: Settings, n: int, request_ids: list[str] | None = None) -> list[str]:
    """Send `n` transactions in one Redis transaction, so a waiting worker reads them as one micro-batch."""
    ids = request_ids or [uuid.uuid4().hex for _ in range(n)]
    pipe = redis.Redis.from_url(settings.redis_url).pipeline()
    for i, request_id in enumerate(ids):
        pipe.xadd(
            settings.stream_key, {"request_id": request_id, "tx": ROWS[i], "sent_at": repr(time.time())}
        )
    pipe.execute()
    return ids


def start_worker(settings: Settings, log_file: Path, *extra: str) -> subprocess.Popen[bytes]:
    cmd = [sys.executable, "-m", "fraudops.cli", "worker", "--consumer", "faults", "--batch-size", "100",
           "--block-ms", "200", "--retry-max-s", "1", *extra]  # fmt: skip
    env = os.environ | server_env(settings) | {"COLUMNS": "250"}  # no wrapped log lines
    with log_file.open("wb") as out:
        return subprocess.Popen(cmd, env=env, stderr=out)


def waits_logged(log_file: Path, what: str) -> int:
    return log_file.read_text(errors="replace").count(f"waiting for {what}")


def stop(worker: subprocess.Popen[bytes]) -> int:
    worker.send_signal(signal.SIGTERM)
    return worker.wait(timeout=10)


def test_a_message_the_database_refuses_is_parked_and_the_rest_of_its_batch_written(
    stream_settings, engine, tmp_path
):
    too_long, with_nul = "x" * 65, "nul\x00id"  # request_id is String(64); PostgreSQL text can't hold NUL
    batch = [uuid.uuid4().hex for _ in range(10)]
    batch[3:3], batch[7:7] = [too_long], [with_nul]
    publish(stream_settings, len(batch), batch)
    good = set(batch) - {too_long, with_nul}
    client = redis.Redis.from_url(stream_settings.redis_url)
    bad_message_ids = {m[0].decode() for m in client.xrange(stream_settings.stream_key) if m[1][b"request_id"]
                       in (too_long.encode(), with_nul.encode())}  # fmt: skip
    worker = start_worker(stream_settings, tmp_path / "worker.log")
    try:
        wait_for(lambda: logged(engine)[0] >= len(good) and pending(stream_settings) == 0, TIMEOUT_S)
        with Session(engine) as session:
            assert set(session.scalars(select(prediction_log.c.request_id))) == good
            letters = session.execute(
                select(dead_letters.c.source, dead_letters.c.key, dead_letters.c.payload)
            ).all()
        assert {key for _, key, _ in letters} == bad_message_ids
        assert {source for source, _, _ in letters} == {"stream"}
        assert {json.loads(payload)["request_id"] for _, _, payload in letters} == {too_long, with_nul}
        dead = client.xrange(f"{stream_settings.stream_key}:dead")
        assert {fields[b"id"].decode() for _, fields in dead} == bad_message_ids

        later = set(publish(stream_settings, 5))
        wait_for(lambda: logged(engine)[0] >= len(good) + 5 and pending(stream_settings) == 0, TIMEOUT_S)
        assert worker.poll() is None, "the worker is still running"
    finally:
        assert stop(worker) == 0
    with Session(engine) as session:
        assert set(session.scalars(select(prediction_log.c.request_id))) == good | later


def test_the_worker_waits_for_redis_and_resumes_when_it_returns(
    stream_settings, engine, own_redis: RedisServer, tmp_path
):
    settings = stream_settings.model_copy(update={"redis_url": own_redis.url})
    log_file = tmp_path / "worker.log"
    worker = start_worker(settings, log_file)
    try:
        publish(settings, 20)
        wait_for(lambda: logged(engine)[0] >= 20, TIMEOUT_S)

        own_redis.kill()  # no persistence: the stream and its group are gone with it
        wait_for(lambda: waits_logged(log_file, f"Redis at {own_redis.url}") >= 1, TIMEOUT_S)
        own_redis.start()
        publish(settings, 30)
        wait_for(lambda: logged(engine)[0] >= 50 and pending(settings) == 0, TIMEOUT_S)
        assert worker.poll() is None, "the worker is still running"
        assert f"Redis at {own_redis.url} is back" in log_file.read_text()

        # A stop while waiting is prompt.
        own_redis.kill()
        waits = waits_logged(log_file, "Redis")
        wait_for(lambda: waits_logged(log_file, "Redis") > waits, TIMEOUT_S)
        started = time.monotonic()
        assert stop(worker) == 0
        assert time.monotonic() - started < 2
    finally:
        if worker.poll() is None:
            worker.kill()
    assert logged(engine) == (50, 50)


def test_the_worker_waits_for_the_database_and_logs_every_message_once(
    stream_settings, blockable_database: BlockableDatabase, tmp_path
):
    settings = stream_settings.model_copy(update={"database_url": blockable_database.url})
    engine = make_engine(blockable_database.url)
    log_file = tmp_path / "worker.log"
    worker = start_worker(settings, log_file)
    try:
        publish(settings, 20)
        wait_for(lambda: logged(engine)[0] >= 20 and pending(settings) == 0, TIMEOUT_S)

        blockable_database.block()
        publish(settings, 30)
        wait_for(lambda: waits_logged(log_file, "the database at") >= 1, TIMEOUT_S)
        assert pending(settings) == 30, "read, not written, so not acknowledged"
        blockable_database.allow()
        wait_for(lambda: pending(settings) == 0, TIMEOUT_S)
        assert logged(engine) == (50, 50)
        assert worker.poll() is None, "the worker is still running"

        # A stop while waiting is prompt, and leaves the unwritten messages pending for another worker.
        blockable_database.block()
        waits = waits_logged(log_file, "the database at")
        publish(settings, 5)
        wait_for(lambda: waits_logged(log_file, "the database at") > waits, TIMEOUT_S)
        started = time.monotonic()
        assert stop(worker) == 0
        assert time.monotonic() - started < 2
        assert pending(settings) == 5
    finally:
        if worker.poll() is None:
            worker.kill()
        blockable_database.allow()
        engine.dispose()
