"""Prequential folds, the alert-budget metrics, legitimate-row downsampling, and refits of the boosted
models (LightGBM, CatBoost) checked against their ONNX graphs on every validation row."""

import itertools

import numpy as np
import pytest

from fraudops.data import synthetic
from fraudops.ml import candidates, metrics
from fraudops.ml.sampling import downsample_legit
from fraudops.ml.split import prequential_split
from fraudops.training import pipeline, prequential
from tests.utils import raw_and_labels


@pytest.mark.parametrize(("folds", "gap"), [(1, 0.0), (4, 0.0), (4, 0.05), (3, 0.1)])
def test_folds_never_validate_before_training_and_keep_the_gap(folds, gap):
    rng = np.random.default_rng(1)
    time = rng.permutation(np.repeat(np.arange(1000), 2)).astype(float)  # shuffled, with ties
    split = prequential_split(time, folds=folds, validation=0.1, test=0.15, gap=gap)
    n_gap = int(2000 * gap)
    assert len(split.folds) == folds and split.gap_rows == n_gap
    order = np.argsort(time, kind="stable")
    rank = np.empty(2000, dtype=int)
    rank[order] = np.arange(2000)
    previous_end = -1.0
    for fold in split.folds:
        assert time[fold.train].max() <= time[fold.validation].min()
        # The gap: exactly n_gap rows (in time order) between the last training and first validation row.
        assert rank[fold.validation].min() - rank[fold.train].max() - 1 == n_gap
        assert rank[fold.train].min() == 0  # expanding window: every earlier row
        assert len(fold.validation) == 200
        assert time[fold.validation].min() >= previous_end  # windows follow each other
        previous_end = time[fold.validation].max()
        assert time[fold.validation].max() <= time[split.test].min()
    assert time[split.refit].max() <= time[split.test].min()
    assert rank[split.test].min() - rank[split.refit].max() - 1 == n_gap
    assert len(split.test) == 300
    # The test window is touched by no fold.
    used = np.concatenate([np.concatenate([f.train, f.validation]) for f in split.folds])
    assert not set(used) & set(split.test)


def test_too_many_folds_for_the_rows_is_refused():
    with pytest.raises(ValueError, match="not enough rows"):
        prequential_split(np.arange(100.0), folds=9, validation=0.1, test=0.15)


def test_budget_metrics_on_a_hand_computed_case():
    # Two days; k = 2 alerts a day.
    day = metrics.SECONDS_PER_DAY
    time = np.array([0, 10, 20, 30, day, day + 1, day + 2, day + 3], dtype=float)
    y = np.array([1, 0, 1, 0, 0, 1, 0, 1])
    scores = np.array([0.9, 0.8, 0.1, 0.2, 0.7, 0.6, 0.5, 0.05])
    amount = np.array([100, 5, 300, 7, 1, 50, 2, 50], dtype=float)
    m = metrics.evaluate(y, scores, threshold=0.55, amount=amount, time=time, budget_k=2)
    # Day 1 alerts rows 0, 1 (caught fraud 0); day 2 alerts rows 4, 5 (caught fraud 5): 2 of 4 frauds.
    assert m["budget_per"] == "day" and m["budget_alerts"] == 4
    assert m["recall_at_k"] == 0.5 and m["precision_at_k"] == 0.5
    # Threshold 0.55 flags rows 0, 1, 4, 5: frauds 0 and 5 hold 150 of the 500 fraud amount.
    assert m["fraud_amount_caught_share"] == pytest.approx(150 / 500)
    assert m["budget_fraud_amount_caught_share"] == pytest.approx(150 / 500)
    # Without times, the whole set is one batch: top 2 overall are rows 0 and 1.
    batch = metrics.evaluate(y, scores, threshold=0.55, budget_k=2)
    assert batch["budget_per"] == "batch" and batch["budget_alerts"] == 2
    assert batch["recall_at_k"] == 0.25 and batch["precision_at_k"] == 0.5
    assert "fraud_amount_caught_share" not in batch
    # Existing keys stay.
    assert {"auprc", "prevalence", "roc_auc", "precision", "recall", "f1", "confusion"} <= set(batch)


def test_top_k_breaks_ties_by_row_order_and_caps_small_groups():
    alerted = metrics.top_k_alerts(np.array([0.5, 0.5, 0.5, 0.1]), 2, np.array([0, 0, 0, 1]))
    assert alerted.tolist() == [True, True, False, True]


def test_downsampling_keeps_every_fraud_and_weights_the_sample():
    y = np.r_[np.zeros(10_000, dtype=np.int8), np.ones(50, dtype=np.int8)]
    idx = np.random.default_rng(0).permutation(len(y))  # a "time order"
    chosen, weights = downsample_legit(idx, y, 1_000, seed=3)
    assert weights is not None
    assert int(y[chosen].sum()) == 50 and int(np.sum(y[chosen] == 0)) == 1_000
    # The weighted legitimate mass equals the full one; frauds weigh 1.
    assert weights[y[chosen] == 0].sum() == pytest.approx(10_000)
    assert np.all(weights[y[chosen] == 1] == 1.0)
    # Time order kept: the chosen rows appear in the order they had in idx.
    position = {row: i for i, row in enumerate(idx)}
    assert all(position[a] < position[b] for a, b in itertools.pairwise(chosen))
    same, none = downsample_legit(idx, y, 20_000)
    assert none is None and same is idx


@pytest.fixture(scope="module")
def world():
    raw, y = raw_and_labels(synthetic.generate(30_000, seed=41))
    return raw, y, prequential_split(raw[:, 0], folds=2, validation=0.15, test=0.15)


@pytest.mark.parametrize(
    "candidate",
    [
        candidates.LightGBMCandidate(n_estimators=80, early_stopping_rounds=10),
        candidates.CatBoostCandidate(iterations=80, early_stopping_rounds=10),
        candidates.XGBoostCandidate("xgboost", n_estimators=60, early_stopping_rounds=10),
    ],
    ids=lambda c: c.name,
)
def test_folds_then_refit_with_the_folds_iterations_and_parity_on_every_validation_row(candidate, world):
    raw, y, split = world
    folds = prequential.cross_validate(candidate, raw, y, split, lambda idx: (idx, None), budget_k=50)
    assert len(folds.auprcs) == 2 and all(0 < a <= 1 for a in folds.auprcs)
    assert folds.mean_auprc == pytest.approx(np.mean(folds.auprcs))
    validation = np.concatenate([f.validation for f in split.folds])
    assert len(folds.out_of_fold) == len(validation)
    refit = candidate.refit_candidate(folds.infos)
    expected = max(1, round(np.mean([i["best_iteration"] for i in folds.infos])))
    rows = candidates.TrainingRows(raw[split.refit], y[split.refit], raw[validation], y[validation])
    result, fitted = pipeline.evaluate_refit(
        candidate, folds, rows, raw[split.test], y[split.test], {"source": "t", **_data(raw, y, split)},
        pipeline.QuietReporter(), budget_k=50,
    )  # fmt: skip
    # The refit ran a fixed number of rounds (XGBoost counts best_iteration from 0).
    assert fitted.info["rounds"] == expected + (1 if candidate.kind == "xgboost" else 0)
    assert refit.name == candidate.name
    # Parity on every validation row, inside evaluate_refit (it raises otherwise), and again here.
    onnx_scores = prequential.score_onnx(result.onnx_bytes, result.kind, raw[validation])
    native = np.asarray(fitted.predict_native(raw[validation]))
    assert np.max(np.abs(onnx_scores - native)) < 1e-4
    assert result.validation["auprc"] == pytest.approx(folds.mean_auprc)
    assert result.validation["fold_auprc"] == folds.auprcs and result.validation["folds"] == 2
    assert result.test["budget_per"] == "day" and "fraud_amount_caught_share" in result.test


def _data(raw, y, split):
    def part(idx):
        return {"rows": len(idx), "frauds": int(y[idx].sum()), "time_start": 0.0, "time_end": 1.0}

    return {
        "rows": len(y), "frauds": int(y.sum()), "time_start": 0.0, "time_end": 1.0, "gap": 0.0,
        "train": part(split.refit), "validation": part(split.folds[0].validation), "test": part(split.test),
    }  # fmt: skip


def test_the_ensemble_graph_equals_the_mean_of_its_members_on_every_validation_row(world):
    raw, y, split = world
    fold = split.folds[-1]
    rows = candidates.TrainingRows(raw[fold.train], y[fold.train], raw[fold.validation], y[fold.validation])
    members = [
        ("logreg", candidates.logistic_regression().fit(rows)),
        ("lightgbm", candidates.LightGBMCandidate(n_estimators=40, early_stopping_rounds=10).fit(rows)),
        ("catboost", candidates.CatBoostCandidate(iterations=40, early_stopping_rounds=10).fit(rows)),
    ]
    ensemble = candidates.EnsembleCandidate(members)
    fitted = ensemble.fit(rows)
    served = prequential.score_onnx(fitted.onnx_bytes, "ensemble", rows.raw_val)
    expected = np.mean([m.predict_native(rows.raw_val) for _, m in members], axis=0)
    assert np.max(np.abs(served - expected)) < 1e-4
    # And it is the mean of the members' own graphs, not of one of them.
    graphs = [prequential.score_onnx(m.onnx_bytes, "m", rows.raw_val) for _, m in members]
    assert np.allclose(served, np.mean(graphs, axis=0), atol=1e-6)
    assert not np.allclose(served, graphs[0], atol=1e-3)


class _Recording(candidates.Candidate):
    """Logistic regression that records the rows each fold's fit was given."""

    name, kind = "recording", "logistic_regression"

    def __init__(self) -> None:
        self.inner = candidates.logistic_regression()
        self.seen: list[candidates.TrainingRows] = []

    def params(self):
        return {}

    def fit(self, rows, on_epoch=None):
        self.seen.append(rows)
        return self.inner.fit(rows, on_epoch)


def test_early_stopping_watches_a_weighted_sample_of_a_large_window_and_the_fold_is_scored_on_all_of_it(
    world,
):
    raw, y, split = world
    cap = 1_500

    def sample(idx):
        return downsample_legit(idx, y, cap, seed=5)

    recording = _Recording()
    folds = prequential.cross_validate(recording, raw, y, split, sample, budget_k=50)
    seen = zip(split.folds, recording.seen, folds.scores, folds.metrics, strict=True)
    for fold, rows, scores, measured in seen:
        window = y[fold.validation]
        assert (rows.y_val == 0).sum() == cap and rows.y_val.sum() == window.sum()  # every fraud
        assert rows.w_val is not None
        assert rows.w_val[rows.y_val == 0] == pytest.approx((window == 0).sum() / cap)
        assert np.all(rows.w_val[rows.y_val == 1] == 1.0)
        assert len(scores) == len(fold.validation)  # measured un-sampled
        expected = prequential.fold_metrics(window, scores, raw[fold.validation], budget_k=50)
        assert measured["auprc"] == expected["auprc"]


@pytest.mark.parametrize(
    "candidate",
    [
        candidates.LightGBMCandidate(n_estimators=300, early_stopping_rounds=10),
        candidates.CatBoostCandidate(iterations=300, early_stopping_rounds=10),
        candidates.XGBoostCandidate("xgboost", n_estimators=300, early_stopping_rounds=10),
    ],
    ids=lambda c: c.name,
)
def test_boosted_models_stop_early_on_weighted_validation_rows(candidate, world):
    raw, y, split = world
    fold = split.folds[0]
    stop_idx, stop_weights = downsample_legit(fold.validation, y, 1_500, seed=2)
    assert stop_weights is not None
    rows = candidates.TrainingRows(
        raw[fold.train], y[fold.train], raw[stop_idx], y[stop_idx], w_val=stop_weights
    )
    fitted = candidate.fit(rows)
    assert fitted.info["best_iteration"] < 300


def test_the_forest_fits_the_downsampled_rows_unweighted_and_says_so(world):
    raw, y, split = world
    fold = split.folds[0]
    idx, weights = downsample_legit(fold.train, y, 2_000, seed=1)
    rows = candidates.TrainingRows(raw[idx], y[idx], raw[fold.validation], y[fold.validation], weights)
    fitted = candidates.random_forest().fit(rows)
    assert fitted.info["weights_ignored"] == 1
    assert candidates.logistic_regression().fit(rows).info["weights_ignored"] == 0
