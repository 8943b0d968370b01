"""Classification metrics for one set of scored rows. AUPRC is step-wise average precision."""

from typing import Any

import numpy as np
from sklearn.metrics import average_precision_score, roc_auc_score


def evaluate(y_true: np.ndarray, scores: np.ndarray, threshold: float) -> dict[str, Any]:
    """AUPRC (with the prevalence, a random model's AUPRC), ROC-AUC, and the threshold's confusion counts.

    Callers make sure both classes are present.
    """
    y_true = np.asarray(y_true).astype(np.int8)
    return {
        "auprc": float(average_precision_score(y_true, scores)),
        "prevalence": float(y_true.mean()),
        "roc_auc": float(roc_auc_score(y_true, scores)),
        **decision_metrics(y_true, np.asarray(scores) >= threshold),
        "threshold": float(threshold),
        "rows": len(y_true),
        "frauds": int(y_true.sum()),
    }


def decision_metrics(y_true: np.ndarray, decisions: np.ndarray) -> dict[str, Any]:
    """Precision, recall, F1 (0.0 when undefined, as scikit-learn's zero_division=0) and confusion counts."""
    y, d = np.asarray(y_true).astype(bool), np.asarray(decisions).astype(bool)
    tp, fp = int(np.sum(y & d)), int(np.sum(~y & d))
    fn, tn = int(np.sum(y & ~d)), int(np.sum(~y & ~d))
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {
        "precision": precision,
        "recall": recall,
        "f1": f1,
        "confusion": {"tn": tn, "fp": fp, "fn": fn, "tp": tp},
    }


def unavailable_reason(y_true: np.ndarray | None) -> str | None:
    """Why metrics cannot be computed for these labels, or None when they can."""
    if y_true is None:
        return "the batch has no Class column, so there is nothing to compare against"
    positives = int(np.sum(y_true == 1))
    if positives == 0:
        return "the batch has no row labelled fraud (Class=1); AUPRC and ROC-AUC are undefined"
    if positives == len(y_true):
        return "every row of the batch is labelled fraud; ROC-AUC is undefined"
    return None
