"""Choosing a candidate on prequential time folds (Fraud-Detection-Handbook, ch. 5): each fold fits on
every row before its validation window (less the label-delay gap) and is scored on that window; the
candidate's score is the mean validation AUPRC over the folds, with its standard deviation.

The folds' validation scores, each from a model that never saw those rows, are kept (out-of-fold
scores): the refit on every training row has no held-out rows of its own, so its threshold (and its
calibration) is chosen on them, as scikit-learn's CalibratedClassifierCV(ensemble=False) does.
"""

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from fraudops.data.schema import AMOUNT, TIME
from fraudops.ml import metrics
from fraudops.ml.candidates import Candidate, TrainingRows
from fraudops.ml.scorer import Scorer
from fraudops.ml.split import Prequential
from fraudops.ml.threshold import max_f1_threshold

# (training row indices) → (the indices to fit on, their weights or None): the legitimate downsampling.
Sampler = Callable[[np.ndarray], tuple[np.ndarray, np.ndarray | None]]
EpochReporter = Callable[[int, int, dict[str, float]], None]


@dataclass
class FoldScores:
    """One candidate across the folds."""

    candidate: Candidate
    metrics: list[dict[str, Any]]  # per fold: metrics.evaluate on its validation rows (its own threshold)
    infos: list[dict[str, Any]]  # per fold: the fit's info (best iteration, epochs)
    seconds: list[float]
    scores: list[np.ndarray] = field(repr=False)  # per fold: the validation rows' scores

    @property
    def auprcs(self) -> list[float]:
        return [m["auprc"] for m in self.metrics]

    @property
    def mean_auprc(self) -> float:
        return float(np.mean(self.auprcs))

    @property
    def std_auprc(self) -> float:
        return float(np.std(self.auprcs))

    @property
    def out_of_fold(self) -> np.ndarray:
        return np.concatenate(self.scores)


def score_onnx(onnx_bytes: bytes, kind: str, raw: np.ndarray) -> np.ndarray:
    """The served graph's probabilities for `raw` rows."""
    return Scorer.of_graph(onnx_bytes, kind).predict_proba(raw)


def fold_metrics(y: np.ndarray, scores: np.ndarray, raw: np.ndarray, budget_k: int) -> dict[str, Any]:
    """A fold's validation metrics at the fold's own max-F1 threshold (selection reads AUPRC only)."""
    threshold = max_f1_threshold(y, scores)
    return metrics.evaluate(y, scores, threshold, amount=raw[:, AMOUNT], time=raw[:, TIME], budget_k=budget_k)


def cross_validate(
    candidate: Candidate,
    raw: np.ndarray,
    y: np.ndarray,
    split: Prequential,
    sample: Sampler,
    budget_k: int,
    on_epoch: EpochReporter | None = None,
    on_fold: Callable[[int, dict[str, Any]], None] | None = None,
) -> FoldScores:
    """Fit `candidate` on each fold's training rows and score the exported graph on its validation rows."""
    out = FoldScores(candidate, [], [], [], [])
    for i, fold in enumerate(split.folds):
        train_idx, weights = sample(fold.train)
        # Early stopping watches the window sampled like the training rows (the same on small data);
        # the fold is scored on every row of it.
        stop_idx, stop_weights = sample(fold.validation)
        rows = TrainingRows(raw[train_idx], y[train_idx], raw[stop_idx], y[stop_idx], weights, stop_weights)
        started = time.perf_counter()
        fitted = candidate.fit(rows, on_epoch)
        out.seconds.append(time.perf_counter() - started)
        raw_val, y_val = raw[fold.validation], y[fold.validation]
        scores = score_onnx(fitted.onnx_bytes, candidate.kind, raw_val)
        out.scores.append(scores)
        out.infos.append(fitted.info)
        out.metrics.append(fold_metrics(y_val, scores, raw_val, budget_k))
        if on_fold is not None:
            on_fold(i, out.metrics[-1])
    return out


def average(
    candidate: Candidate,
    members: list[FoldScores],
    split: Prequential,
    raw: np.ndarray,
    y: np.ndarray,
    budget_k: int,
) -> FoldScores:
    """An ensemble's fold scores: its members' validation scores averaged fold by fold (no fitting)."""
    out = FoldScores(candidate, [], [], [], [])
    for i, fold in enumerate(split.folds):
        scores = np.mean([m.scores[i] for m in members], axis=0)
        out.scores.append(scores)
        out.infos.append({})
        out.seconds.append(0.0)
        out.metrics.append(fold_metrics(y[fold.validation], scores, raw[fold.validation], budget_k))
    return out


def validation_summary(folds: FoldScores) -> dict[str, Any]:
    """What the result's `validation` metrics add to the out-of-fold metrics: the selection score."""
    return {
        "auprc_mean": folds.mean_auprc,
        "auprc_std": folds.std_auprc,
        "fold_auprc": folds.auprcs,
        "folds": len(folds.auprcs),
    }
