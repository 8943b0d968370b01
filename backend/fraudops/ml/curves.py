"""The data of a batch's charts: a precision-recall curve thinned to a drawable size, and the score
histogram by true class (frauds, legitimate rows and unlabeled rows counted apart)."""

import numpy as np
from sklearn.metrics import precision_recall_curve

from fraudops.schemas import CurvePoint, HistogramBin

MAX_CURVE_POINTS = 200
HISTOGRAM_BINS = 20


def pr_curve_points(
    labels: np.ndarray, scores: np.ndarray, max_points: int = MAX_CURVE_POINTS
) -> list[CurvePoint]:
    """The step-wise precision-recall curve, recall rising, at most `max_points` points.

    Each recall level keeps its first point (the highest threshold reaching it, so the highest precision):
    those are exactly the points average precision sums over, so a step plot of them is the area AUPRC
    measures. Longer curves keep evenly spaced levels, always with both ends.
    """
    precision, recall, thresholds = precision_recall_curve(labels, scores)
    # scikit-learn orders by rising threshold and appends (recall 0, precision 1) without a threshold.
    precision, recall = precision[::-1], recall[::-1]
    cut: list[float | None] = [None, *(float(x) for x in thresholds[::-1])]
    _, first = np.unique(recall, return_index=True)
    if len(first) > max_points:
        first = first[np.unique(np.linspace(0, len(first) - 1, max_points).round().astype(int))]
    return [
        CurvePoint(recall=float(recall[i]), precision=float(precision[i]), threshold=cut[i]) for i in first
    ]


def score_histogram(scores: np.ndarray, labels: np.ndarray, bins: int = HISTOGRAM_BINS) -> list[HistogramBin]:
    """Counts of scores in equal-width bins over [0, 1] (the last bin includes 1), per true class."""
    edges = np.linspace(0.0, 1.0, bins + 1)
    per_class = {
        name: np.histogram(np.clip(scores[labels == value], 0.0, 1.0), bins=edges)[0]
        for name, value in (("legit", 0), ("fraud", 1), ("unlabeled", -1))
    }
    return [
        HistogramBin(
            start=float(edges[i]),
            end=float(edges[i + 1]),
            legit=int(per_class["legit"][i]),
            fraud=int(per_class["fraud"][i]),
            unlabeled=int(per_class["unlabeled"][i]),
        )
        for i in range(bins)
    ]
