"""Calibration: both maps monotone, the choice by held-out log loss, and the map folded into the served
graph equal to the native model followed by the map (parity before calibration is the export's own)."""

import numpy as np
import pytest

from fraudops.data import synthetic
from fraudops.ml import calibration, candidates
from fraudops.ml.split import time_split
from fraudops.training import pipeline, prequential
from tests.utils import raw_and_labels


def _overconfident(n: int = 20_000, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Scores whose true probability is score**3: a model that over-states fraud."""
    rng = np.random.default_rng(seed)
    s = rng.random(n)
    return (rng.random(n) < s**3).astype(np.int8), s


@pytest.mark.parametrize("method", ["platt", "isotonic"])
def test_maps_are_monotone_and_improve_an_overconfident_model(method):
    y, s = _overconfident()
    c = calibration.FITTERS[method](y[:10_000], s[:10_000])
    grid = np.linspace(0, 1, 1001)
    assert np.all(np.diff(c.apply(grid)) >= -1e-12)
    held_y, held_s = y[10_000:], s[10_000:]
    before = calibration.report(held_y, held_s, held_s)["brier"]
    after = calibration.report(held_y, held_s, c.apply(held_s))["brier"]
    assert after < before


def test_choice_is_by_held_out_log_loss():
    # Scores that are a logistic function of the truth: Platt's own family.
    rng = np.random.default_rng(1)
    z = rng.normal(size=20_000)
    s = 1 / (1 + np.exp(-(0.5 * z - 3)))
    y = (rng.random(20_000) < 1 / (1 + np.exp(-(2 * z - 4)))).astype(np.int8)
    c, choice = calibration.choose(y, s)
    losses = choice["validation_log_loss"]
    assert choice["method"] == min(losses, key=losses.get) == c.method
    # A step-shaped truth that no logistic curve follows: isotonic wins.
    y2, s2 = (rng.random(20_000) < np.where(s > np.median(s), 0.3, 0.001)).astype(np.int8), s
    _, choice2 = calibration.choose(y2, s2)
    assert choice2["method"] == "isotonic"


def test_reliability_bins_count_every_row():
    y, s = _overconfident(5_000)
    bins = calibration.reliability(y, s)
    assert sum(b["rows"] for b in bins) == 5_000
    assert all(b["bin_start"] <= b["mean_predicted"] <= b["bin_end"] for b in bins)


@pytest.mark.parametrize("method", ["platt", "isotonic"])
def test_the_calibrated_graph_equals_the_native_model_then_the_map(method):
    raw, y = raw_and_labels(synthetic.generate(20_000, seed=23))
    split = time_split(raw[:, 0])
    rows = candidates.TrainingRows(
        raw[split.train], y[split.train], raw[split.validation], y[split.validation]
    )
    fitted = candidates.logistic_regression().fit(rows)
    native_val = fitted.predict_native(rows.raw_val)
    # Parity before calibration: the export itself.
    assert np.max(np.abs(prequential.score_onnx(fitted.onnx_bytes, "lr", rows.raw_val) - native_val)) < 1e-4
    c = calibration.FITTERS[method](rows.y_val, native_val)
    graph = calibration.fold_into_graph(fitted.onnx_bytes, c)
    test = raw[split.test]
    served = prequential.score_onnx(graph, "lr", test)
    expected = c.apply(fitted.predict_native(test))
    # The pipeline's criterion: float32 logits near 1 lose digits, so a stray row may differ (max 4e-4
    # seen, on a probability near 1), never many.
    diff = np.abs(served - expected)
    assert np.mean(diff > pipeline.PARITY_TOLERANCE) <= pipeline.PARITY_MAX_MISMATCH_RATE
    assert np.median(diff) < 1e-5 and diff.max() < 1e-2
    assert served.std() > 0
    # Monotone in the graph's uncalibrated score: ranks never invert.
    order = np.argsort(prequential.score_onnx(fitted.onnx_bytes, "lr", test), kind="stable")
    assert np.all(np.diff(served[order]) >= -1e-6)


def test_the_calibrated_graph_is_checked_within_rounding_of_its_input_and_a_wrong_map_still_fails():
    raw, y = raw_and_labels(synthetic.generate(20_000, seed=9))
    split = time_split(raw[:, 0], 0.2, 0.1)
    rows = candidates.TrainingRows(
        raw[split.train], y[split.train], raw[split.validation], y[split.validation]
    )
    fitted = candidates.logistic_regression().fit(rows)
    score = prequential.score_onnx(fitted.onnx_bytes, "logistic_regression", rows.raw_val)
    middle = float(np.median(score))
    # A near-vertical step at a score the rows really have: the steepest stretch a map can have.
    steep = calibration.Calibrator(
        "isotonic",
        x=np.array([0.0, middle * (1 - 1e-6), middle * (1 + 1e-6), 1.0]),
        y=np.array([0, 0.01, 0.9, 1]),
    )
    served = prequential.score_onnx(calibration.fold_into_graph(fitted.onnx_bytes, steep), "lr", rows.raw_val)
    expected = pipeline.mapped_within_rounding(steep, score, served)
    assert np.max(np.abs(served - expected)) < pipeline.PARITY_TOLERANCE
    other = calibration.Calibrator("isotonic", x=np.array([0.0, 1.0]), y=np.array([0.0, 1.0]))
    wrong = prequential.score_onnx(calibration.fold_into_graph(fitted.onnx_bytes, other), "lr", rows.raw_val)
    off = np.abs(wrong - pipeline.mapped_within_rounding(steep, score, wrong))
    assert np.mean(off > pipeline.PARITY_TOLERANCE) > pipeline.PARITY_MAX_MISMATCH_RATE
