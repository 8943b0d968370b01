"""The boosted candidates' Optuna search on real folds and a real MLflow store (SQLite, in a temp folder):
it keeps to its budget, logs each trial as a child run of the candidate's run, hands the best trial's
parameters to the normal selection, and does not run with `--quick` or a budget of 0."""

import time
from pathlib import Path

import numpy as np
import pytest
from mlflow import MlflowClient

from fraudops.core.config import Settings
from fraudops.data import synthetic
from fraudops.ml import candidates
from fraudops.ml.candidates import TrainingRows
from fraudops.ml.sampling import downsample_legit
from fraudops.training import pipeline, search
from fraudops.training.run import TrainRequest, run_training, search_seconds
from fraudops.training.tracking import Tracker
from tests.utils import raw_and_labels

pytestmark = pytest.mark.slow

FOLDS = 2


@pytest.fixture(scope="module")
def rows() -> tuple[np.ndarray, np.ndarray]:
    """About 3,800 rows in time order: every fraud of 30,000 synthetic rows and one legitimate row in 8,
    so each of two folds and the test window has frauds."""
    raw, y = raw_and_labels(synthetic.generate(30_000, seed=5))
    keep = (y == 1) | (np.arange(len(y)) % 8 == 0)
    raw, y = raw[keep], y[keep]
    # One fit first: the first one in a process loads XGBoost and ONNX Runtime, seconds a budget would pay.
    small_xgboost().fit(TrainingRows(raw, y, raw, y))
    return raw, y


def small_xgboost() -> candidates.XGBoostCandidate:
    return candidates.XGBoostCandidate("xgboost", n_estimators=40, early_stopping_rounds=10)


def options(tmp_path: Path, seconds: float) -> pipeline.Options:
    return pipeline.Options(
        model_dir=tmp_path / "champion",
        tracking_uri=f"sqlite:///{tmp_path / 'mlflow.db'}",
        artifact_location=(tmp_path / "artifacts").as_uri(),
        folds=FOLDS,
        validation=0.15,
        test=0.2,
        ensemble_size=0,
        dry_run=True,
        search_seconds=seconds,
    )


def child_runs(client: MlflowClient, parent_run_id: str) -> list:
    experiment = client.get_run(parent_run_id).info.experiment_id
    return client.search_runs([experiment], f"tags.mlflow.parentRunId = '{parent_run_id}'")


def test_search_keeps_its_budget_logs_each_trial_and_returns_the_best(rows, tmp_path):
    raw, y = rows
    opts = options(tmp_path, 3.0)
    _, split = pipeline.prepare_folds(raw, y, "synthetic", opts)
    tracker = Tracker(opts.tracking_uri, "search", "unused", opts.artifact_location)
    candidate = small_xgboost()

    with tracker.run("xgboost", nested=False) as candidate_run:
        started = time.perf_counter()
        result = search.tune(
            candidate,
            raw,
            y,
            split,
            lambda idx: downsample_legit(idx, y, None, 0),
            opts.budget_k,
            search.SearchOptions(seconds=3.0, seed=0),
            tracker,
        )
        wall = time.perf_counter() - started

    # Within the budget plus one trial (a trial is stopped between folds once the budget is spent).
    assert wall <= 3.0 + max(t.seconds for t in result.trials) + 0.5
    assert len(result.trials) >= 2
    # The first trial is the candidate as configured (clipped into the space).
    assert result.trials[0].params == search.current_params(candidate)
    # Every trial is a child run of the candidate's run, with its parameters and fold AUPRCs.
    client = MlflowClient(opts.tracking_uri)
    runs = {int(r.data.params["trial"]): r for r in child_runs(client, candidate_run)}
    assert set(runs) == {t.number for t in result.trials}
    for trial in result.trials:
        logged = runs[trial.number]
        assert logged.data.tags["state"] == trial.state
        for name, value in trial.params.items():
            assert float(logged.data.params[name]) == pytest.approx(value)
        for i, auprc in enumerate(trial.fold_auprcs):
            assert logged.data.metrics[f"fold_{i + 1}_val_auprc"] == pytest.approx(auprc)
    # The chosen parameters are the best complete trial's, and the returned candidate carries them.
    complete = [t for t in result.trials if t.state == "complete"]
    best = max(complete, key=lambda t: t.value or 0.0)
    assert result.best_value == pytest.approx(best.value)
    assert result.best_params == best.params
    assert isinstance(result.candidate, candidates.XGBoostCandidate)
    assert result.candidate.settings == candidate.settings | best.params
    assert runs[best.number].data.metrics["val_auprc"] == max(
        r.data.metrics.get("val_auprc", 0.0) for r in runs.values()
    )


def test_the_best_trials_parameters_enter_the_selection(rows, tmp_path):
    raw, y = rows
    chosen = [candidates.logistic_regression(), small_xgboost()]

    outcome = pipeline.run(raw, y, "synthetic", chosen, options(tmp_path, 3.0))

    client = MlflowClient(f"sqlite:///{tmp_path / 'mlflow.db'}")
    by_name = {r.name: r for r in outcome.results}
    # Only the boosted candidate is searched; its trials are child runs of its own run.
    assert child_runs(client, by_name["logreg"].run_id) == []
    trials = child_runs(client, by_name["xgboost"].run_id)
    assert len(trials) >= 2
    assert all(t.data.tags["fraudops.kind"] == "search_trial" for t in trials)
    complete = [t for t in trials if "val_auprc" in t.data.metrics]
    best = max(complete, key=lambda t: (t.data.metrics["val_auprc"], -int(t.data.params["trial"])))
    # The candidate that was refitted, scored and compared is the best trial's.
    params = by_name["xgboost"].params
    for name in search.current_params(small_xgboost()):
        assert params[name] == pytest.approx(float(best.data.params[name]))
    assert (
        client.get_run(by_name["xgboost"].run_id).data.tags["search_best_trial"] == best.data.params["trial"]
    )


def test_a_zero_budget_runs_no_search(rows, tmp_path):
    raw, y = rows
    outcome = pipeline.run(raw, y, "synthetic", [small_xgboost()], options(tmp_path, 0.0))

    client = MlflowClient(f"sqlite:///{tmp_path / 'mlflow.db'}")
    assert child_runs(client, outcome.results[0].run_id) == []
    assert outcome.results[0].params["learning_rate"] == small_xgboost().settings["learning_rate"]


def test_quick_skips_the_search(rows, tmp_path):
    settings = Settings(
        var_dir=tmp_path / "var", model_dir=tmp_path / "champion", database_url="", train_search_seconds=30
    )
    assert search_seconds(settings, TrainRequest(quick=True, search_seconds=30)) == 0
    assert search_seconds(settings, TrainRequest()) == 30
    assert search_seconds(settings, TrainRequest(search_seconds=5)) == 5
    assert search_seconds(settings, TrainRequest(search_seconds=0)) == 0

    # A quick training end to end (from a CSV, no database): no trial runs anywhere.
    _, y = rows
    table = synthetic.generate(30_000, seed=5)
    keep = (np.asarray(table.column("Class")) == 1) | (np.arange(table.num_rows) % 8 == 0)
    csv = tmp_path / "rows.csv"
    synthetic.write_csv(table.filter(keep), csv)
    outcome = run_training(settings, TrainRequest(csv=csv, quick=True), candidates=[small_xgboost()])

    assert outcome.data["rows"] == len(y)
    client = MlflowClient(settings.tracking_uri)
    assert child_runs(client, outcome.results[0].run_id) == []
