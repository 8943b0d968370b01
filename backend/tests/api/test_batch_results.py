"""The results page's chart data and CSV download, checked against scikit-learn and the stored rows."""

import csv
import io
from itertools import pairwise

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv
import pytest
from sklearn.metrics import average_precision_score, precision_recall_curve

from fraudops import crud
from fraudops.data.schema import FEATURE_COLUMNS
from fraudops.ml.curves import MAX_CURVE_POINTS, pr_curve_points
from tests.utils import read_csv_bytes, upload


def step_area(points: list[dict]) -> float:
    """Average precision as the page draws it: precision held over each recall step."""
    return sum((b["recall"] - a["recall"]) * b["precision"] for a, b in pairwise(points))


def test_curves_of_a_labeled_batch_match_scikit_learn(client, session, labeled_csv):
    batch = upload(client, labeled_csv).json()
    response = client.get(f"/api/batches/{batch['id']}/curves")
    assert response.status_code == 200, response.text
    curves = response.json()
    assert curves["batch_id"] == batch["id"] and curves["reason"] is None
    assert curves["threshold"] == batch["threshold"]

    scores, labels = crud.batch_probabilities(session, batch["id"])  # every row of this file is labeled
    points = curves["pr_curve"]
    assert 2 <= len(points) <= MAX_CURVE_POINTS
    assert points[0] == {"recall": 0.0, "precision": 1.0, "threshold": None}
    assert points[-1]["recall"] == 1.0
    recalls = [p["recall"] for p in points]
    assert recalls == sorted(recalls) and len(set(recalls)) == len(recalls)
    # every point lies on scikit-learn's curve, and their steps add up to the batch's AUPRC
    precision, recall, thresholds = precision_recall_curve(labels, scores)
    on_curve = {
        (round(r, 12), round(p, 12), round(t, 12))
        for p, r, t in zip(precision, recall, thresholds, strict=False)  # precision has one more
    }
    for p in points[1:]:
        assert (round(p["recall"], 12), round(p["precision"], 12), round(p["threshold"], 12)) in on_curve
    assert step_area(points) == pytest.approx(batch["metrics"]["auprc"], abs=1e-9)
    assert step_area(points) == pytest.approx(average_precision_score(labels, scores), abs=1e-9)

    bins = curves["histogram"]
    assert bins[0]["start"] == 0.0 and bins[-1]["end"] == 1.0
    assert all(a["end"] == pytest.approx(b["start"]) for a, b in pairwise(bins))
    assert sum(b["fraud"] for b in bins) == batch["fraud_count"] == int(labels.sum())
    assert sum(b["legit"] for b in bins) == batch["row_count"] - batch["fraud_count"]
    assert sum(b["unlabeled"] for b in bins) == 0
    expected, _ = np.histogram(scores[labels == 1], bins=np.linspace(0, 1, len(bins) + 1))
    assert [b["fraud"] for b in bins] == expected.tolist()


def test_curves_of_an_unlabeled_batch_have_a_histogram_and_a_reason(client, labeled_csv):
    table = read_csv_bytes(labeled_csv).drop_columns(["Class"])
    buffer = io.BytesIO()
    pacsv.write_csv(table, buffer)
    batch = upload(client, buffer.getvalue(), "unlabeled.csv").json()
    curves = client.get(f"/api/batches/{batch['id']}/curves").json()
    assert curves["pr_curve"] == [] and "Class" in curves["reason"]
    assert sum(b["unlabeled"] for b in curves["histogram"]) == table.num_rows
    assert sum(b["legit"] + b["fraud"] for b in curves["histogram"]) == 0


def test_long_curves_are_downsampled_keeping_both_ends():
    rng = np.random.default_rng(3)
    labels = (rng.random(20_000) < 0.1).astype(np.int8)
    scores = np.clip(rng.normal(0.3 + 0.3 * labels, 0.2), 0, 1)
    points = pr_curve_points(labels, scores, max_points=50)
    assert len(points) <= 50
    assert points[0].recall == 0.0 and points[-1].recall == 1.0
    assert step_area([p.model_dump() for p in points]) == pytest.approx(
        average_precision_score(labels, scores), abs=0.02
    )


def test_scored_rows_download_as_csv(client, labeled_csv):
    batch = upload(client, labeled_csv, "my file.csv").json()
    response = client.get(f"/api/batches/{batch['id']}/predictions.csv")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert f'filename="batch-{batch["id"]}-my_file-scored.csv"' in response.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert list(rows[0]) == [
        "row_number",
        "id",
        "probability",
        "is_fraud",
        "band",
        "reasons",
        *FEATURE_COLUMNS,
        "Class",
    ]
    assert len(rows) == batch["row_count"]
    assert [int(r["row_number"]) for r in rows] == list(range(batch["row_count"]))
    api_rows = client.get(f"/api/batches/{batch['id']}/predictions", params={"limit": 50}).json()["data"]
    for downloaded, api_row in zip(rows, api_rows, strict=False):
        assert float(downloaded["probability"]) == api_row["probability"]  # exact round trip
        assert downloaded["is_fraud"] == str(int(api_row["is_fraud"]))
        assert downloaded["Class"] == str(api_row["label"])
    labels = read_csv_bytes(labeled_csv).column("Class").to_pylist()
    assert [int(r["Class"]) for r in rows] == labels
    assert sum(r["is_fraud"] == "1" for r in rows) == batch["flagged_count"]

    flagged = client.get(f"/api/batches/{batch['id']}/predictions.csv", params={"filter": "flagged"})
    assert "-scored-flagged.csv" in flagged.headers["content-disposition"]
    assert len(list(csv.DictReader(io.StringIO(flagged.text)))) == batch["flagged_count"]
    mistakes = client.get(f"/api/batches/{batch['id']}/predictions.csv", params={"filter": "mistakes"})
    confusion = batch["metrics"]["confusion"]
    assert len(list(csv.DictReader(io.StringIO(mistakes.text)))) == confusion["fp"] + confusion["fn"]


def test_download_streams_in_chunks_and_keeps_ids(client, session, labeled_csv):
    table = read_csv_bytes(labeled_csv).slice(0, 2_500)
    table = table.append_column("id", pa.array([f"tx,{i}" for i in range(table.num_rows)]))
    buffer = io.BytesIO()
    pacsv.write_csv(table, buffer)
    batch = upload(client, buffer.getvalue(), "ids.csv").json()
    chunks = list(crud.iter_prediction_rows(session, batch["id"], crud.PredictionFilter.all, chunk_rows=1000))
    assert [len(c) for c in chunks] == [1000, 1000, 500]
    rows = list(csv.DictReader(io.StringIO(client.get(f"/api/batches/{batch['id']}/predictions.csv").text)))
    assert [r["id"] for r in rows] == [f"tx,{i}" for i in range(table.num_rows)]


@pytest.mark.parametrize("path", ["/api/batches/999/curves", "/api/batches/999/predictions.csv"])
def test_unknown_batch_is_404(client, path):
    assert client.get(path).status_code == 404
