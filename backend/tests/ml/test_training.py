"""`fraudops train` end to end on a real database and a real MLflow store (SQLite, in a temp folder):
rows from the database, split by time, candidates logged, the best registered, the gate applied."""

import shutil

import numpy as np
import pytest
from mlflow import MlflowClient
from sklearn.ensemble import RandomForestClassifier

from fraudops import crud
from fraudops.core.config import Settings
from fraudops.data import synthetic
from fraudops.ml import artifact, candidates
from fraudops.tables import ModelVersion
from fraudops.training.pipeline import NotEnoughData
from fraudops.training.run import AlreadyRunning, TrainRequest, run_training
from tests.utils import read_csv_bytes, upload

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def labeled_batches(tmp_path_factory):
    """Three labeled files covering consecutive days (Time continues from one file to the next)."""
    table = synthetic.generate(36_000, seed=31)
    path = tmp_path_factory.mktemp("batches") / "all.csv"
    synthetic.write_csv(table, path)
    header, *lines = path.read_bytes().decode().splitlines(keepends=True)
    third = len(lines) // 3
    return [(header + "".join(lines[i * third : (i + 1) * third])).encode() for i in range(3)]


def _train_settings(settings: Settings, tmp_path) -> Settings:
    """The test database, with a fresh champion folder and MLflow store of its own."""
    return settings.model_copy(
        update={"model_dir": tmp_path / "champion", "var_dir": tmp_path / "var", "mlflow_tracking_uri": ""}
    )


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_quick_run_on_postgres_registers_promotes_and_keeps_a_better_champion(
    client, session, settings, labeled_batches, tmp_path
):
    for i, data in enumerate(labeled_batches):
        assert upload(client, data, f"part-{i}.csv").status_code == 201
    train_settings = _train_settings(settings, tmp_path)
    all_rows = sum(read_csv_bytes(b).num_rows for b in labeled_batches)

    first = run_training(train_settings, TrainRequest(quick=True, trigger="cli", folds=2))

    # Rows came from the database, every batch, split by time into two prequential folds and the test
    # window: no fold validates before its training rows, nothing before the test window is tested.
    assert first.data["rows"] == all_rows
    assert len(first.data["folds"]) == 2
    for fold in first.data["folds"]:
        assert fold["train"]["time_end"] <= fold["validation"]["time_start"]
        assert fold["validation"]["time_end"] <= first.data["test"]["time_start"]
    assert (
        first.data["folds"][0]["validation"]["time_end"] <= first.data["folds"][1]["validation"]["time_start"]
    )
    # The refit's rows: every row before the test window.
    assert first.data["train"]["time_end"] <= first.data["test"]["time_start"]
    assert {r.name for r in first.results if r.kind != "ensemble"} == {c.name for c in candidates.quick_set()}
    # The ensemble of the top three entered the same selection, as one graph.
    (ensemble,) = [r for r in first.results if r.kind == "ensemble"]
    assert ensemble.params["members"] and len(ensemble.params["members"]) == 3
    # Chosen on the mean validation AUPRC over the folds, its spread shown.
    best = max(first.results, key=lambda r: r.validation["auprc"])
    assert first.best is best
    for r in first.results:
        assert r.validation["auprc"] == pytest.approx(np.mean(r.validation["fold_auprc"]))
        assert r.validation["auprc_std"] == pytest.approx(np.std(r.validation["fold_auprc"]))
        assert {"recall_at_k", "precision_at_k", "fraud_amount_caught_share"} <= set(r.test)
    assert first.table()[0]["val_auprc_std"] is not None
    # Registered as version 1, the alias moved, the champion folder written with the served graph.
    assert first.registry_version == "1" and first.promoted
    mlflow = MlflowClient(train_settings.tracking_uri)
    assert str(mlflow.get_model_version_by_alias("fraud-detector", "champion").version) == "1"
    onnx_bytes, card = artifact.read(train_settings.model_dir)
    assert card.version == best.card.version and onnx_bytes == best.onnx_bytes
    assert card.training["mlflow"]["registry_version"] == "1"
    assert card.training["data"]["rows"] == all_rows
    # MLflow: a parent run with the data span and a child per candidate with metrics, images and models.
    parent = mlflow.get_run(first.parent_run_id)
    assert int(parent.data.params["rows"]) == all_rows and parent.data.tags["git_commit"]
    children = mlflow.search_runs(
        [parent.info.experiment_id], f"tags.mlflow.parentRunId = '{first.parent_run_id}'"
    )
    assert len(children) == len(first.results)
    child_files = {f.path for f in mlflow.list_artifacts(best.run_id)}
    assert {"pr_curve.png", "confusion_matrix.png", "model_card.json"} <= child_files
    assert mlflow.get_run(best.run_id).data.metrics["val_auprc"] == pytest.approx(best.validation["auprc"])
    # Each fold is a step of the candidate run's fold metrics.
    history = mlflow.get_metric_history(best.run_id, "fold_val_auprc")
    assert [m.step for m in history] == [1, 2]
    assert [m.value for m in history] == pytest.approx(best.validation["fold_auprc"])
    # The outcome is recorded for the API.
    session.rollback()
    runs, _ = crud.list_training_runs(session, 0, 10)
    assert runs[0].status == "succeeded" and runs[0].promoted and runs[0].registry_version == "1"
    assert runs[0].summary["table"][0]["model"] in {r.name for r in first.results}
    registered = session.get(ModelVersion, card.version)
    assert registered.registry_version == "1" and registered.promoted and registered.first_served_at is None

    # A worse model (a single decision stump, a real but weak forest) is registered and not promoted.
    stump = candidates.SklearnCandidate(
        "stump",
        "random_forest",
        RandomForestClassifier(n_estimators=1, max_depth=1, random_state=0),
        scale=False,
    )
    second = run_training(train_settings, TrainRequest(trigger="cli"), candidates=[stump])
    assert second.champion is not None and second.champion.source == "registry"
    assert second.champion.test["rows"] == second.results[0].test["rows"]  # the same test rows
    assert second.results[0].test["auprc"] < second.champion.test["auprc"] - train_settings.promotion_margin
    assert second.registry_version == "2" and not second.promoted
    assert str(mlflow.get_model_version_by_alias("fraud-detector", "champion").version) == "1"
    assert mlflow.get_model_version("fraud-detector", "2").tags["gate"] == "rejected"
    assert artifact.read(train_settings.model_dir) == (onnx_bytes, card)  # the folder did not change
    session.rollback()
    runs, _ = crud.list_training_runs(session, 0, 10)
    assert runs[0].status == "succeeded" and runs[0].promoted is False
    assert "kept the champion" in runs[0].decision

    # A dry run reports and registers nothing.
    dry = run_training(train_settings, TrainRequest(dry_run=True, force=True), candidates=[stump])
    assert dry.registry_version is None and not dry.promoted
    assert [str(v.version) for v in mlflow.search_model_versions("name = 'fraud-detector'")] == ["2", "1"]

    # An empty champion folder (a fresh checkout) gets the registry's champion back, whatever the gate says.
    shutil.rmtree(train_settings.model_dir)
    third = run_training(train_settings, TrainRequest(), candidates=[stump])
    restored_bytes, restored = artifact.read(train_settings.model_dir)
    assert not third.promoted and restored_bytes == onnx_bytes and restored.version == card.version
    assert restored.training["mlflow"]["registry_version"] == "1"

    # A challenger promoted on live traffic: the folder now serves registry version 2 (the stump) while
    # @champion still names 1. The next training measures itself against what serves, and moves the alias
    # to it; a dry run compares the same way and moves nothing.
    artifact.write(train_settings.model_dir, second.best.onnx_bytes, second.best.card)
    dry_after = run_training(train_settings, TrainRequest(dry_run=True), candidates=[stump])
    assert dry_after.champion is not None and dry_after.champion.source == "served"
    assert dry_after.champion.version == second.best.card.version
    assert str(mlflow.get_model_version_by_alias("fraud-detector", "champion").version) == "1"
    after = run_training(train_settings, TrainRequest(), candidates=[stump])
    assert after.champion is not None and after.champion.source == "served"
    assert after.champion.registry_version == "2"
    assert after.champion.test["auprc"] == pytest.approx(second.results[0].test["auprc"])
    assert str(mlflow.get_model_version_by_alias("fraud-detector", "champion").version) == "2"
    # A card naming a registry version that holds another model is not believed: @champion (2) stands.
    forged = card.model_copy(
        update={"training": card.training | {"mlflow": card.training["mlflow"] | {"registry_version": "3"}}}
    )
    artifact.write(train_settings.model_dir, onnx_bytes, forged)
    checked = run_training(train_settings, TrainRequest(dry_run=True), candidates=[stump])
    assert checked.champion is not None and checked.champion.source == "registry"
    assert checked.champion.registry_version == "2"


def test_one_training_at_a_time(session, settings, tmp_path):
    holder = crud.start_training_run(session, "api", {"quick": True})
    assert holder is not None
    assert crud.start_training_run(session, "auto", {}) is None  # the lock is taken
    with pytest.raises(AlreadyRunning, match=f"training run {holder.id}"):
        run_training(_train_settings(settings, tmp_path), TrainRequest(quick=True))
    crud.finish_training_run(session, holder.id, "failed", error="test")
    assert crud.start_training_run(session, "auto", {}) is not None  # released


def test_a_killed_training_releases_the_lock_at_once_on_its_own_host(session, settings):
    """A training killed with SIGKILL records nothing; the next one finds its process gone from this host
    and takes the lock, without waiting out RETRAIN_TIMEOUT_MINUTES. A live process, or a process on
    another host (whose pids mean nothing here), keeps it until the timeout."""
    import signal
    import subprocess
    import sys

    from fraudops.training.run import HOST, process_alive, take_lock

    sleeper = [sys.executable, "-c", "import time; time.sleep(120)"]
    with subprocess.Popen(sleeper) as alive, subprocess.Popen(sleeper) as killed:
        try:
            holder = crud.start_training_run(session, "cli", {}, pid=alive.pid, host=HOST)
            assert holder is not None
            with pytest.raises(AlreadyRunning):
                take_lock(session, settings, "cli", {})
            crud.finish_training_run(session, holder.id, "succeeded")

            elsewhere = crud.start_training_run(session, "cli", {}, pid=killed.pid, host=f"not-{HOST}")
            dead = crud.start_training_run(session, "cli", {}, pid=killed.pid, host=HOST)
            assert elsewhere is not None and dead is None  # one running row at most
            killed.send_signal(signal.SIGKILL)
            killed.wait()
            assert not process_alive(killed.pid)
            with pytest.raises(AlreadyRunning):  # another host's pid is not checked here
                take_lock(session, settings, "cli", {})
            crud.finish_training_run(session, elsewhere.id, "failed", error="test")

            dead = crud.start_training_run(session, "cli", {}, pid=killed.pid, host=HOST)
            assert dead is not None
            taken = take_lock(session, settings, "api", {}, pid=alive.pid)
            assert taken.status == "running" and taken.host == HOST
            session.refresh(dead)
            assert dead.status == "failed" and f"process {killed.pid}" in dead.error
        finally:
            alive.kill()


def test_a_failed_training_is_recorded_and_releases_the_lock(session, settings, tmp_path):
    # No labeled rows in the database: the run fails with the reason, and the next one may start.
    with pytest.raises(NotEnoughData, match="no labeled rows"):
        run_training(_train_settings(settings, tmp_path), TrainRequest(quick=True))
    session.rollback()
    runs, _ = crud.list_training_runs(session, 0, 10)
    assert runs[0].status == "failed" and "no labeled rows" in runs[0].error
    assert crud.running_training_run(session) is None


def test_training_rows_stream_in_time_order(session, client, labeled_batches):
    for i, data in enumerate(reversed(labeled_batches)):  # uploaded latest first
        upload(client, data, f"part-{i}.csv")
    session.rollback()
    raw, y = crud.labeled_transactions(session)
    assert len(raw) == sum(read_csv_bytes(b).num_rows for b in labeled_batches)
    assert np.all(np.diff(raw[:, 0]) >= 0)
    assert set(np.unique(y)) == {0, 1}
