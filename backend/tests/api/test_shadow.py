"""Shadow scoring on PostgreSQL: a challenger scored beside the champion on /api/predict, logged for every
prediction and never deciding; the live comparison; promotion through the gate and the hot swap under
load; hostile requests to the challenger routes."""

import http.client
import json
import shutil
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr
from sklearn.metrics import average_precision_score
from sqlalchemy import select
from sqlalchemy.orm import Session

from fraudops import crud
from fraudops.data.schema import FEATURE_COLUMNS
from fraudops.main import create_app
from fraudops.ml import artifact
from fraudops.ml.scorer import Scorer
from fraudops.tables import prediction_log
from tests import servers
from tests.challenger import install, train_challenger
from tests.utils import ON_POSTGRES, read_csv_bytes

TOKEN = "shadow-admin-token-0123456789"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


@pytest.fixture(scope="session")
def challenger_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("challenger") / "model"
    train_challenger(out)
    return out


@pytest.fixture
def own_settings(settings, model_dir, tmp_path):
    """Admin token, and a champion folder of the test's own (promotion rewrites it)."""
    own = tmp_path / "champion"
    shutil.copytree(model_dir, own)
    update = {"admin_token": SecretStr(TOKEN), "model_dir": own, "model_poll_seconds": 0.0}
    return settings.model_copy(update=update)


@pytest.fixture
def admin_client(own_settings) -> Iterator[TestClient]:
    with TestClient(create_app(own_settings)) as client:
        yield client


@pytest.fixture
def version(own_settings, session, challenger_dir) -> str:
    return install(session, own_settings.var_dir, challenger_dir)


def _rows(labeled_csv: bytes, n: int) -> list[dict]:
    return read_csv_bytes(labeled_csv).slice(0, n).to_pylist()


def _logged(session: Session, ids: list[str]) -> dict[str, dict]:
    deadline = time.monotonic() + 20
    while True:
        session.rollback()
        c = prediction_log.c
        rows = session.execute(select(prediction_log).where(c.request_id.in_(ids))).mappings().all()
        if len(rows) == len(ids):
            return {r["request_id"]: dict(r) for r in rows}
        assert time.monotonic() < deadline, f"{len(rows)} of {len(ids)} predictions logged"
        time.sleep(0.1)


@ON_POSTGRES
def test_the_shadow_is_logged_for_every_prediction_and_never_changes_a_decision(
    admin_client, version, challenger_dir, labeled_csv, session
):
    rows = _rows(labeled_csv, 400)
    off = admin_client.post("/api/predict", json=rows).json()
    off_singles = [admin_client.post("/api/predict", json=row).json() for row in rows[:20]]
    assert admin_client.put("/api/challenger", json={"version": version}, headers=AUTH).status_code == 200
    on = admin_client.post("/api/predict", json=rows).json()
    singles = [admin_client.post("/api/predict", json=row).json() for row in rows[:20]]
    decided = ("fraud_probability", "is_fraud", "band", "bands", "threshold", "model_version")
    assert [{k: a[k] for k in decided} for a in on] == [{k: a[k] for k in decided} for a in off]
    assert [{k: a[k] for k in decided} for a in singles] == [{k: a[k] for k in decided} for a in off_singles]

    raw = np.array([[r[c] for c in FEATURE_COLUMNS] for r in rows], dtype=np.float64)
    expected = Scorer.load(challenger_dir).predict_proba(raw)
    logged = _logged(session, [a["request_id"] for a in on + singles + off])
    for i, answer in enumerate(on + singles):
        row = logged[answer["request_id"]]
        assert row["shadow_version"] == version
        assert row["shadow_probability"] == pytest.approx(expected[i % 400], abs=1e-6)
        assert row["probability"] == answer["fraud_probability"] and row["is_fraud"] == answer["is_fraud"]
    assert all(logged[a["request_id"]]["shadow_version"] is None for a in off)
    # Reasons are stored at decision time for the rows in review or decline, and only for those.
    for answer in on:
        row = logged[answer["request_id"]]
        assert (row["reasons"] is not None) == (answer["band"] != "approve")
    attention = [a for a in on if a["band"] != "approve"]
    assert attention, "the sample should hold some review or decline rows"
    assert {r["feature"] for r in logged[attention[0]["request_id"]]["reasons"]} <= set(FEATURE_COLUMNS)

    # Stopping the challenger stops the shadow; decisions stay the champion's.
    assert admin_client.put("/api/challenger", json={"version": None}, headers=AUTH).json()["version"] is None
    after = admin_client.post("/api/predict", json=rows[0]).json()
    assert _logged(session, [after["request_id"]])[after["request_id"]]["shadow_version"] is None


@ON_POSTGRES
def test_the_comparison_matches_scikit_learn_and_the_gate_can_say_no(
    admin_client, own_settings, version, labeled_csv, session
):
    body = admin_client.get("/api/challenger/comparison").json()
    assert body["challenger_version"] is None and body["reason"] == "no challenger is set"
    admin_client.put("/api/challenger", json={"version": version, "note": "try logreg"}, headers=AUTH)
    rows = _rows(labeled_csv, 3_000)
    answers = admin_client.post("/api/predict", json=rows).json()
    labels = [int(r["Class"]) for r in rows]
    assert 0 < sum(labels) < len(labels)
    _logged(session, [a["request_id"] for a in answers])
    labeled = [
        {"request_id": a["request_id"], "label": y} for a, y in zip(answers[:2_500], labels, strict=False)
    ]
    assert admin_client.post("/api/feedback", json={"labels": labeled}).status_code == 200

    body = admin_client.get("/api/challenger/comparison").json()
    session.rollback()
    c = prediction_log.c
    stored = session.execute(
        select(c.probability, c.shadow_probability, c.label).where(c.label.is_not(None))
    ).all()
    y = np.array([r.label for r in stored])
    champion, challenger = (
        np.array([r.probability for r in stored]),
        np.array([r.shadow_probability for r in stored]),
    )
    assert body["rows"] == 3_000 and body["labeled_rows"] == 2_500 == len(y)
    assert body["labeled_frauds"] == int(y.sum()) and body["comparable"]
    assert body["champion"]["auprc"] == pytest.approx(average_precision_score(y, champion))
    assert body["challenger"]["auprc"] == pytest.approx(average_precision_score(y, challenger))
    t_champion, t_challenger = body["champion"]["threshold"], body["challenger"]["threshold"]
    assert body["champion"]["recall_at_threshold"] == pytest.approx(
        ((champion >= t_champion) & (y == 1)).sum() / y.sum()
    )
    assert body["challenger"]["recall_at_threshold"] == pytest.approx(
        ((challenger >= t_challenger) & (y == 1)).sum() / y.sum()
    )
    all_scores = session.execute(
        select(c.probability, c.shadow_probability).where(c.shadow_version == version)
    ).all()
    a = np.array([r[0] for r in all_scores]) >= t_champion
    b = np.array([r[1] for r in all_scores]) >= t_challenger
    assert body["disagreements"]["rows"] == int((a != b).sum())
    assert body["disagreements"]["champion_only"] == int((a & ~b).sum())

    # A margin no model can beat: the gate keeps the champion, and says why.
    app_margin = own_settings.model_copy(update={"promotion_margin": 1.0})
    with TestClient(create_app(app_margin)) as strict:
        refused = strict.post("/api/challenger/promote", headers=AUTH)
        assert refused.status_code == 409
        assert (
            "kept the champion" in refused.json()["detail"]
            and "2500 labeled live rows" in refused.json()["detail"]
        )
        assert strict.get("/api/model").json()["version"] != version


@ON_POSTGRES
def test_hostile_challenger_requests_are_4xx(admin_client, own_settings, version, session):
    champion = admin_client.get("/api/model").json()["version"]
    cases = [
        ({"version": "no-such-version"}, 404),
        ({"version": "../../etc/passwd"}, 404),
        ({"version": "a" * 101}, 422),
        ({"version": "bad\x00name"}, 422),
        ({"version": ""}, 422),
        ({"version": 12}, 422),
        ({}, 422),
        ({"version": version, "note": "n" * 501}, 422),
        ({"version": version, "extra": True}, 422),
        ({"version": champion}, 409),
    ]
    for body, code in cases:
        response = admin_client.put("/api/challenger", json=body, headers=AUTH)
        assert response.status_code == code, (body, response.text)
    huge = b'{"version": "' + b"v" * 20_000_000 + b'"}'
    response = admin_client.put(
        "/api/challenger", content=huge, headers=AUTH | {"Content-Type": "application/json"}
    )
    assert response.status_code in (413, 422)
    # Registered but with no graph anywhere: refused, nothing recorded.
    card = artifact.read_card(own_settings.model_dir).model_copy(
        update={"version": "ghost-20260101T000000-0000"}
    )
    crud.record_registered_version(session, card, "fraud-detector", "7", "run", False, None)
    session.commit()
    assert (
        admin_client.put("/api/challenger", json={"version": card.version}, headers=AUTH).status_code == 409
    )
    assert admin_client.put("/api/challenger", json={"version": version}).status_code == 401
    assert admin_client.post("/api/challenger/promote").status_code == 401
    assert admin_client.post("/api/challenger/promote", headers=AUTH).status_code == 409  # no challenger set
    assert admin_client.post("/api/challenger/promote?force=maybe", headers=AUTH).status_code == 422
    assert admin_client.get("/api/challenger").json()["history"] == []


def _hammer(port: int, body: bytes, stop: threading.Event, out: list[tuple[int, str]]) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    while not stop.is_set():
        try:
            conn.request("POST", "/api/predict", body=body, headers={"Content-Type": "application/json"})
            response = conn.getresponse()
            payload = response.read()
            version = json.loads(payload)["model_version"] if response.status == 200 else ""
            out.append((response.status, version))
        except (OSError, http.client.HTTPException) as error:
            out.append((0, repr(error)))
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)


@ON_POSTGRES
def test_promoting_the_challenger_swaps_it_in_with_zero_failed_requests(
    own_settings, version, labeled_csv, challenger_dir
):
    env = {
        "DATABASE_URL": own_settings.sqlalchemy_url,
        "MODEL_DIR": str(own_settings.model_dir),
        "VAR_DIR": str(own_settings.var_dir),
        "FRONTEND_DIST": str(own_settings.frontend_dist),
        "ADMIN_TOKEN": TOKEN,
        "MODEL_POLL_SECONDS": "0",
        "PREDLOG_FLUSH_SECONDS": "0.2",
    }
    old = artifact.read_card(own_settings.model_dir).version
    body = json.dumps(_rows(labeled_csv, 1)[0]).encode()
    with servers.server(env) as (_, port):
        admin = http.client.HTTPConnection("127.0.0.1", port, timeout=60)

        def call(method: str, path: str, payload: dict | None = None) -> tuple[int, dict]:
            data = None if payload is None else json.dumps(payload).encode()
            admin.request(method, path, body=data, headers=AUTH | {"Content-Type": "application/json"})
            response = admin.getresponse()
            return response.status, json.loads(response.read())

        stop, results = threading.Event(), [[] for _ in range(4)]
        threads = [threading.Thread(target=_hammer, args=(port, body, stop, out)) for out in results]
        for thread in threads:
            thread.start()
        time.sleep(0.5)
        assert call("PUT", "/api/challenger", {"version": version})[0] == 200
        time.sleep(0.5)
        status, promoted = call("POST", "/api/challenger/promote?force=true")
        time.sleep(1.0)
        stop.set()
        for thread in threads:
            thread.join(timeout=30)
        assert status == 200, promoted
        assert promoted["previous_version"] == old and promoted["version"] == version
        assert "by force" in promoted["reason"]
        assert call("GET", "/api/model")[1]["version"] == version
        assert call("GET", "/api/challenger")[1]["version"] is None
    answers = [r for out in results for r in out]
    failures = [r for r in answers if r[0] != 200]
    assert not failures, failures[:5]
    versions = [v for _, v in answers]
    assert versions[0] == old and versions[-1] == version and len(answers) > 100
    assert artifact.read_card(own_settings.model_dir).version == version
