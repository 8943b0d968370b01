"""`make mlflow`: MLflow's own UI (full mlflow, in the tool venv var/mlflow-ui) serves the store a training
wrote; its REST API shows the training's experiment, runs and registered model with the champion alias."""

import json
import os
import socket
import subprocess
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from fraudops.data import synthetic
from fraudops.ml import candidates
from fraudops.training import pipeline
from tests.utils import raw_and_labels

pytestmark = pytest.mark.slow

TOOL_VENV = Path(__file__).resolve().parents[3] / "var" / "mlflow-ui"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _get(base: str, path: str, **query: str) -> dict:
    with urllib.request.urlopen(f"{base}{path}?{urllib.parse.urlencode(query)}", timeout=120) as response:
        return json.loads(response.read())


# `make test` (and so CI) builds the UI's venv first; a bare `pytest` on a machine without it skips.
@pytest.mark.skipif(
    not (TOOL_VENV / "bin" / "mlflow").exists() and not os.environ.get("CI"),
    reason="run `make mlflow` once to build var/mlflow-ui",
)
def test_the_ui_serves_the_trainings_experiment_and_registered_model(tmp_path):
    raw, y = raw_and_labels(synthetic.generate(20_000, seed=13))
    store = f"sqlite:///{tmp_path / 'mlflow.db'}"
    options = pipeline.Options(
        model_dir=tmp_path / "champion",
        tracking_uri=store,
        artifact_location=str(tmp_path / "artifacts"),
        folds=1,
    )
    outcome = pipeline.run(raw, y, "ui test", [candidates.logistic_regression()], options)
    assert outcome.registry_version == "1"

    port = _free_port()
    server = subprocess.Popen(
        [str(TOOL_VENV / "bin" / "mlflow"), "server", "--host", "127.0.0.1", "--port", str(port),
         "--backend-store-uri", store, "--workers", "1"],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 300
        while True:
            try:
                with urllib.request.urlopen(f"{base}/health", timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            assert server.poll() is None, server.stderr.read().decode()[-2000:] if server.stderr else ""
            assert time.monotonic() < deadline, "the MLflow UI did not answer within 300 s"
            time.sleep(0.5)
        experiment = _get(base, "/api/2.0/mlflow/experiments/get-by-name", experiment_name="fraud-detector")
        experiment_id = experiment["experiment"]["experiment_id"]
        parent = _get(base, "/api/2.0/mlflow/runs/get", run_id=outcome.parent_run_id)["run"]
        assert parent["info"]["experiment_id"] == experiment_id
        model = _get(base, "/api/2.0/mlflow/registered-models/get", name="fraud-detector")["registered_model"]
        assert model["latest_versions"][0]["version"] == "1"
        champion = _get(
            base, "/api/2.0/mlflow/registered-models/alias", name="fraud-detector", alias="champion"
        )
        assert champion["model_version"]["run_id"] == outcome.best.run_id
        # The page itself (the UI's bundle), not only the API.
        with urllib.request.urlopen(f"{base}/", timeout=120) as response:
            assert b"<html" in response.read().lower()
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
