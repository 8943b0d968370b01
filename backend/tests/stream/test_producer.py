"""The producer against a real server on loopback (bounded in count and time)."""

import asyncio
import json

import httpx2 as httpx
import pyarrow.csv as pacsv
import pytest
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from fraudops import crud
from fraudops.cli import app
from fraudops.stream.producer import Replay, run


def test_replay_reports_latency_and_metrics_and_logs_every_prediction(live_server, replay_csv, engine):
    url, _ = live_server
    summary = asyncio.run(run(Replay(file=replay_csv, api=url, rate=400, concurrency=4, limit=300)))
    assert summary["sent"] == summary["answered"] == 300 and summary["errors"] == 0
    assert 0 < summary["latency_ms"]["p50"] <= summary["latency_ms"]["p99"] <= summary["latency_ms"]["max"]
    assert sum(summary["histogram"]["counts"]) == 300
    # Paced at 400/s, 300 rows take at least ~0.75 s.
    assert summary["seconds"] >= 0.7
    labels = pacsv.read_csv(replay_csv).column("Class").to_numpy()[:300]
    confusion = summary["metrics"]["confusion"]
    assert confusion["tp"] + confusion["fn"] == int(labels.sum())
    assert sum(confusion.values()) == 300
    with httpx.Client(base_url=url) as client:
        health = client.get("/api/health").json()
    assert health["prediction_log"]["written"] + health["prediction_log"]["pending"] == 300


def test_speed_follows_the_time_column(live_server, replay_csv):
    url, _ = live_server
    time = pacsv.read_csv(replay_csv).column("Time").to_numpy()[:40]
    span = float(time[-1] - time[0])
    speed = span / 0.8 if span > 0 else 1.0  # the 40 rows should take about 0.8 s
    summary = asyncio.run(run(Replay(file=replay_csv, api=url, speed=speed, concurrency=2, limit=40)))
    assert summary["answered"] == 40
    assert 0.7 <= summary["seconds"] <= 5


def test_cli_run_is_saved_and_recorded(live_server, replay_csv, tmp_path):
    url, _ = live_server
    result = CliRunner().invoke(
        app,
        [
            "stream",
            str(replay_csv),
            "--api",
            url,
            "--limit",
            "50",
            "--concurrency",
            "2",
            "--out",
            str(tmp_path),
        ],
    )
    assert result.exit_code == 0, result.output
    report = json.loads(next(tmp_path.glob("stream-*.json")).read_text())
    assert report["answered"] == 50
    runs = httpx.get(f"{url}/api/streams").json()
    assert runs["count"] == 1
    assert runs["data"][0]["summary"]["answered"] == 50 and runs["data"][0]["target"] == "api"


def test_errors_are_counted_not_fatal(replay_csv):
    summary = asyncio.run(run(Replay(file=replay_csv, api="http://127.0.0.1:9", limit=5, timeout_s=1)))
    assert summary["sent"] == 5 and summary["errors"] == 5 and summary["answered"] == 0


def test_exactly_one_target():
    with pytest.raises(ValueError):
        Replay(file=None, api="http://x", broker="redis://y")  # type: ignore[arg-type]


def test_clean_shutdown_under_load_loses_nothing(stream_settings, replay_csv, engine):
    """Answered predictions are all in the log after SIGTERM arrives mid-load."""
    import threading

    from tests import servers
    from tests.stream.conftest import server_env

    body = json.dumps(pacsv.read_csv(replay_csv).slice(0, 1).to_pylist()[0]).encode()
    answered = 0
    lock = threading.Lock()
    stop = threading.Event()

    def hammer(port: int) -> None:
        nonlocal answered
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=5) as client:
            while not stop.is_set():
                try:
                    response = client.post(
                        "/api/predict", content=body, headers={"content-type": "application/json"}
                    )
                except httpx.HTTPError:
                    return  # the server has closed: shutdown under way
                if response.status_code == 200:
                    with lock:
                        answered += 1

    env = server_env(stream_settings) | {"PREDLOG_FLUSH_SECONDS": "5", "PREDLOG_FLUSH_ROWS": "100000"}
    with servers.server(env) as (proc, port):
        threads = [threading.Thread(target=hammer, args=(port,)) for _ in range(4)]
        for t in threads:
            t.start()
        deadline = 0
        while answered < 300 and deadline < 200:  # bounded: at most ~10 s
            deadline += 1
            threading.Event().wait(0.05)
        proc.terminate()  # SIGTERM while the load runs; nothing was flushed yet (5 s interval)
        proc.wait(timeout=30)
        stop.set()
        for t in threads:
            t.join(timeout=10)
    assert answered >= 300
    with Session(engine) as session:
        assert crud.prediction_log_count(session, "api") == answered
