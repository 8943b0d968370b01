"""Batch roles on PostgreSQL: set at upload and by demo mode, changed by an admin, and evaluation rows
never reach training."""

import numpy as np
from sqlalchemy import select

from fraudops import crud
from fraudops.tables import Batch
from tests.conftest import demo_folder
from tests.scoring_support import AUTH
from tests.utils import read_csv_bytes, upload


def _upload(client, data: bytes, name: str, role: str | None = None):  # type: ignore[no-untyped-def]
    params = {"role": role} if role else {}
    return client.post("/api/batches", params=params, files={"file": (name, data, "text/csv")})


def _halves(labeled_csv: bytes) -> tuple[bytes, bytes]:
    lines = labeled_csv.splitlines(keepends=True)
    middle = len(lines) // 2
    return b"".join(lines[:middle]), lines[0] + b"".join(lines[middle:])


def test_role_is_set_at_upload_and_defaults_to_training(pg_client, labeled_csv):
    first, second = _halves(labeled_csv)
    trained = _upload(pg_client, first, "a.csv")
    held = _upload(pg_client, second, "b.csv", "evaluation")
    assert trained.status_code == held.status_code == 201
    assert trained.json()["role"] == "training" and held.json()["role"] == "evaluation"
    assert held.json()["tags"] is None and held.json()["hidden"] is False
    assert pg_client.get(f"/api/batches/{held.json()['id']}").json()["role"] == "evaluation"


def test_evaluation_rows_never_reach_training(pg_client, pg_session, labeled_csv):
    first, second = _halves(labeled_csv)
    train_rows = read_csv_bytes(first).num_rows
    a = _upload(pg_client, first, "a.csv").json()
    b = _upload(pg_client, second, "b.csv", "evaluation").json()
    # What a training reads: the rows, the count the retraining trigger uses, the batches it records.
    raw, y = crud.labeled_transactions(pg_session)
    assert len(y) == train_rows == crud.count_labeled_transactions(pg_session)
    assert crud.training_batch_ids(pg_session) == [a["id"]]
    expected = read_csv_bytes(first)
    assert np.allclose(np.sort(raw[:, -1]), np.sort(expected.column("Amount").to_numpy()))
    # An admin turns the training batch into evaluation data: nothing is left to train on.
    changed = pg_client.patch(f"/api/batches/{a['id']}", json={"role": "evaluation"}, headers=AUTH)
    assert changed.status_code == 200 and changed.json()["role"] == "evaluation"
    pg_session.rollback()
    assert crud.count_labeled_transactions(pg_session) == 0
    assert len(crud.labeled_transactions(pg_session)[1]) == 0
    # ...and back: only that batch's rows return.
    pg_client.patch(f"/api/batches/{b['id']}", json={"role": "training"}, headers=AUTH)
    pg_session.rollback()
    assert crud.count_labeled_transactions(pg_session) == read_csv_bytes(second).num_rows


def test_demo_holdout_is_evaluation(pg_settings, pg_session, labeled_csv, tmp_path):
    from fastapi.testclient import TestClient

    from fraudops.main import create_app

    folder = demo_folder(tmp_path, labeled_csv)
    with TestClient(create_app(pg_settings.model_copy(update={"demo_dir": folder}))) as client:
        response = client.post("/api/demo/holdout")
    assert response.status_code == 201, response.text
    assert response.json()["role"] == "evaluation"
    assert pg_session.scalars(select(Batch.role)).all() == ["evaluation"]
    assert crud.count_labeled_transactions(pg_session) == 0


def test_reupload_says_it_is_a_duplicate(pg_client, labeled_csv):
    first = upload(pg_client, labeled_csv, "a.csv").json()
    again = _upload(pg_client, labeled_csv, "again.csv", "evaluation")
    assert again.status_code == 200
    body = again.json()
    assert body["duplicate"] is True and body["id"] == first["id"]
    assert f"batch {first['id']}" in body["duplicate_detail"]
    assert "role stays training" in body["duplicate_detail"]
    # Same serving model: nothing new to score with.
    assert body["rescore_version"] is None


def test_admin_changes_tags_and_visibility(pg_client, labeled_csv):
    batch = upload(pg_client, labeled_csv).json()
    response = pg_client.patch(
        f"/api/batches/{batch['id']}", json={"tags": ["experiment", "q4"], "hidden": True}, headers=AUTH
    )
    assert response.status_code == 200, response.text
    assert response.json()["tags"] == ["experiment", "q4"] and response.json()["hidden"] is True
    assert response.json()["role"] == "training"  # left out: unchanged


def test_hostile_role_requests_are_4xx(pg_client, labeled_csv):
    assert _upload(pg_client, labeled_csv, "x.csv", "holdout").status_code == 422
    batch = upload(pg_client, labeled_csv).json()
    url = f"/api/batches/{batch['id']}"
    assert pg_client.patch(url, json={"role": "evaluation"}).status_code == 401
    assert pg_client.patch(url, json={"role": "test"}, headers=AUTH).status_code == 422
    assert pg_client.patch(url, json={"role": None, "owner": "x"}, headers=AUTH).status_code == 422
    assert pg_client.patch(url, json={"tags": ["x" * 41]}, headers=AUTH).status_code == 422
    assert pg_client.patch(url, json={"tags": ["a\x00"]}, headers=AUTH).status_code == 422
    assert pg_client.patch(url, json={"tags": [str(i) for i in range(21)]}, headers=AUTH).status_code == 422
    assert pg_client.patch(url, json={"hidden": "maybe"}, headers=AUTH).status_code == 422
    assert (
        pg_client.patch(url, content=b"{", headers=AUTH | {"content-type": "application/json"}).status_code
        == 422
    )
    assert pg_client.patch("/api/batches/999999", json={"hidden": True}, headers=AUTH).status_code == 404
    assert pg_client.patch(f"/api/batches/{2**31}", json={"hidden": True}, headers=AUTH).status_code == 422
    assert pg_client.patch("/api/batches/-1", json={"hidden": True}, headers=AUTH).status_code == 422
    assert pg_client.get(url).json()["role"] == "training"
