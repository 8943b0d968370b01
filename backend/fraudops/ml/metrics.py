"""Classification metrics for one set of scored rows. AUPRC is step-wise average precision."""

from typing import Any

import numpy as np
from sklearn.metrics import average_precision_score, brier_score_loss, roc_auc_score

from fraudops.data.schema import SECONDS_PER_DAY

# Alerts an investigation team can work per day (training, test windows) or per uploaded batch: the
# Fraud-Detection-Handbook's top-k budget.
DEFAULT_BUDGET_K = 100


def evaluate(
    y_true: np.ndarray,
    scores: np.ndarray,
    threshold: float,
    *,
    amount: np.ndarray | None = None,
    time: np.ndarray | None = None,
    budget_k: int = DEFAULT_BUDGET_K,
) -> dict[str, Any]:
    """AUPRC (with the prevalence, a random model's AUPRC), ROC-AUC, the threshold's confusion counts, the
    alert-budget metrics (top `budget_k` per day when `time` is given, else of the whole set, a batch), and
    with `amount` the share of fraud amount caught at the threshold and within the budget.

    Callers make sure both classes are present.
    """
    y_true = np.asarray(y_true).astype(np.int8)
    scores = np.asarray(scores)
    decisions = scores >= threshold
    out: dict[str, Any] = {
        "auprc": float(average_precision_score(y_true, scores)),
        "prevalence": float(y_true.mean()),
        "roc_auc": float(roc_auc_score(y_true, scores)),
        # Mean squared error of the probability: low only when scores are calibrated as well as ranked.
        "brier": float(brier_score_loss(y_true, np.clip(scores, 0.0, 1.0))),
        **decision_metrics(y_true, decisions),
        "threshold": float(threshold),
        "rows": len(y_true),
        "frauds": int(y_true.sum()),
    }
    groups = None if time is None else np.floor_divide(np.asarray(time), SECONDS_PER_DAY)
    alerted = top_k_alerts(scores, budget_k, groups)
    out |= budget_metrics(y_true, alerted, budget_k, "day" if groups is not None else "batch")
    if amount is not None:
        out["fraud_amount_caught_share"] = amount_share(y_true, decisions, amount)
        out["budget_fraud_amount_caught_share"] = amount_share(y_true, alerted, amount)
    return out


def top_k_alerts(scores: np.ndarray, k: int, groups: np.ndarray | None = None) -> np.ndarray:
    """A boolean mask of the `k` highest scores in each group (the whole set when `groups` is None).
    Ties at the cut go to the earlier row."""
    if k < 1:
        raise ValueError("the alert budget must be at least 1")
    alerted = np.zeros(len(scores), dtype=bool)
    keys = np.zeros(len(scores)) if groups is None else np.asarray(groups)
    # One sort for every group: by group, then by descending score, stable so ties keep row order.
    order = np.lexsort((np.arange(len(scores)), -np.asarray(scores, dtype=np.float64), keys))
    sorted_keys = keys[order]
    starts = np.flatnonzero(np.r_[True, sorted_keys[1:] != sorted_keys[:-1]])
    rank = np.arange(len(order)) - np.repeat(starts, np.diff(np.r_[starts, len(order)]))
    alerted[order[rank < k]] = True
    return alerted


def budget_metrics(y_true: np.ndarray, alerted: np.ndarray, k: int, per: str) -> dict[str, Any]:
    """Precision and recall of the budget's alerts (all frauds count in recall, alerted or not)."""
    y = np.asarray(y_true).astype(bool)
    caught, alerts = int(np.sum(y & alerted)), int(np.sum(alerted))
    return {
        "budget_k": k,
        "budget_per": per,
        "budget_alerts": alerts,
        "precision_at_k": caught / alerts if alerts else 0.0,
        "recall_at_k": caught / int(y.sum()) if y.any() else 0.0,
    }


def amount_share(y_true: np.ndarray, caught: np.ndarray, amount: np.ndarray) -> float:
    """The share of the frauds' total amount that the flagged (`caught`) rows hold."""
    y = np.asarray(y_true).astype(bool)
    total = float(np.sum(np.asarray(amount)[y]))
    return float(np.sum(np.asarray(amount)[y & caught])) / total if total > 0 else 0.0


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
