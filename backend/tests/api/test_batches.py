import io

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv
import pytest
from fastapi.testclient import TestClient
from sklearn.metrics import average_precision_score, roc_auc_score

from fraudops import crud
from fraudops.main import create_app
from tests.utils import counts, read_csv_bytes, upload


def test_labeled_upload_scores_stores_and_reports_metrics(client, session, labeled_csv):
    response = upload(client, labeled_csv, "labeled.csv")
    assert response.status_code == 201, response.text
    batch = response.json()
    table = read_csv_bytes(labeled_csv)
    labels = table.column("Class").to_numpy()

    assert batch["row_count"] == table.num_rows
    assert batch["labeled"] is True and batch["duplicate"] is False
    assert batch["fraud_count"] == int(labels.sum()) > 0
    assert batch["model_version"] == client.get("/api/model").json()["version"]
    assert set(batch["timings"]) >= {"receive", "parse_validate", "score", "metrics", "store"}

    stored_scores, stored_labels = crud.batch_probabilities(session, batch["id"])
    np.testing.assert_array_equal(stored_labels, labels)
    metrics = batch["metrics"]
    assert metrics["auprc"] == pytest.approx(average_precision_score(stored_labels, stored_scores), abs=1e-12)
    assert metrics["roc_auc"] == pytest.approx(roc_auc_score(stored_labels, stored_scores), abs=1e-12)
    assert metrics["prevalence"] == pytest.approx(labels.mean())
    assert metrics["auprc"] > 3 * metrics["prevalence"], "the model should beat random ranking"
    flagged = stored_scores >= batch["threshold"]
    confusion = metrics["confusion"]
    assert confusion["tp"] == int((flagged & (stored_labels == 1)).sum())
    assert confusion["fp"] == int((flagged & (stored_labels == 0)).sum())
    assert batch["flagged_count"] == int(flagged.sum())
    stored = counts(session)
    assert (stored["batches"], stored["model_versions"]) == (1, 1)
    assert stored["transactions"] == stored["predictions"] == table.num_rows

    assert client.get(f"/api/batches/{batch['id']}").json()["metrics"] == metrics
    listed = client.get("/api/batches").json()
    assert listed["count"] == 1 and listed["data"][0]["id"] == batch["id"]


def test_prediction_pages_and_filters(client, labeled_csv):
    batch = upload(client, labeled_csv).json()
    page = client.get(f"/api/batches/{batch['id']}/predictions", params={"limit": 5, "offset": 10}).json()
    assert page["count"] == batch["row_count"]
    assert [row["row_number"] for row in page["data"]] == list(range(10, 15))

    flagged = client.get(
        f"/api/batches/{batch['id']}/predictions", params={"filter": "flagged", "limit": 1000}
    ).json()
    assert flagged["count"] == batch["flagged_count"]
    assert all(row["is_fraud"] and row["probability"] >= batch["threshold"] for row in flagged["data"])

    mistakes = client.get(
        f"/api/batches/{batch['id']}/predictions", params={"filter": "mistakes", "limit": 1000}
    ).json()
    confusion = batch["metrics"]["confusion"]
    assert mistakes["count"] == confusion["fp"] + confusion["fn"]
    assert all(row["is_fraud"] != (row["label"] == 1) for row in mistakes["data"])

    by_score = client.get(
        f"/api/batches/{batch['id']}/predictions", params={"sort": "probability", "limit": 20}
    ).json()["data"]
    scores = [row["probability"] for row in by_score]
    assert scores == sorted(scores, reverse=True)
    assert client.get("/api/batches/999/predictions").status_code == 404


def test_unlabeled_upload_has_no_metrics_and_a_reason(client, session, labeled_csv):
    table = read_csv_bytes(labeled_csv).drop_columns(["Class"])
    ids = [f"tx-{i}" for i in range(table.num_rows)]
    table = table.append_column("id", pa.array(ids))
    buffer = io.BytesIO()
    pacsv.write_csv(table, buffer)
    response = upload(client, buffer.getvalue(), "unlabeled.csv")
    assert response.status_code == 201, response.text
    batch = response.json()
    assert batch["labeled"] is False and batch["metrics"] is None and batch["fraud_count"] is None
    assert "Class" in batch["metrics_reason"]
    rows = client.get(f"/api/batches/{batch['id']}/predictions", params={"limit": 3}).json()["data"]
    assert [r["id"] for r in rows] == ids[:3] and all(r["label"] is None for r in rows)
    assert counts(session)["predictions"] == table.num_rows


def test_batch_without_frauds_explains_missing_metrics(client):
    header = "Time," + ",".join(f"V{i}" for i in range(1, 29)) + ",Amount,Class\n"
    body = header + "".join(f"{i}," + ",".join(["0.1"] * 28) + ",5.0,0\n" for i in range(20))
    batch = upload(client, body.encode()).json()
    assert batch["metrics"] is None and "no row labelled fraud" in batch["metrics_reason"]
    assert batch["fraud_count"] == 0


def test_reupload_returns_the_same_batch_and_stores_nothing(client, session, labeled_csv):
    first = upload(client, labeled_csv, "a.csv")
    before = counts(session)
    second = upload(client, labeled_csv, "renamed.csv")
    assert first.status_code == 201 and second.status_code == 200
    assert second.json()["duplicate"] is True
    assert second.json()["id"] == first.json()["id"]
    assert counts(session) == before


def test_raw_csv_body_is_accepted(client, labeled_csv):
    response = client.post(
        "/api/batches",
        content=labeled_csv,
        headers={"content-type": "text/csv"},
        params={"filename": "raw.csv"},
    )
    assert response.status_code == 201, response.text
    assert response.json()["filename"] == "raw.csv"


def test_upload_without_model_is_refused(settings, tmp_path):
    no_model = settings.model_copy(update={"model_dir": tmp_path / "none"})
    with TestClient(create_app(no_model)) as client:
        assert client.get("/api/health").status_code == 503
        assert upload(client, b"Time\n1\n").status_code == 503
