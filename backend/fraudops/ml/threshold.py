"""The decision threshold is an operating choice made on validation data and shipped with the model."""

import numpy as np
from sklearn.metrics import precision_recall_curve


def max_f1_threshold(y_true: np.ndarray, scores: np.ndarray) -> float:
    """The score threshold t maximising F1 of the rule `score >= t` on (y_true, scores).

    Ties go to the higher threshold (fewer alerts for the same F1).
    """
    if not np.any(y_true == 1):
        raise ValueError("threshold search needs at least one positive row")
    precision, recall, thresholds = precision_recall_curve(y_true, scores)
    # The curve's last point (precision 1, recall 0) has no threshold.
    p, r = precision[:-1], recall[:-1]
    with np.errstate(divide="ignore", invalid="ignore"):
        f1 = np.where(p + r > 0, 2 * p * r / (p + r), 0.0)
    best = np.flatnonzero(f1 == f1.max())
    return float(thresholds[best[-1]])
