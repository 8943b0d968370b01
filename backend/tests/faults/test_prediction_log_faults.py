"""One poisoned value never stops the prediction log: the refused rows are parked, the rest written, and
health says degraded until an operator clears them."""

import asyncio
import uuid
from datetime import UTC, datetime

import numpy as np
import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr
from sqlalchemy.orm import sessionmaker

from fraudops import crud
from fraudops.data import synthetic
from fraudops.main import create_app
from fraudops.predlog import Chunk, PredictionLog

ADMIN_TOKEN = uuid.uuid4().hex


def chunk(n: int, poison_at: set[int] | None = None, dialect: str = "postgresql") -> Chunk:
    """`n` predictions; rows in `poison_at` carry a value the database refuses: a NUL byte in the id for
    PostgreSQL, a NaN probability (NULL in a NOT NULL column) for SQLite, which stores NUL happily."""
    rng = np.random.default_rng(n)
    ids: list[str | None] = [None] * n
    probability = rng.random(n)
    for i in poison_at or ():
        if dialect == "postgresql":
            ids[i] = "bad\x00id"
        else:
            probability[i] = np.nan
    return Chunk(
        request_ids=[uuid.uuid4().hex for _ in range(n)], received_at=datetime.now(UTC), source="api",
        external_ids=ids, features=np.abs(rng.normal(size=(n, 30))), probability=probability,
        is_fraud=np.zeros(n, bool), threshold=0.5, model_version="test", latency_ms=0.3,
    )  # fmt: skip


def one_row_each(listed: Chunk) -> list[Chunk]:
    """The same predictions as /api/predict records them: a chunk per request (on PostgreSQL the log
    encodes these on arrival, and a refused write falls back to the table to find the bad rows)."""
    return [
        Chunk(
            request_ids=listed.request_ids[i : i + 1],
            received_at=listed.received_at,
            source="api",
            external_ids=listed.external_ids[i : i + 1],
            features=listed.features[i : i + 1],
            probability=listed.probability[i : i + 1],
            is_fraud=listed.is_fraud[i : i + 1],
            threshold=listed.threshold,
            model_version=listed.model_version,
            latency_ms=0.3,
        )
        for i in range(len(listed))
    ]


@pytest.mark.parametrize("per_request", [False, True], ids=["one-chunk", "chunk-per-request"])
def test_refused_rows_are_parked_and_the_rest_written(engine, session, per_request):
    dialect = engine.dialect.name

    async def scenario() -> PredictionLog:
        log = PredictionLog(sessionmaker(engine), flush_rows=10_000, flush_seconds=0.05)
        log.start()
        poisoned = chunk(1_000, poison_at={3, 517, 999}, dialect=dialect)
        for part in one_row_each(poisoned) if per_request else [poisoned]:
            log.record(part)
        await asyncio.sleep(0.5)
        log.record(chunk(50, dialect=dialect))  # later traffic keeps flowing
        await log.close()
        return log

    log = asyncio.run(scenario())
    assert (log.written, log.parked, log.pending, log.dropped) == (1_047, 3, 0, 0)
    assert crud.prediction_log_count(session) == 1_047
    letters, count = crud.list_dead_letters(session, 0, 10)
    assert count == 3
    assert {letter["source"] for letter in letters} == {"prediction_log"}
    if dialect == "postgresql":
        assert all("\\u0000" in letter["payload"] for letter in letters)  # stored escaped, not refused


def test_poisoned_row_in_the_app_degrades_health_and_feedback_still_works(settings, session):
    app = create_app(settings.model_copy(update={"admin_token": SecretStr(ADMIN_TOKEN)}))
    dialect = session.get_bind().dialect.name
    with TestClient(app) as client:
        answer = client.post("/api/predict", json=synthetic.generate(50, seed=1).slice(0, 3).to_pylist())
        assert answer.status_code == 200
        # A row that slipped past validation (the class of bug this guards against), recorded directly.
        app.state.services.prediction_log.record(chunk(20, poison_at={7}, dialect=dialect))
        feedback = client.post(
            "/api/feedback", json={"labels": [{"request_id": answer.json()[0]["request_id"], "label": 1}]}
        )
        assert feedback.status_code == 200 and feedback.json()["updated"] == 1

        health = client.get("/api/health").json()
        assert health["status"] == "degraded"
        assert health["prediction_log"]["parked"] == 1
        assert any("parked" in p for p in health["problems"])

        more = client.post("/api/predict", json=synthetic.generate(50, seed=2).slice(0, 5).to_pylist())
        assert more.status_code == 200
        headers = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
        parked = client.get("/api/dead-letters", headers=headers).json()
        assert parked["count"] == 1 and parked["data"][0]["source"] == "prediction_log"
        assert client.get("/api/dead-letters").status_code == 401
        cleared = client.delete(
            "/api/dead-letters", params={"up_to_id": parked["data"][0]["id"]}, headers=headers
        )
        assert cleared.json() == {"deleted": 1}
        assert client.get("/api/health").json()["status"] == "ok"
    assert crud.prediction_log_count(session) == 3 + 19 + 5  # nothing lost but the parked row


@pytest.mark.parametrize(
    "bad_id",
    ["nul\x00inside", "bell\x07", "newline\n", "del\x7f", "c1\x85", "x" * 201],
    ids=["nul", "bell", "newline", "del", "c1", "too-long"],
)
def test_ids_with_control_characters_or_too_long_are_422(client, session, bad_id):
    item = synthetic.generate(50, seed=1).slice(0, 1).to_pylist()[0] | {"id": bad_id}
    response = client.post("/api/predict", json=[item])
    assert response.status_code == 422
    assert any(error["loc"][:3] == ["body", 0, "id"] for error in response.json()["detail"])
    assert "\x00" not in response.text
