import json
import random
import time
import uuid

import numpy as np
import pytest

from fraudops.data import synthetic
from fraudops.data.schema import CSV_COLUMNS
from tests.utils import read_csv_bytes, upload


def transactions(n: int, seed: int = 3) -> list[dict[str, object]]:
    table = synthetic.generate(max(n, 50), seed=seed).slice(0, n)
    return table.to_pylist()


def shuffled_as_strings(item: dict[str, object], rnd: random.Random) -> dict[str, object]:
    keys = list(item)
    rnd.shuffle(keys)
    return {k: str(item[k]) if rnd.random() < 0.5 else item[k] for k in keys}


def test_one_transaction(client):
    item = transactions(1)[0] | {"id": "abc-1"}
    answer = client.post("/api/predict", json=item).json()
    model = client.get("/api/model").json()
    assert answer["id"] == "abc-1"
    assert 0.0 <= answer["fraud_probability"] <= 1.0
    assert answer["is_fraud"] == (answer["fraud_probability"] >= model["threshold"])
    assert answer["threshold"] == model["threshold"]
    assert answer["model_version"] == model["version"]


def test_request_ids_are_unique_uuid7s_that_sort_in_the_order_they_were_made(client):
    # Time-ordered ids keep the prediction log's primary key appending at its B-tree's right edge.
    ids = []
    for item in transactions(4):
        ids.append(client.post("/api/predict", json=item).json()["request_id"])
        time.sleep(0.002)  # the next millisecond: UUIDv7 orders by millisecond first
    many = [a["request_id"] for a in client.post("/api/predict", json=transactions(50)).json()]
    assert ids == sorted(ids) and max(ids) < min(many)
    assert len(set(ids + many)) == 54
    for rid in ids + many:
        assert rid == uuid.UUID(hex=rid).hex and uuid.UUID(hex=rid).version == 7


def test_many_with_shuffled_keys_and_numeric_strings_match_plain_ones(client):
    items = transactions(40)
    rnd = random.Random(5)
    plain = client.post("/api/predict", json=items).json()
    messy = client.post(
        "/api/predict", json=[shuffled_as_strings(i, rnd) | {"id": k} for k, i in enumerate(items)]
    )
    assert messy.status_code == 200, messy.text
    assert [a["id"] for a in messy.json()] == list(range(40))
    np.testing.assert_allclose(
        [a["fraud_probability"] for a in messy.json()],
        [a["fraud_probability"] for a in plain],
        rtol=0,
        atol=1e-6,
    )


def test_class_is_ignored(client):
    item = transactions(1)[0]
    assert (
        client.post("/api/predict", json=item | {"Class": 1}).json()["fraud_probability"]
        == client.post("/api/predict", json=item | {"Class": 0}).json()["fraud_probability"]
    )


def test_real_time_scores_equal_batch_scores(client, labeled_csv):
    batch = upload(client, labeled_csv).json()
    rows = read_csv_bytes(labeled_csv).slice(0, 25).to_pylist()
    stored = client.get(f"/api/batches/{batch['id']}/predictions", params={"limit": 25}).json()["data"]
    live = client.post("/api/predict", json=rows).json()
    np.testing.assert_allclose(
        [a["fraud_probability"] for a in live], [r["probability"] for r in stored], rtol=0, atol=1e-6
    )


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"V3": "abc"}, "V3"),
        ({"Amount": -1}, "Amount"),
        ({"Time": "nan"}, "Time"),
        ({"V1": "inf"}, "V1"),
        ({"Merchant": "acme"}, "Merchant"),
    ],
)
def test_invalid_transaction_is_422_naming_the_field(client, change, field):
    item = transactions(1)[0] | change
    response = client.post("/api/predict", json=[transactions(1)[0], item])
    assert response.status_code == 422
    assert any(field in error["loc"] and 1 in error["loc"] for error in response.json()["detail"])


def test_missing_field_is_422(client):
    item = transactions(1)[0]
    del item["V20"]
    response = client.post("/api/predict", json=item)
    assert response.status_code == 422
    assert any("V20" in error["loc"] for error in response.json()["detail"])


def test_columns_are_the_kaggle_ones():
    assert list(transactions(1)[0]) == list(CSV_COLUMNS)


def test_the_fast_lane_answers_exactly_as_the_route(settings):
    """`PredictLane` serves /api/predict past the router; with it removed, the route serves. Both must give
    the same status, headers and body (but the fresh request ids) for answers and refusals alike."""
    from fastapi.testclient import TestClient

    from fraudops.api.routes.predict import PredictLane
    from fraudops.main import create_app

    items = transactions(3)
    requests = [
        ("/api/predict", json.dumps(items[0]).encode()),
        ("/api/predict", json.dumps(items).encode()),
        ("/api/predict?explain=true", json.dumps(items[:2]).encode()),
        ("/api/predict", json.dumps([]).encode()),
        ("/api/predict?explain=maybe", json.dumps(items[0]).encode()),
        ("/api/predict", b'{"Time": NaN}'),
        ("/api/predict", json.dumps(items[0] | {"V3": "x", "id": "\x00"}).encode()),
        ("/api/predict", json.dumps([1, 2, {"Time": -1}]).encode()),
        ("/api/predict", b"\xff\xfe not json"),
    ]

    def answers(lane: bool, settings=settings) -> list[tuple[int, dict[str, str], object]]:
        app = create_app(settings)
        if lane:  # the route removed: only the lane can answer
            app.router.routes = [r for r in app.router.routes if getattr(r, "path", "") != "/api/predict"]
        else:
            app.user_middleware = [m for m in app.user_middleware if m.cls is not PredictLane]
        out = []
        with TestClient(app) as client:
            for path, body in requests:
                r = client.post(path, content=body, headers={"Content-Type": "application/json"})
                payload = r.json()
                for answer in payload if isinstance(payload, list) else [payload]:
                    if isinstance(answer, dict):
                        answer.pop("request_id", None)
                headers = {k: v for k, v in r.headers.items() if k != "date"}
                out.append((r.status_code, headers, payload))
        return out

    with_lane, without = answers(True), answers(False)
    assert [a[0] for a in with_lane] == [200, 200, 200, 200, 422, 422, 422, 422, 422]
    assert with_lane == without
    # An HTTPException (no model loaded: 503) goes through the app's handler on both paths too.
    no_model = settings.model_copy(update={"model_dir": settings.var_dir / "no-model"})
    requests[:] = requests[:1]
    assert answers(True, no_model) == answers(False, no_model)
    assert answers(True, no_model)[0][0] == 503
