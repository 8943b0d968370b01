"""Demo mode offers only the known data_splits files that exist, and scores them like an upload."""

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from fraudops.api.routes.demo import demo_path
from fraudops.data.splits import SPLIT_NAMES
from fraudops.main import create_app
from tests.utils import counts, read_csv_bytes, upload


@pytest.fixture
def demo_dir(tmp_path: Path, labeled_csv: bytes) -> Path:
    folder = tmp_path / "data_splits"
    folder.mkdir()
    (folder / "stream_1.csv").write_bytes(labeled_csv)
    lines = labeled_csv.splitlines(keepends=True)
    (folder / "holdout.csv").write_bytes(b"".join(lines[:101]).rstrip(b"\n"))  # no final newline
    (folder / "secret.csv").write_bytes(labeled_csv)  # present, but not a split name
    (tmp_path / "outside.csv").write_bytes(labeled_csv)
    return folder


@pytest.fixture
def demo_client(settings, demo_dir: Path):
    with TestClient(create_app(settings.model_copy(update={"demo_dir": demo_dir}))) as client:
        yield client


def test_lists_only_known_split_files_present_on_disk(demo_client, demo_dir, labeled_csv):
    listed = demo_client.get("/api/demo").json()
    assert listed["count"] == 2
    assert [f["name"] for f in listed["data"]] == ["stream_1", "holdout"]  # split order
    stream, holdout = listed["data"]
    assert stream["filename"] == "stream_1.csv"
    assert stream["rows"] == read_csv_bytes(labeled_csv).num_rows
    assert stream["size_bytes"] == len(labeled_csv)
    assert holdout["rows"] == 100
    assert all(f["description"] for f in listed["data"])


def test_runs_a_demo_file_through_the_upload_path(demo_client, session, demo_dir, labeled_csv):
    response = demo_client.post("/api/demo/stream_1")
    assert response.status_code == 201, response.text
    batch = response.json()
    assert batch["filename"] == "stream_1.csv" and batch["duplicate"] is False
    assert batch["row_count"] == read_csv_bytes(labeled_csv).num_rows
    assert batch["metrics"]["auprc"] > batch["metrics"]["prevalence"]
    assert counts(session)["predictions"] == batch["row_count"]
    assert (demo_dir / "stream_1.csv").read_bytes() == labeled_csv  # the demo file is left in place

    again = demo_client.post("/api/demo/stream_1")
    assert again.status_code == 200 and again.json()["duplicate"] is True
    assert again.json()["id"] == batch["id"]
    # the same bytes uploaded by hand are recognised as the same batch: one ingest path, one hash
    by_hand = upload(demo_client, labeled_csv, "mine.csv")
    assert by_hand.status_code == 200 and by_hand.json()["id"] == batch["id"]
    assert counts(session)["batches"] == 1


@pytest.mark.parametrize(
    "name",
    ["secret", "initial_train", "stream_1.csv", "..%2Foutside", "%2Fetc%2Fpasswd", "STREAM_1", "holdout%00"],
)
def test_anything_else_is_404_and_stores_nothing(demo_client, session, name):
    response = demo_client.post(f"/api/demo/{name}")
    assert response.status_code == 404, response.text
    assert counts(session)["batches"] == 0


def test_demo_path_accepts_only_split_names(demo_dir):
    assert demo_path(demo_dir, "stream_1") == demo_dir / "stream_1.csv"
    for name in ("secret", "../outside", "stream_2", "", "stream_1/../secret"):
        assert demo_path(demo_dir, name) is None
    assert set(SPLIT_NAMES) == {"initial_train", "stream_1", "stream_2", "stream_3", "holdout"}


def test_missing_folder_offers_nothing(settings, tmp_path):
    with TestClient(create_app(settings.model_copy(update={"demo_dir": tmp_path / "none"}))) as client:
        assert client.get("/api/demo").json() == {"data": [], "count": 0}
        assert client.post("/api/demo/stream_1").status_code == 404
