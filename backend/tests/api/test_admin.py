"""Admin actions behind the bearer token, model hot swap (on demand, by the watcher, under load), and
retraining in a separate process."""

import http.client
import json
import secrets
import shutil
import socket
import threading
import time

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pytest
import uvicorn
from fastapi.testclient import TestClient
from pydantic import SecretStr

from fraudops.data import synthetic
from fraudops.main import create_app
from fraudops.ml import artifact, candidates
from fraudops.ml.scorer import Scorer
from fraudops.ml.split import time_split
from fraudops.training import pipeline
from tests.utils import counts, raw_and_labels, upload

# Made per run, so no token is written in the repository.
TOKEN = secrets.token_urlsafe(24)
AUTH = {"Authorization": f"Bearer {TOKEN}"}
ROW = {"Time": 40_000, **{f"V{i}": (-1) ** i * 0.3 * (i % 5) for i in range(1, 29)}, "Amount": 42.0}


@pytest.fixture(scope="module")
def other_model() -> tuple[bytes, artifact.ModelCard]:
    """A second real model (logistic regression) to swap with the session's network."""
    raw, y = raw_and_labels(synthetic.generate(20_000, seed=41))
    split = time_split(raw[:, 0])
    rows = candidates.TrainingRows(
        raw[split.train], y[split.train], raw[split.validation], y[split.validation]
    )
    data = pipeline.data_summary(raw, y, split, "synthetic seed 41", 0.0)
    result, _ = pipeline.evaluate_candidate(
        candidates.logistic_regression(), rows, raw[split.test], y[split.test], data, pipeline.QuietReporter()
    )
    return result.onnx_bytes, result.card


@pytest.fixture
def admin_settings(settings, model_dir, tmp_path):
    """The test settings with an admin token and a champion folder of the test's own (a copy)."""
    own = tmp_path / "champion"
    shutil.copytree(model_dir, own)
    return settings.model_copy(
        update={"admin_token": SecretStr(TOKEN), "model_dir": own, "model_poll_seconds": 0.0}
    )


@pytest.fixture
def admin_client(admin_settings):
    with TestClient(create_app(admin_settings)) as client:
        yield client


def test_admin_actions_are_refused_without_a_configured_token(settings):
    with TestClient(create_app(settings.model_copy(update={"admin_token": None}))) as client:
        for method, path in (
            ("post", "/api/model/reload"),
            ("post", "/api/retrain"),
            ("delete", "/api/batches/1"),
        ):
            response = client.request(method, path, headers=AUTH)
            assert response.status_code == 403, path
            assert "ADMIN_TOKEN" in response.json()["detail"]


def test_admin_actions_need_the_right_bearer_token(admin_client):
    for headers in (
        {},
        {"Authorization": f"Bearer {TOKEN[::-1]}x"},
        {"Authorization": f"Basic {TOKEN}"},
    ):
        response = admin_client.post("/api/model/reload", headers=headers)
        assert response.status_code == 401
        assert response.headers["www-authenticate"] == "Bearer"
    assert admin_client.post("/api/model/reload", headers=AUTH).status_code == 200


def test_short_admin_tokens_are_refused_at_start():
    from fraudops.core.config import Settings

    with pytest.raises(ValueError, match="at least 16"):
        Settings(admin_token="short")
    assert Settings(admin_token="").admin_token is None


def test_delete_batch(admin_client, session, labeled_csv):
    batch_id = upload(admin_client, labeled_csv).json()["id"]
    assert counts(session)["transactions"] > 0
    assert admin_client.delete(f"/api/batches/{batch_id}").status_code == 401
    assert admin_client.delete(f"/api/batches/{batch_id}", headers=AUTH).status_code == 204
    assert admin_client.get(f"/api/batches/{batch_id}").status_code == 404
    after = counts(session)
    assert after["batches"] == after["transactions"] == after["predictions"] == 0
    assert admin_client.delete(f"/api/batches/{batch_id}", headers=AUTH).status_code == 404


def test_reload_swaps_in_a_new_champion(admin_client, admin_settings, other_model):
    old = admin_client.get("/api/model").json()["version"]
    unchanged = admin_client.post("/api/model/reload", headers=AUTH).json()
    assert unchanged["changed"] is False and unchanged["version"] == old

    onnx_bytes, card = other_model
    artifact.write(admin_settings.model_dir, onnx_bytes, card)
    assert admin_client.get("/api/model").json()["version"] == old  # nothing moves until asked (no watcher)
    swapped = admin_client.post("/api/model/reload", headers=AUTH).json()
    assert swapped == {"changed": True, "previous_version": old, "version": card.version, "detail": "loaded"}
    assert admin_client.get("/api/model").json()["kind"] == "logistic_regression"
    assert admin_client.post("/api/predict", json=ROW).json()["model_version"] == card.version
    models = admin_client.get("/api/models").json()["data"]
    assert {m["version"]: m["is_champion"] for m in models} == {old: False, card.version: True}


def test_the_watcher_picks_up_a_new_champion_without_a_restart(admin_settings, other_model):
    onnx_bytes, card = other_model
    with TestClient(create_app(admin_settings.model_copy(update={"model_poll_seconds": 0.1}))) as client:
        old = client.get("/api/model").json()["version"]
        artifact.write(admin_settings.model_dir, onnx_bytes, card)
        deadline = time.monotonic() + 15
        while client.get("/api/model").json()["version"] == old and time.monotonic() < deadline:
            time.sleep(0.05)
        assert client.get("/api/model").json()["version"] == card.version


def test_models_swap_under_concurrent_requests_with_zero_errors(admin_settings, other_model, model_dir):
    """A real server on loopback; four threads send predictions while the champion folder flips between
    two models and is reloaded on demand and by the watcher. Every request must succeed, and each answer
    must be the exact score of the model version it names (no mixed state)."""
    onnx_b, card_b = other_model
    onnx_a, card_a = artifact.read(model_dir)
    raw = np.array([[ROW[c] for c in card_a.input_columns]], dtype=np.float32)
    expected = {
        card_a.version: float(Scorer(onnx_a, card_a).predict_proba(raw)[0]),
        card_b.version: float(Scorer(onnx_b, card_b).predict_proba(raw)[0]),
    }
    app = create_app(admin_settings.model_copy(update={"model_poll_seconds": 0.05}))
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", access_log=False))
    serving = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    serving.start()
    deadline = time.monotonic() + 30
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.02)
    assert server.started

    stop = threading.Event()
    answers: list[tuple[int, str | None, float | None]] = []
    body = json.dumps(ROW)

    def hammer() -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        mine = []
        while not stop.is_set():
            try:
                conn.request("POST", "/api/predict", body, {"content-type": "application/json"})
                response = conn.getresponse()
                payload = json.loads(response.read())
                mine.append((response.status, payload.get("model_version"), payload.get("fraud_probability")))
            except (OSError, http.client.HTTPException, ValueError) as error:
                mine.append((0, repr(error), None))
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        conn.close()
        answers.extend(mine)

    threads = [threading.Thread(target=hammer) for _ in range(4)]
    try:
        for t in threads:
            t.start()
        admin = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        for i in range(12):
            onnx_bytes, card = (onnx_b, card_b) if i % 2 == 0 else (onnx_a, card_a)
            artifact.write(admin_settings.model_dir, onnx_bytes, card)
            if i % 3 != 2:  # mostly on demand; every third swap is left to the watcher
                admin.request("POST", "/api/model/reload", headers=AUTH)
                reply = admin.getresponse()
                assert reply.status == 200, reply.read()
                assert json.loads(reply.read())["version"] == card.version
            time.sleep(0.15)
        admin.close()
    finally:
        stop.set()
        for t in threads:
            t.join(30)
        server.should_exit = True
        serving.join(30)

    assert len(answers) > 100
    errors = [a for a in answers if a[0] != 200]
    assert errors == []
    assert {version for _, version, _ in answers} == set(expected)  # both models served
    for _, version, probability in answers:
        assert probability == pytest.approx(expected[version], abs=1e-6)


def _later_batch(rows: int, seed: int, start: float) -> bytes:
    """A labeled synthetic file whose `Time` starts at `start` (after the champion's training data)."""
    table = synthetic.generate(rows, seed=seed)
    shifted = pc.add(table.column("Time"), pa.scalar(start, table.schema.field("Time").type))
    table = table.set_column(table.schema.get_field_index("Time"), "Time", shifted)
    sink = pa.BufferOutputStream()
    import pyarrow.csv as pacsv

    pacsv.write_csv(table, sink)
    return sink.getvalue().to_pybytes()


def _wait_for_run(client, predicate, timeout: float = 240.0) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        runs = client.get("/api/training-runs").json()["data"]
        found = [r for r in runs if predicate(r)]
        if found:
            return found[0]
        time.sleep(0.5)
    raise AssertionError(f"no training run matched within {timeout} s: {runs}")


@pytest.mark.slow
@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_retraining_runs_in_a_separate_process_one_at_a_time(admin_settings, tmp_path):
    settings = admin_settings.model_copy(
        update={
            "retrain_enabled": True,
            "retrain_min_new_rows": 30_000,
            "retrain_check_seconds": 0.2,
            "retrain_quick": True,
            "model_poll_seconds": 0.2,
            "var_dir": tmp_path / "var",
        }
    )
    with TestClient(create_app(settings)) as client:
        champion = client.get("/api/model").json()
        end = champion["training"]["data"]["time_end"]
        assert upload(client, _later_batch(20_000, 51, end + 1), "later-1.csv").status_code == 201
        time.sleep(0.6)  # a few supervisor ticks: below the threshold, nothing starts
        status = client.get("/api/retraining").json()
        assert status["enabled"] and status["new_labeled_rows"] == 20_000 and status["running"] is None
        assert client.get("/api/training-runs").json()["count"] == 0

        started = client.post("/api/retrain", headers=AUTH)
        assert started.status_code == 202, started.text
        run = started.json()
        assert run["status"] == "running" and run["trigger"] == "api" and run["options"]["quick"] is True
        assert client.post("/api/retrain", headers=AUTH).status_code == 409  # one at a time
        done = _wait_for_run(client, lambda r: r["id"] == run["id"] and r["status"] != "running")
        assert done["status"] == "succeeded", done["error"]
        assert done["rows"] == 20_000 and done["decision"] and done["registry_version"] == "1"
        assert {row["model"] for row in done["summary"]["table"]} >= {c.name for c in candidates.quick_set()}

        # Enough rows later than anything trained on so far: the automatic trigger starts a run.
        assert client.get("/api/retraining").json()["new_labeled_rows"] == 0
        upload(client, _later_batch(30_000, 52, done["summary"]["data"]["time_end"] + 1), "later-2.csv")
        auto = _wait_for_run(client, lambda r: r["trigger"] == "auto" and r["status"] != "running")
        assert auto["status"] == "succeeded", auto["error"]
        assert auto["rows"] == 50_000 and auto["registry_version"] == "2"
        # That training looked at every new row, promoted or not: the trigger does not start it again.
        time.sleep(1.0)
        status = client.get("/api/retraining").json()
        assert status["new_labeled_rows"] == 0 and status["running"] is None
        assert client.get("/api/training-runs").json()["count"] == 2
        # Whatever the gate decided, the server ends up serving the registry's champion.
        promoted = [r for r in (done, auto) if r["promoted"]]
        if promoted:
            deadline = time.monotonic() + 15
            while client.get("/api/model").json()["version"] != promoted[-1]["model_version"]:
                assert time.monotonic() < deadline
                time.sleep(0.1)
        else:
            assert client.get("/api/model").json()["version"] == champion["version"]
        models = {m["version"]: m for m in client.get("/api/models").json()["data"]}
        assert {r["model_version"] for r in (done, auto)} <= set(models)
