"""Model versions compared on the same labeled rows: the headline metrics, recall at a review budget, and
a paired bootstrap interval of the AUPRC difference.

Guarantees: every version is measured on exactly the same rows; AUPRC is scikit-learn's step-wise
average precision; the bootstrap resamples rows once per replicate and scores both versions on that same
resample (paired), from a seeded generator, so the same request gives the same interval.
"""

from dataclasses import dataclass
from typing import Any

import numpy as np
from sklearn.metrics import average_precision_score, roc_auc_score

from fraudops.ml.metrics import decision_metrics

DEFAULT_BUDGET_SHARE = 0.01  # review budget when none is given: the top 1 % of rows by score
_BOOTSTRAP_BLOCK = 64  # replicates per vectorised step: 64 x n drawn indices in memory at once


def default_budget(rows: int) -> int:
    return max(1, round(rows * DEFAULT_BUDGET_SHARE))


def top_k(scores: np.ndarray, k: int) -> np.ndarray:
    """The k highest-scored rows as a boolean mask (ties broken by row order, earlier first)."""
    flagged = np.zeros(len(scores), dtype=bool)
    flagged[np.argsort(-scores, kind="stable")[: min(k, len(scores))]] = True
    return flagged


def version_metrics(y: np.ndarray, scores: np.ndarray, threshold: float, k: int) -> dict[str, Any]:
    """AUPRC with prevalence, ROC-AUC, precision/recall/F1 at the version's own threshold, and recall and
    precision when only the top `k` rows can be reviewed. Both classes must be present."""
    at_threshold = decision_metrics(y, scores >= threshold)
    budget = decision_metrics(y, top_k(scores, k))
    return {
        "auprc": float(average_precision_score(y, scores)),
        "prevalence": float(y.mean()),
        "roc_auc": float(roc_auc_score(y, scores)),
        "threshold": float(threshold),
        "precision": at_threshold["precision"],
        "recall": at_threshold["recall"],
        "f1": at_threshold["f1"],
        "flagged": int(np.count_nonzero(scores >= threshold)),
        "confusion": at_threshold["confusion"],
        "budget_k": int(min(k, len(y))),
        "recall_at_budget": budget["recall"],
        "precision_at_budget": budget["precision"],
    }


def resampled_average_precision(y: np.ndarray, scores: np.ndarray, draws: np.ndarray) -> np.ndarray:
    """Average precision on each resample (a row of `draws`: row indices drawn with replacement), equal to
    scikit-learn's `average_precision_score(y, scores, sample_weight=counts of each row in the draw)`;
    NaN for a resample without a positive. Tied scores form one threshold, as in scikit-learn.

    Only thresholds holding a positive add to AP, so each row falls in a bucket: for a negative, the run
    of thresholds up to the next positive one; for a positive, its own threshold. One bincount of the
    drawn buckets per block then gives every resample's counts: O(draws), no rows x resamples matrix.
    """
    order = np.argsort(-scores, kind="stable")
    s_sorted, y_sorted = scores[order], y[order] == 1
    group = np.empty(len(scores), dtype=np.int32)  # threshold index (0 = highest score) of each row
    group[order] = np.r_[0, np.cumsum(np.diff(s_sorted) != 0)]
    positive_groups = np.unique(group[order][y_sorted])
    p = len(positive_groups)
    bucket = np.searchsorted(positive_groups, group)  # negatives: up to and including that positive group
    is_positive = y == 1
    bucket[is_positive] = p + 1 + np.searchsorted(positive_groups, group[is_positive])
    buckets = 2 * p + 1
    block = len(draws)
    drawn = bucket[draws] + (np.arange(block) * buckets)[:, None]
    counts = np.bincount(drawn.ravel(), minlength=block * buckets).reshape(block, buckets).astype(np.float64)
    fp = np.cumsum(counts[:, :p], axis=1)
    tp = np.cumsum(counts[:, p + 1 :], axis=1)
    total = tp[:, -1:] if p else np.zeros((block, 1))
    with np.errstate(invalid="ignore", divide="ignore"):
        precision = np.where(tp + fp > 0, tp / (tp + fp), 0.0)
        step = np.diff(tp, axis=1, prepend=0.0) / total
        ap = np.sum(step * precision, axis=1)
    ap[total[:, 0] == 0] = np.nan
    return ap


@dataclass(frozen=True)
class Interval:
    difference: float  # AUPRC(b) - AUPRC(a) on the rows themselves
    low: float
    high: float
    b_better_share: float  # share of replicates where b's AUPRC is higher
    replicates: int
    skipped: int  # replicates without a fraud (AUPRC undefined), left out
    seed: int
    level: float = 0.95


def bootstrap_difference(
    y: np.ndarray, a: np.ndarray, b: np.ndarray, replicates: int = 1000, seed: int = 0, level: float = 0.95
) -> Interval:
    """Paired percentile bootstrap of AUPRC(b) - AUPRC(a): each replicate draws n rows with replacement
    once and scores both versions on that draw."""
    n = len(y)
    rng = np.random.default_rng(seed)
    diffs: list[np.ndarray] = []
    for start in range(0, replicates, _BOOTSTRAP_BLOCK):
        block = min(_BOOTSTRAP_BLOCK, replicates - start)
        draws = rng.integers(0, n, size=(block, n), dtype=np.int32)
        diffs.append(resampled_average_precision(y, b, draws) - resampled_average_precision(y, a, draws))
    all_diffs = np.concatenate(diffs) if diffs else np.empty(0)
    valid = all_diffs[~np.isnan(all_diffs)]
    tail = (1 - level) / 2 * 100
    low, high = np.percentile(valid, [tail, 100 - tail]) if len(valid) else (np.nan, np.nan)
    return Interval(
        difference=float(average_precision_score(y, b) - average_precision_score(y, a)),
        low=float(low),
        high=float(high),
        b_better_share=float(np.mean(valid > 0)) if len(valid) else float("nan"),
        replicates=replicates,
        skipped=int(len(all_diffs) - len(valid)),
        seed=seed,
        level=level,
    )


def disagreement_mask(a: np.ndarray, ta: float, b: np.ndarray, tb: float) -> tuple[np.ndarray, np.ndarray]:
    """(flagged by a only, flagged by b only), each version at its own threshold."""
    fa, fb = a >= ta, b >= tb
    return fa & ~fb, fb & ~fa
