"""Every kind of candidate exports one ONNX graph with the served contract, equal to its native model;
resampling sees training rows only."""

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression

from fraudops.data import synthetic
from fraudops.ml import artifact, candidates, features
from fraudops.ml.scorer import Scorer
from fraudops.ml.split import time_split
from fraudops.training import pipeline
from tests.utils import raw_and_labels

CARD = artifact.ModelCard(
    version="t", kind="test", threshold=0.5, created_at="2026-01-01T00:00:00Z", metrics={}, training={}
)


@pytest.fixture(scope="module")
def data():
    raw, y = raw_and_labels(synthetic.generate(20_000, seed=21))
    split = time_split(raw[:, 0])
    rows = candidates.TrainingRows(
        raw[split.train], y[split.train], raw[split.validation], y[split.validation]
    )
    return raw, y, split, rows


def _small_set():
    from fraudops.ml.fit_options import MLPParams

    forest = candidates.random_forest()
    forest.estimator.set_params(n_estimators=10, max_depth=6)
    return [
        candidates.logistic_regression(),
        candidates.logistic_regression(smote_ratio=0.1),
        forest,
        candidates.XGBoostCandidate("xgboost", n_estimators=40, early_stopping_rounds=10),
        candidates.XGBoostCandidate(
            "xgboost+smote", smote_ratio=0.1, n_estimators=40, early_stopping_rounds=10
        ),
        candidates.MLPCandidate(MLPParams(hidden=(16,), max_epochs=3, patience=2)),
        candidates.LightGBMCandidate(n_estimators=60, early_stopping_rounds=10),
        candidates.CatBoostCandidate(iterations=60, early_stopping_rounds=10),
    ]


@pytest.mark.parametrize("candidate", _small_set(), ids=lambda c: c.name)
def test_onnx_export_matches_the_native_model_on_raw_rows(candidate, data):
    raw, _, split, rows = data
    fitted = candidate.fit(rows)
    scorer = Scorer(fitted.onnx_bytes, CARD)  # raw [Time, V1..V28, Amount] in, one probability per row out
    onnx_scores = scorer.predict_proba(raw[split.test])
    native = np.asarray(fitted.predict_native(raw[split.test]))
    assert onnx_scores.shape == (len(split.test),)
    assert np.all((onnx_scores >= 0) & (onnx_scores <= 1))
    assert (
        np.mean(np.abs(onnx_scores - native) > pipeline.PARITY_TOLERANCE) <= pipeline.PARITY_MAX_MISMATCH_RATE
    )
    assert np.median(np.abs(onnx_scores - native)) < 1e-5
    assert onnx_scores.std() > 0  # a real model, not a constant


class Broken(candidates.SklearnCandidate):
    def fit(self, rows, on_epoch=None):
        fitted = super().fit(rows, on_epoch)
        # The graph of a different model (fitted on flipped labels): what a wrong export would ship.
        flipped = candidates.TrainingRows(rows.raw_train, 1 - rows.y_train, rows.raw_val, rows.y_val)
        other = candidates.logistic_regression().fit(flipped)
        fitted.onnx_bytes = other.onnx_bytes
        return fitted


def test_a_broken_export_is_caught_at_training_time(data):
    raw, y, split, rows = data

    data_summary = pipeline.data_summary(raw, y, split, "synthetic", 0.0)
    broken = Broken("broken", "logistic_regression", LogisticRegression(max_iter=500))
    with pytest.raises(RuntimeError, match="disagrees with the native model"):
        pipeline.evaluate_candidate(
            broken, rows, raw[split.test], y[split.test], data_summary, pipeline.QuietReporter()
        )


def test_smote_is_fitted_on_training_rows_only(data):
    raw, y, split, rows = data
    fitted = candidates.logistic_regression(smote_ratio=0.1).fit(rows)
    pipe = fitted.native
    smote = pipe.named_steps["smote"]
    assert smote.input_rows_ == len(split.train)
    assert smote.input_frauds_ == int(y[split.train].sum())
    # The exact matrix it resampled: the training rows after feature engineering and the fitted scaling.
    seen = pipe.named_steps["scale"].transform(candidates.graph_features(raw[split.train]))
    assert smote.input_digest_ == candidates.matrix_digest(seen)
    with_validation = pipe.named_steps["scale"].transform(
        candidates.graph_features(np.concatenate([raw[split.train], raw[split.validation]]))
    )
    assert smote.input_digest_ != candidates.matrix_digest(with_validation)
    assert smote.output_rows_ > smote.input_rows_  # it did add synthetic frauds
    # The scaler too was fitted on training rows only.
    np.testing.assert_allclose(
        pipe.named_steps["scale"].mean_,
        candidates.graph_features(raw[split.train]).mean(axis=0),
        rtol=1e-4,
        atol=1e-5,
    )


def test_training_features_are_the_served_graph_s_and_equal_numpy_s_within_float_precision(data):
    raw = data[0]
    np.testing.assert_allclose(candidates.graph_features(raw), features.engineer(raw), rtol=0, atol=2e-6)


def _dry_run(tmp_path, ensemble_size: int) -> pipeline.Options:
    """One fold, nothing registered or exported beyond `tmp_path`."""
    return pipeline.Options(
        model_dir=tmp_path / "champion",
        tracking_uri=f"sqlite:///{tmp_path / 'mlflow.db'}",
        artifact_location=(tmp_path / "artifacts").as_uri(),
        folds=1,
        ensemble_size=ensemble_size,
        dry_run=True,
    )


def test_a_candidate_whose_export_disagrees_is_left_out_and_the_training_goes_on(data, tmp_path):
    raw, y, _, _ = data
    broken = Broken("broken", "logistic_regression", LogisticRegression(max_iter=500))
    options = _dry_run(tmp_path, ensemble_size=0)

    outcome = pipeline.run(raw, y, "synthetic", [broken, candidates.logistic_regression()], options)

    assert [r.name for r in outcome.results] == ["logreg"]
    assert outcome.best.name == "logreg"
    with pytest.raises(pipeline.ExportMismatch, match="no candidate's export matched"):
        pipeline.run(raw, y, "synthetic", [broken], options)


class BrokenEnsemble(candidates.EnsembleCandidate):
    def fit(self, rows, on_epoch=None):
        fitted = super().fit(rows, on_epoch)
        native = fitted.predict_native
        # What a wrong ensemble graph would disagree with.
        fitted.predict_native = lambda raw: 1.0 - native(raw)
        return fitted


def test_an_ensemble_whose_export_disagrees_is_left_out_and_the_training_goes_on(data, tmp_path, monkeypatch):
    raw, y, _, _ = data
    monkeypatch.setattr(pipeline, "EnsembleCandidate", BrokenEnsemble)
    options = _dry_run(tmp_path, ensemble_size=2)
    two = [candidates.logistic_regression(), candidates.logistic_regression(candidates.SMOTE_RATIO)]

    outcome = pipeline.run(raw, y, "synthetic", two, options)

    assert sorted(r.name for r in outcome.results) == ["logreg", "logreg+smote"]


def test_the_network_stops_on_the_selection_s_auprc_and_keeps_its_best_epoch(data):
    """Early stopping watches scikit-learn's average precision of the (weighted) validation rows, and the
    weights it keeps are those of the epoch that scored highest: the restored model scores exactly that."""
    from sklearn.metrics import average_precision_score
    from sklearn.preprocessing import StandardScaler

    from fraudops.ml import mlp
    from fraudops.ml.fit_options import MLPParams

    _, _, _, rows = data
    scaler = StandardScaler().fit(rows.raw_train)
    x_train, x_val = (scaler.transform(r).astype(np.float32) for r in (rows.raw_train, rows.raw_val))
    val_weight = np.where(np.arange(len(rows.y_val)) % 2 == 0, 1.0, 3.0)
    logged: list[dict[str, float]] = []
    params = MLPParams(hidden=(8,), dropout=0.0, learning_rate=3e-2, max_epochs=12, patience=2)
    model, epochs, best = mlp.fit(
        x_train, rows.y_train, x_val, rows.y_val, params,
        lambda _e, _m, logs: logged.append(logs), val_weight=val_weight,
    )  # fmt: skip
    auprcs = [logs["val_auprc"] for logs in logged]
    assert len(auprcs) == epochs and all(np.isfinite(logs["val_loss"]) for logs in logged)
    assert best == int(np.argmax(auprcs)) + 1
    assert epochs == 12 or epochs == best + params.patience
    restored = average_precision_score(rows.y_val, mlp.predict(model, x_val), sample_weight=val_weight)
    assert restored == pytest.approx(max(auprcs), abs=1e-6)
