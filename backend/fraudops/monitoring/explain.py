"""Reasons for a score: signed per-feature contributions, by occlusion against a baseline.

For a row x and each input feature j, contribution_j = f(x) - f(x with feature j set to its training
median). Positive means the feature's value pushed the score up. It works on any model the scorer serves
(ONNX, whatever trained it), costs one batched ONNX call of n·30 rows, and is exact for what it states: how
much the score would change if that one value were ordinary. It does not split interactions the way SHAP
values do, and the contributions need not sum to the score.
"""

from typing import Any

import numpy as np

from fraudops.data.schema import FEATURE_COLUMNS, N_FEATURES
from fraudops.ml.scorer import Scorer

METHOD = "occlusion: score change when the feature is set to its training median"


def contributions(
    scorer: Scorer, raw: np.ndarray, baseline: np.ndarray, scores: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """(scores (n,), contributions (n, 30)) for raw `[Time, V1..V28, Amount]` rows.

    `scores`: the model's scores on `raw` when the caller has them already (they are not computed again).
    """
    raw = np.asarray(raw, dtype=np.float64)
    n = len(raw)
    occluded = np.repeat(raw[:, None, :], N_FEATURES, axis=1)  # (n, 30, 30): row i with feature j replaced
    index = np.arange(N_FEATURES)
    occluded[:, index, index] = baseline
    if scores is None:
        scores = scorer.predict_proba(raw)
    changed = scorer.predict_proba(occluded.reshape(n * N_FEATURES, N_FEATURES)).reshape(n, N_FEATURES)
    return scores, scores[:, None] - changed


def top_reasons(raw: np.ndarray, contribution: np.ndarray, k: int = 5) -> list[list[dict[str, Any]]]:
    """The k features with the largest |contribution| for each row, with their values."""
    order = np.argsort(-np.abs(contribution), axis=1)[:, :k]
    return [
        [
            {
                "feature": FEATURE_COLUMNS[j],
                "value": float(raw[i, j]),
                "contribution": float(contribution[i, j]),
            }
            for j in order[i]
        ]
        for i in range(len(raw))
    ]


def baseline_from(profile: dict[str, Any]) -> np.ndarray:
    return np.array([profile["baseline"][c] for c in FEATURE_COLUMNS], dtype=np.float64)
