"""The database goes away and comes back: every route that needs it answers 503 with a clear message
(never a bare 500), /api/predict keeps answering, and everything recovers by itself, with the predictions
made meanwhile logged once it is back."""

import time
from pathlib import Path

import psycopg
import pytest
from fastapi.testclient import TestClient

from fraudops.api.errors import DATABASE_UNAVAILABLE
from fraudops.core.migrate import upgrade_to_head
from fraudops.data import synthetic
from fraudops.main import create_app
from tests.conftest import (
    ADMIN_URL,
    app_settings,
    create_postgres_database,
    demo_folder,
    drop_postgres_database,
)
from tests.utils import upload


@pytest.fixture
def own_database() -> object:
    name, url = create_postgres_database("fraudops_outage")
    upgrade_to_head(url)
    try:
        yield name, url
    finally:
        set_reachable(name, True)
        drop_postgres_database(name)


def set_reachable(name: str, reachable: bool) -> None:
    """Refuse (or allow again) new connections to one database and cut the open ones: an outage as the
    app sees it, without touching the server other tests use."""
    with psycopg.connect(ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS {str(reachable).lower()}')
        if not reachable:
            conn.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s", (name,))


def test_outage_answers_503_then_recovers(own_database, model_dir: Path, tmp_path: Path, labeled_csv: bytes):
    name, url = own_database
    demo_dir = demo_folder(tmp_path, labeled_csv)
    settings = app_settings(url, model_dir, tmp_path, demo_dir=demo_dir, predlog_flush_seconds=0.1)
    rows = synthetic.generate(50, seed=4).slice(0, 10).to_pylist()
    small_csv = b"".join(labeled_csv.splitlines(keepends=True)[:101])
    app = create_app(settings)
    with TestClient(app) as client:
        assert client.get("/api/health").json()["status"] == "ok"
        set_reachable(name, False)

        started = time.monotonic()
        answers = {
            "upload": upload(client, small_csv),
            "list": client.get("/api/batches"),
            "batch": client.get("/api/batches/1"),
            "feedback": client.post("/api/feedback", json={"labels": [{"request_id": "x", "label": 1}]}),
            "demo": client.post("/api/demo/holdout"),
            "models": client.get("/api/models"),
        }
        for route, response in answers.items():
            assert response.status_code == 503, (route, response.status_code, response.text)
            assert response.json()["detail"] == DATABASE_UNAVAILABLE
        assert time.monotonic() - started < 30  # each answer is prompt, not a hang
        health = client.get("/api/health")
        assert health.status_code == 503 and health.json()["database"].startswith("unavailable")

        during = client.post("/api/predict", json=rows)  # the real-time path keeps answering
        assert during.status_code == 200
        time.sleep(0.5)  # a flush or two fail meanwhile; the rows stay queued
        assert app.state.services.prediction_log.failing is not None
        assert client.get("/api/health").json()["problems"]

        set_reachable(name, True)
        deadline = time.monotonic() + 20
        while app.state.services.prediction_log.pending and time.monotonic() < deadline:
            time.sleep(0.1)
        assert (
            app.state.services.prediction_log.pending == 0
            and app.state.services.prediction_log.failing is None
        )
        assert client.get("/api/health").json()["status"] == "ok"
        assert upload(client, small_csv).status_code == 201
        assert client.get("/api/batches").json()["count"] == 1
        request_id = during.json()[0]["request_id"]
        labeled = client.post("/api/feedback", json={"labels": [{"request_id": request_id, "label": 1}]})
        assert labeled.json()["updated"] == 1  # the prediction made during the outage was logged
    with psycopg.connect(url.replace("postgresql+psycopg", "postgresql")) as conn:
        assert conn.execute("SELECT count(*) FROM prediction_log").fetchone() == (10,)
