"""The database goes away and comes back: every route that needs it answers 503 with a clear message
(never a bare 500), /api/predict keeps answering, and everything recovers by itself, with the predictions
made meanwhile logged once it is back."""

import secrets
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


def test_routes_added_later_answer_503_too(own_database, model_dir: Path, tmp_path: Path):
    """The review queue, labels, bands, challenger, scorings, comparison, learning loop, dead letters and
    training runs: each a prompt 503 with the same message while the database is away (the bands and the
    challenger may answer from the policy in force, kept in memory), and each serving again once it is
    back."""
    from pydantic import SecretStr

    name, url = own_database
    token = secrets.token_urlsafe(24)  # made per run: no credential lives in the source
    auth = {"Authorization": f"Bearer {token}"}
    settings = app_settings(url, model_dir, tmp_path, admin_token=SecretStr(token), model_poll_seconds=0.0)
    calls = [
        ("GET", "/api/review", None),
        ("GET", "/api/review/capacity", None),
        ("GET", "/api/review/live/abc/reasons", None),
        ("GET", "/api/review/batch/1/1/reasons", None),
        ("POST", "/api/review/label", {"request_id": "abc", "label": 1}),
        ("GET", "/api/feedback/abc", None),
        ("PUT", "/api/bands", {"review_at": 0.1, "decline_at": 0.5}),
        ("GET", "/api/bands/suggestion?capacity=10", None),
        ("PUT", "/api/challenger", {"version": "v-1"}),
        ("GET", "/api/batches/1/scorings", None),
        ("POST", "/api/batches/1/scorings", {"model_version": "v-1"}),
        ("GET", "/api/scorings/1", None),
        ("GET", "/api/compare?batch_ids=1&versions=a&versions=b", None),
        ("GET", "/api/learning-loop", None),
        ("PATCH", "/api/batches/1", {"role": "evaluation"}),
        ("GET", "/api/dead-letters", None),
        ("DELETE", "/api/dead-letters?up_to_id=5", None),
        ("GET", "/api/training-runs", None),
        ("GET", "/api/streams", None),
        ("GET", "/api/drift/log", None),
    ]
    with TestClient(create_app(settings)) as client:

        def statuses() -> dict[str, int]:
            return {p: client.request(m, p, json=body, headers=auth).status_code for m, p, body in calls}

        before = statuses()
        set_reachable(name, False)
        started = time.monotonic()
        for method, path, body in calls:
            response = client.request(method, path, json=body, headers=auth)
            assert response.status_code == 503, (method, path, response.status_code, response.text[:300])
            assert response.json()["detail"] == DATABASE_UNAVAILABLE
        assert time.monotonic() - started < 60  # prompt answers, not hangs
        for in_memory in ("/api/bands", "/api/challenger", "/api/challenger/comparison"):
            assert client.get(in_memory).status_code in (200, 503)  # the policy in force, or a clean 503
        assert client.post("/api/challenger/promote", headers=auth).status_code in (409, 503)  # none is set
        set_reachable(name, True)
        deadline = time.monotonic() + 20
        while client.get("/api/health").status_code != 200 and time.monotonic() < deadline:
            time.sleep(0.2)
        after = statuses()
        assert all(code < 500 for code in after.values()), after
        assert {p: c for p, c in after.items() if c != before[p]} == {}  # back to answering as before
