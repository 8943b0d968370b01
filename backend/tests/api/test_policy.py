"""The decision policy on PostgreSQL: band changes (admin, recorded, new decisions only), the capacity
suggestion, the in-process cache that never waits for the database, and hostile requests."""

import shutil
import time
from collections.abc import Iterator

import numpy as np
import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from fraudops import crud
from fraudops import policy as policies
from fraudops.api.routes.bands import suggest_review_at
from fraudops.core.db import make_engine
from fraudops.data import synthetic
from fraudops.main import create_app
from fraudops.monitoring.bands import Bands
from fraudops.tables import prediction_log, predictions
from tests.utils import ON_POSTGRES, read_csv_bytes, upload

# On PostgreSQL only (the database the service runs on); the pure rule below needs no database.

TOKEN = "policy-admin-token-0123456789"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


@pytest.fixture
def admin_client(settings, model_dir, tmp_path) -> Iterator[TestClient]:
    own = tmp_path / "champion"
    shutil.copytree(model_dir, own)
    update = {"admin_token": SecretStr(TOKEN), "model_dir": own, "model_poll_seconds": 0.0}
    with TestClient(create_app(settings.model_copy(update=update))) as client:
        yield client


def _csv(labeled_csv: bytes, start: int, rows: int) -> bytes:
    lines = labeled_csv.splitlines(keepends=True)
    return lines[0] + b"".join(lines[1 + start : 1 + start + rows])


def _wait_logged(session: Session, n: int) -> None:
    deadline = time.monotonic() + 20
    while True:
        session.rollback()
        if crud.prediction_log_count(session) >= n:
            return
        assert time.monotonic() < deadline, "the prediction log did not flush"
        time.sleep(0.1)


@ON_POSTGRES
def test_defaults_follow_the_settings_and_the_champion(admin_client):
    body = admin_client.get("/api/bands").json()
    assert body["source"] == "settings" and body["changed"] is None and body["history"] == []
    assert body["decline_at"] == pytest.approx(body["threshold"])
    assert body["review_at"] == pytest.approx(body["threshold"] / 2)


@ON_POSTGRES
def test_a_band_change_applies_to_the_next_upload_and_not_to_stored_decisions(
    admin_client, labeled_csv, session
):
    first = upload(admin_client, _csv(labeled_csv, 0, 2_000), "first.csv").json()
    row = synthetic.generate(50, seed=3).slice(0, 1).to_pylist()[0]
    before = admin_client.post("/api/predict", json=row).json()
    old_bands = first["bands"]
    stored_codes = _codes(session, first["id"])

    changed = admin_client.put(
        "/api/bands", json={"review_at": 0.0, "decline_at": 0.0001, "note": "wider review", "actor": "ana"},
        headers=AUTH,
    )  # fmt: skip
    assert changed.status_code == 200, changed.text
    assert changed.json()["source"] == "admin"
    assert changed.json()["changed"]["actor"] == "ana" and changed.json()["changed"]["note"] == "wider review"

    second = upload(admin_client, _csv(labeled_csv, 2_000, 2_000), "second.csv").json()
    after = admin_client.post("/api/predict", json=row).json()
    assert second["bands"] == {"review_at": 0.0, "decline_at": 0.0001}
    assert after["bands"] == {"review_at": 0.0, "decline_at": 0.0001}
    assert after["band"] in ("review", "decline") and before["bands"] == old_bands
    # Stored decisions keep the bounds they were made with.
    assert admin_client.get(f"/api/batches/{first['id']}").json()["bands"] == old_bands
    assert np.array_equal(_codes(session, first["id"]), stored_codes)
    assert (_codes(session, second["id"]) >= 1).all()  # every score ≥ 0 is at least in review now
    _wait_logged(session, 2)
    logged = session.execute(
        select(prediction_log.c.request_id, prediction_log.c.review_at, prediction_log.c.decline_at)
    ).all()
    bounds = {r.request_id: (r.review_at, r.decline_at) for r in logged}
    assert bounds[before["request_id"]] == (old_bands["review_at"], old_bands["decline_at"])
    assert bounds[after["request_id"]] == (0.0, 0.0001)
    # The history keeps every change, newest first.
    admin_client.put("/api/bands", json={"review_at": 0.1, "decline_at": 0.2}, headers=AUTH)
    history = admin_client.get("/api/bands").json()["history"]
    assert [(h["review_at"], h["decline_at"]) for h in history] == [(0.1, 0.2), (0.0, 0.0001)]


def _codes(session: Session, batch_id: int) -> np.ndarray:
    session.rollback()
    rows = session.scalars(
        select(predictions.c.band)
        .where(predictions.c.batch_id == batch_id)
        .order_by(predictions.c.row_number)
    ).all()
    return np.array(rows)


@ON_POSTGRES
def test_the_suggestion_fills_the_capacity_on_the_latest_batch(admin_client, labeled_csv, session):
    assert admin_client.get("/api/bands/suggestion", params={"capacity": 10}).status_code == 404
    data = _csv(labeled_csv, 0, 3_000)
    batch = upload(admin_client, data, "latest.csv").json()
    body = admin_client.get("/api/bands/suggestion", params={"capacity": 20}).json()
    table = read_csv_bytes(data)
    times = table.column("Time").to_numpy()
    days = max(1.0, (times.max() - times.min()) / 86_400)
    assert body["batch_id"] == batch["id"] and body["target_items"] == round(20 * days)
    assert body["decline_at"] == pytest.approx(batch["bands"]["decline_at"])
    session.rollback()
    scores = np.array(
        session.scalars(select(predictions.c.probability).where(predictions.c.batch_id == batch["id"])).all()
    )
    review = (scores >= body["review_at"]) & (scores < body["decline_at"])
    assert review.sum() == body["review_items"] >= body["target_items"]
    assert body["review_items"] - body["target_items"] <= (scores == body["review_at"]).sum() - 1
    # A capacity beyond the rows below the decline bound opens review from 0.
    huge = admin_client.get("/api/bands/suggestion", params={"capacity": 1_000_000}).json()
    assert huge["review_at"] == 0.0


def test_suggest_review_at_counts_from_the_top():
    scores = np.array([0.9, 0.5, 0.4, 0.3, 0.2, 0.1])
    assert suggest_review_at(scores, 0.8, 2) == 0.4  # [0.4, 0.8) holds 0.5 and 0.4
    assert suggest_review_at(scores, 0.8, 10) == 0.0


@ON_POSTGRES
def test_the_policy_is_read_from_the_database_and_kept_while_it_is_away(database_url, engine):
    factory = sessionmaker(engine, expire_on_commit=False)
    policy = policies.Policy(factory, None, None)
    assert policy.refresh().bands(0.6) == Bands(0.3, 0.6)
    with factory() as session:  # another process's change
        policies.record(session, "bands", {"review_at": 0.05, "decline_at": 0.5}, "other", None)
        session.commit()
    assert policy.refresh().bands(0.6) == Bands(0.05, 0.5)
    away = make_engine("postgresql+psycopg://postgres@127.0.0.1:1/nowhere?connect_timeout=1")
    policy.session_factory = sessionmaker(away)
    started = time.perf_counter()
    assert policy.refresh().bands(0.6) == Bands(0.05, 0.5)  # the last policy stays in force
    assert policy.failing is not None and time.perf_counter() - started < 5
    away.dispose()


@ON_POSTGRES
@pytest.mark.parametrize(
    "body",
    [
        {"review_at": 0.6, "decline_at": 0.5},
        {"review_at": -0.1, "decline_at": 0.5},
        {"review_at": 0.1, "decline_at": 1.5},
        {"review_at": "0.1", "decline_at": "high"},
        {"review_at": 0.1},
        {"review_at": 0.1, "decline_at": 0.5, "note": "x" * 501},
        {"review_at": 0.1, "decline_at": 0.5, "note": "bell\x07"},
        {"review_at": 0.1, "decline_at": 0.5, "actor": "a\nb"},
        {"review_at": 0.1, "decline_at": 0.5, "actor": ""},
        {"review_at": 0.1, "decline_at": 0.5, "extra": 1},
        [],
    ],
)
def test_hostile_band_changes_are_refused_with_422(admin_client, body):
    response = admin_client.put("/api/bands", json=body, headers=AUTH)
    assert response.status_code == 422, response.text
    assert admin_client.get("/api/bands").json()["source"] == "settings"


@ON_POSTGRES
def test_nan_huge_bodies_and_missing_tokens_are_4xx(admin_client):
    for raw in (
        b'{"review_at": NaN, "decline_at": 0.5}',
        b'{"review_at": 0.1, "decline_at": Infinity}',
        b'{"review_at": 1e400, "decline_at": 0.5}',
    ):
        response = admin_client.put(
            "/api/bands", content=raw, headers=AUTH | {"Content-Type": "application/json"}
        )
        assert response.status_code == 422, response.text
    huge = b'{"review_at": 0.1, "decline_at": 0.5, "note": "' + b"a" * 20_000_000 + b'"}'
    response = admin_client.put(
        "/api/bands", content=huge, headers=AUTH | {"Content-Type": "application/json"}
    )
    assert response.status_code in (413, 422)
    assert admin_client.put("/api/bands", json={"review_at": 0.1, "decline_at": 0.5}).status_code == 401
    wrong = {"Authorization": "Bearer " + "x" * 30}
    response = admin_client.put("/api/bands", json={"review_at": 0.1, "decline_at": 0.5}, headers=wrong)
    assert response.status_code == 401
    for capacity in ("0", "-3", "abc", "1e9", str(2**70), "NaN"):
        response = admin_client.get("/api/bands/suggestion", params={"capacity": capacity})
        assert response.status_code == 422, capacity
    assert admin_client.get("/api/bands/suggestion").status_code == 422
    assert admin_client.get("/api/bands").json()["history"] == []
