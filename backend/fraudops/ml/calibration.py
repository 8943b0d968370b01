"""Calibrated scores: a monotone map from a model's score to a fraud probability, fitted on out-of-fold
validation scores and folded into the served ONNX graph, so bands and thresholds mean what they say.

Two maps compete, chosen by log loss on validation scores they were not fitted on (two time-ordered
halves, each fitted on one and scored on the other): Platt scaling (a logistic curve on the score's
logit) and isotonic regression (a non-decreasing piecewise-linear map, as scikit-learn interpolates it).
"""

from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper
from sklearn.isotonic import IsotonicRegression
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import brier_score_loss, log_loss

from fraudops.ml.onnx_export import OUTPUT_NAME

EPS = 1e-6  # scores are clipped to [EPS, 1 - EPS] before a logit, and probabilities for log loss
RELIABILITY_BINS = 10


@dataclass(frozen=True)
class Calibrator:
    method: Literal["platt", "isotonic"]
    # platt: p = sigmoid(a * logit(s) + b); isotonic: np.interp(s, x, y) (flat beyond the ends)
    a: float = 1.0
    b: float = 0.0
    x: np.ndarray = field(default_factory=lambda: np.zeros(0))
    y: np.ndarray = field(default_factory=lambda: np.zeros(0))

    def apply(self, scores: np.ndarray) -> np.ndarray:
        s = np.asarray(scores, dtype=np.float64)
        if self.method == "platt":
            return 1.0 / (1.0 + np.exp(-(self.a * _logit(s) + self.b)))
        return np.interp(s, self.x, self.y)

    def describe(self) -> dict[str, Any]:
        if self.method == "platt":
            return {"method": "platt", "a": self.a, "b": self.b}
        return {"method": "isotonic", "points": len(self.x)}


def _logit(s: np.ndarray) -> np.ndarray:
    s = np.clip(s, EPS, 1 - EPS)
    return np.log(s / (1 - s))


def fit_platt(y: np.ndarray, scores: np.ndarray) -> Calibrator:
    model = LogisticRegression(C=1e6, max_iter=1000).fit(_logit(scores).reshape(-1, 1), y)
    return Calibrator("platt", a=float(model.coef_[0, 0]), b=float(model.intercept_[0]))


def fit_isotonic(y: np.ndarray, scores: np.ndarray) -> Calibrator:
    iso = IsotonicRegression(y_min=0.0, y_max=1.0, out_of_bounds="clip").fit(scores, y)
    x, v = np.asarray(iso.X_thresholds_, np.float64), np.asarray(iso.y_thresholds_, np.float64)
    return Calibrator("isotonic", x=x, y=v)


FITTERS = {"platt": fit_platt, "isotonic": fit_isotonic}


def choose(y: np.ndarray, scores: np.ndarray) -> tuple[Calibrator, dict[str, Any]]:
    """Fit both maps on each time-ordered half of (y, scores) (in time order), score log loss on the other
    half, keep the method with the lower mean, refit it on every row. Returns it and the comparison."""
    y = np.asarray(y).astype(np.int8)
    half = len(y) // 2
    halves = [(slice(0, half), slice(half, None)), (slice(half, None), slice(0, half))]
    losses: dict[str, float] = {}
    for method, fit in FITTERS.items():
        parts = []
        for fit_on, score_on in halves:
            if len(np.unique(y[fit_on])) < 2 or len(np.unique(y[score_on])) < 2:
                continue  # a half without frauds cannot fit or judge a map
            calibrated = fit(y[fit_on], scores[fit_on]).apply(scores[score_on])
            parts.append(log_loss(y[score_on], np.clip(calibrated, EPS, 1 - EPS), labels=[0, 1]))
        losses[method] = float(np.mean(parts)) if parts else float("inf")
    # Platt on ties: two parameters generalise more safely than a step function.
    method = min(losses, key=lambda m: (losses[m], m != "platt"))
    calibrator = FITTERS[method](y, scores)
    return calibrator, {"method": method, "validation_log_loss": losses, **calibrator.describe()}


def reliability(
    y: np.ndarray, probability: np.ndarray, bins: int = RELIABILITY_BINS
) -> list[dict[str, float]]:
    """The reliability curve: equal-width bins over [0, 1] (empty ones left out), each with its rows, mean
    predicted probability and observed fraud rate."""
    p = np.clip(np.asarray(probability, dtype=np.float64), 0.0, 1.0)
    which = np.minimum((p * bins).astype(int), bins - 1)
    out = []
    for b in range(bins):
        mask = which == b
        if mask.any():
            out.append(
                {
                    "bin_start": b / bins,
                    "bin_end": (b + 1) / bins,
                    "rows": int(mask.sum()),
                    "mean_predicted": float(p[mask].mean()),
                    "fraud_rate": float(np.mean(y[mask])),
                }
            )
    return out


def report(y: np.ndarray, raw_scores: np.ndarray, calibrated: np.ndarray) -> dict[str, Any]:
    """Brier score and log loss before and after, and the calibrated reliability curve."""
    y = np.asarray(y).astype(np.int8)
    raw_scores, calibrated = np.clip(raw_scores, 0.0, 1.0), np.clip(calibrated, 0.0, 1.0)
    return {
        "brier_before": float(brier_score_loss(y, np.clip(raw_scores, 0, 1))),
        "brier": float(brier_score_loss(y, calibrated)),
        "log_loss_before": float(log_loss(y, np.clip(raw_scores, EPS, 1 - EPS), labels=[0, 1])),
        "log_loss": float(log_loss(y, np.clip(calibrated, EPS, 1 - EPS), labels=[0, 1])),
        "reliability": reliability(y, calibrated),
    }


def fold_into_graph(onnx_bytes: bytes, calibrator: Calibrator) -> bytes:
    """The served graph with the calibration map after its score: same input, same output name."""
    model = onnx.load_from_string(onnx_bytes)
    graph = model.graph
    raw_name = "uncalibrated_probability"
    for node in graph.node:
        node.output[:] = [raw_name if o == OUTPUT_NAME else o for o in node.output]
        node.input[:] = [raw_name if i == OUTPUT_NAME else i for i in node.input]
    nodes, inits = _map_nodes(raw_name, OUTPUT_NAME, calibrator)
    graph.node.extend(nodes)
    graph.initializer.extend(inits)
    onnx.checker.check_model(model, full_check=True)
    return model.SerializeToString()


def _map_nodes(source: str, target: str, c: Calibrator) -> tuple[list[onnx.NodeProto], list[TensorProto]]:
    def const(name: str, value: Any, dtype: Any = np.float32) -> TensorProto:
        return numpy_helper.from_array(np.asarray(value, dtype=dtype), f"cal_{name}")

    n = helper.make_node
    if c.method == "platt":
        inits = [const("lo", EPS), const("hi", 1 - EPS), const("one", 1.0), const("a", c.a), const("b", c.b)]
        nodes = [
            n("Clip", [source, "cal_lo", "cal_hi"], ["cal_s"]),
            n("Sub", ["cal_one", "cal_s"], ["cal_1ms"]),
            n("Div", ["cal_s", "cal_1ms"], ["cal_odds"]),
            n("Log", ["cal_odds"], ["cal_logit"]),
            n("Mul", ["cal_logit", "cal_a"], ["cal_ax"]),
            n("Add", ["cal_ax", "cal_b"], ["cal_z"]),
            n("Sigmoid", ["cal_z"], [target]),
        ]
        return nodes, inits
    # Isotonic as a sum of ramps: y0 + Σ rise_i · clip((s - x_i) / (x_{i+1} - x_i), 0, 1), equal to
    # np.interp. Each ramp adds its whole rise exactly once s is past it; written as slope · run in float32,
    # a near-vertical step's rise came out wrong by up to 1e-3 for every row above it.
    dx = np.diff(c.x)
    keep = dx > 0
    lo, width, rise = c.x[:-1][keep], dx[keep], np.diff(c.y)[keep]
    if not len(lo):  # a constant map
        lo, width, rise = np.zeros(1), np.ones(1), np.zeros(1)
    inits = [
        const("axis", [1], np.int64),
        const("lo", lo.reshape(1, -1)),
        const("inv_width", (1.0 / width).reshape(1, -1)),
        const("rise", rise.reshape(1, -1)),
        const("zero", 0.0),
        const("one", 1.0),
        const("y0", c.y[0] if len(c.y) else 0.0),
    ]
    nodes = [
        n("Unsqueeze", [source, "cal_axis"], ["cal_col"]),
        n("Sub", ["cal_col", "cal_lo"], ["cal_run"]),
        n("Mul", ["cal_run", "cal_inv_width"], ["cal_share"]),
        n("Max", ["cal_share", "cal_zero"], ["cal_above"]),
        n("Min", ["cal_above", "cal_one"], ["cal_fraction"]),
        n("Mul", ["cal_fraction", "cal_rise"], ["cal_rises"]),
        n("ReduceSum", ["cal_rises", "cal_axis"], ["cal_sum"], keepdims=0),
        n("Add", ["cal_sum", "cal_y0"], [target]),
    ]
    return nodes, inits
