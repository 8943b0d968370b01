"""Drift per batch, reasons for flagged rows and for /api/predict, decision bands — through the API."""

import io

import numpy as np
import pyarrow.csv as pacsv
from fastapi.testclient import TestClient

from fraudops.data import synthetic
from fraudops.main import create_app
from fraudops.ml import artifact
from tests.utils import upload

# The session model is trained on the first 70 % (in time) of synthetic.generate(60_000, seed=7).
TRAINING_ROWS = 42_000


def csv_bytes(table) -> bytes:
    buffer = io.BytesIO()
    pacsv.write_csv(table, buffer)
    return buffer.getvalue()


def test_the_champion_ships_a_reference_profile(model_dir):
    card = artifact.read_card(model_dir)
    profile = artifact.read_profile(model_dir, card.version)
    assert profile is not None and profile["rows"] == TRAINING_ROWS
    assert len(profile["features"]["V14"]) == 1001 and len(profile["score"]) == 1001


def test_a_sample_of_the_training_data_is_not_flagged(client):
    training = synthetic.generate(60_000, seed=7).slice(0, TRAINING_ROWS)
    sample = training.take(np.random.default_rng(0).choice(TRAINING_ROWS, 6_000, replace=False))
    batch = upload(client, csv_bytes(sample)).json()
    drift = client.get(f"/api/batches/{batch['id']}/drift").json()
    assert drift["reason"] is None
    assert drift["report"]["drifted_features"] == []
    assert drift["report"]["score"]["status"] != "drifted"


def test_a_drifted_batch_is_flagged_on_the_moved_features(client):
    shifted = synthetic.generate(60_000, seed=8, drift=4.0).slice(50_000, 8_000)  # late rows, strong drift
    batch = upload(client, csv_bytes(shifted)).json()
    report = client.get(f"/api/batches/{batch['id']}/drift").json()["report"]
    assert {"V1", "V2", "V3"} <= set(report["drifted_features"])
    assert not {"V10", "V20", "Amount"} & set(report["drifted_features"])
    assert client.get("/api/batches/999/drift").status_code == 404


def test_flagged_rows_carry_reasons_and_bands(client, labeled_csv):
    batch = upload(client, labeled_csv).json()
    assert batch["bands"]["decline_at"] == batch["threshold"]
    flagged = client.get(
        f"/api/batches/{batch['id']}/predictions", params={"filter": "flagged", "limit": 500}
    )
    rows = flagged.json()["data"]
    assert rows, "the labeled batch has flagged rows"
    for row in rows:
        assert row["band"] == "decline"
        assert row["reasons"]["method"].startswith("occlusion")
        top = row["reasons"]["top"]
        assert len(top) == 5
        magnitudes = [abs(r["contribution"]) for r in top]
        assert magnitudes == sorted(magnitudes, reverse=True)
    calm = client.get(f"/api/batches/{batch['id']}/predictions", params={"sort": "row", "limit": 50}).json()[
        "data"
    ]
    assert {r["band"] for r in calm} <= {"approve", "review", "decline"}
    # Reasons are stored at decision time for every row someone will look at (review and decline).
    assert all((r["reasons"] is None) == (r["band"] == "approve") for r in calm)


def test_predict_explains_on_request_and_records_bands(client):
    row = synthetic.generate(60, seed=3).slice(5, 1).to_pylist()[0]
    plain = client.post("/api/predict", json=row).json()
    assert plain["reasons"] is None and plain["band"] in {"approve", "review", "decline"}
    explained = client.post("/api/predict", params={"explain": "true"}, json=row).json()
    assert explained["fraud_probability"] == plain["fraud_probability"]
    top = explained["reasons"]["top"]
    assert len(top) == 5 and all({"feature", "value", "contribution"} <= set(r) for r in top)


def test_configured_bands_and_their_boundaries(settings):
    # review from 0: every score is ≥ 0, so nothing is approved; decline only at exactly 1.0.
    edged = settings.model_copy(update={"band_review_at": 0.0, "band_decline_at": 1.0})
    with TestClient(create_app(edged)) as client:
        rows = synthetic.generate(200, seed=4).slice(0, 50).to_pylist()
        answers = client.post("/api/predict", json=rows).json()
    assert all(a["bands"] == {"review_at": 0.0, "decline_at": 1.0} for a in answers)
    assert all(a["band"] == ("decline" if a["fraud_probability"] >= 1.0 else "review") for a in answers)


def test_prediction_log_window_drift(client):
    empty = client.get("/api/drift/log").json()
    assert empty["report"] is None and "need 100" in empty["reason"]
    training = synthetic.generate(60_000, seed=7).slice(0, TRAINING_ROWS)
    sample = training.take(np.random.default_rng(1).choice(TRAINING_ROWS, 600, replace=False)).to_pylist()
    assert client.post("/api/predict", json=sample).status_code == 200
    calm = client.get("/api/drift/log").json()["report"]
    assert calm["rows"] == 600 and calm["drifted_features"] == []
    late = synthetic.generate(60_000, seed=8, drift=4.0).slice(52_000, 3_000).to_pylist()
    assert client.post("/api/predict", json=late).status_code == 200
    moved = client.get("/api/drift/log", params={"limit": 3_000}).json()["report"]
    assert {"V1", "V2", "V3"} <= set(moved["drifted_features"])
