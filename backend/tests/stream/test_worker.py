"""Workers against the real Redis: shared load, a crash between write and acknowledge, a SIGKILL."""

import asyncio
import os
import signal
import subprocess
import sys
import time

import redis
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from fraudops import crud
from fraudops.stream.producer import Replay, run
from fraudops.tables import prediction_log
from tests.stream.conftest import server_env

N = 1_200


def publish(settings, replay_csv, n=N) -> None:
    summary = asyncio.run(
        run(
            Replay(
                file=replay_csv,
                broker=settings.redis_url,
                stream_key=settings.stream_key,
                limit=n,
                concurrency=4,
            )
        )
    )
    assert summary["sent"] == n and summary["errors"] == 0


def start_worker(settings, name, *extra) -> subprocess.Popen[bytes]:
    cmd = [sys.executable, "-m", "fraudops.cli", "worker", "--consumer", name, "--batch-size", "100",
           "--block-ms", "200", "--claim-idle-ms", "700", *extra]  # fmt: skip
    return subprocess.Popen(cmd, env=os.environ | server_env(settings))


def wait_for(predicate, timeout_s: float = 60) -> None:
    deadline = time.monotonic() + timeout_s
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.1)


def logged(engine) -> tuple[int, int]:
    with Session(engine) as session:
        total = crud.prediction_log_count(session, "stream")
        distinct = session.scalar(select(func.count(func.distinct(prediction_log.c.request_id)))) or 0
    return total, distinct


def pending(settings) -> int:
    info = redis.Redis.from_url(settings.redis_url).xpending(settings.stream_key, settings.stream_group)
    return int(info["pending"])


def test_a_crash_between_write_and_ack_loses_nothing_and_logs_once(stream_settings, replay_csv, engine):
    publish(stream_settings, replay_csv)
    crashing = start_worker(stream_settings, "crashing", "--crash-after-batches", "2")
    assert crashing.wait(timeout=60) == 3, "the crash hook exits with 3 after writing its second batch"
    assert pending(stream_settings) >= 1, "the crashed worker left its last batch unacknowledged"
    healthy = start_worker(stream_settings, "healthy", "--idle-exit-s", "3")
    try:
        wait_for(lambda: logged(engine)[0] >= N and pending(stream_settings) == 0)
    finally:
        healthy.send_signal(signal.SIGTERM)
        healthy.wait(timeout=30)
    assert logged(engine) == (N, N)


def test_two_workers_share_the_load_and_survive_a_sigkill(stream_settings, replay_csv, engine):
    publish(stream_settings, replay_csv)
    first = start_worker(stream_settings, "first")
    second = start_worker(stream_settings, "second")
    try:
        wait_for(lambda: logged(engine)[0] > 100)
        first.kill()  # SIGKILL: no clean-up at all
        first.wait(timeout=10)
        wait_for(lambda: logged(engine)[0] >= N and pending(stream_settings) == 0)
    finally:
        second.send_signal(signal.SIGTERM)
        assert second.wait(timeout=30) == 0
    assert logged(engine) == (N, N)
    with Session(engine) as session:
        sources = session.execute(
            select(prediction_log.c.model_version, func.count()).group_by(prediction_log.c.model_version)
        ).all()
    assert len(sources) == 1 and sources[0][1] == N


def test_an_unscorable_message_is_parked_not_retried(stream_settings, replay_csv, engine):
    client = redis.Redis.from_url(stream_settings.redis_url)
    client.xadd(stream_settings.stream_key, {"request_id": "bad-1", "tx": b'{"Time": "abc"}'})
    worker = start_worker(stream_settings, "solo", "--idle-exit-s", "1.5")
    assert worker.wait(timeout=60) == 0
    assert client.xlen(f"{stream_settings.stream_key}:dead") == 1
    assert pending(stream_settings) == 0
    assert logged(engine) == (0, 0)
