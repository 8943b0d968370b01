"""The reference profile: a compact summary of the champion's training data, stored beside it.

Serving compares new data with this, never with raw training rows. For each monitored feature it keeps
1,001 quantiles (every 0.1 %: fine enough that interpolating the reference CDF between them adds at most
0.001 to a Kolmogorov-Smirnov statistic) and the medians used as the explanation baseline; for the
model's score, the same quantiles of its training scores. About 600 KB of JSON.
"""

from typing import TYPE_CHECKING, Any

import numpy as np

from fraudops.data.schema import FEATURE_COLUMNS, V_COLUMNS

if TYPE_CHECKING:
    from fraudops.ml.artifact import ModelCard

SECONDS_PER_DAY = 86_400.0
QUANTILES = np.linspace(0, 1, 1001)
# `Time` only grows, so it always "drifts"; what can drift meaningfully is the time of day.
MONITORED: tuple[str, ...] = (*V_COLUMNS, "Amount", "hour_of_day")
PROFILE_FILE = "profile.json"


def monitored_columns(raw: np.ndarray) -> np.ndarray:
    """Raw `[Time, V1..V28, Amount]` rows → the MONITORED columns."""
    raw = np.asarray(raw, dtype=np.float64)
    hour = np.fmod(raw[:, 0], SECONDS_PER_DAY) / 3600.0
    return np.column_stack([raw[:, 1:29], raw[:, 29], hour])


def build(raw: np.ndarray, scores: np.ndarray) -> dict[str, Any]:
    """Summarise training rows (raw layout) and the model's scores on them."""
    monitored = monitored_columns(raw)
    return {
        "rows": len(raw),
        "features": {
            name: [float(v) for v in np.quantile(monitored[:, j], QUANTILES)]
            for j, name in enumerate(MONITORED)
        },
        "score": [float(v) for v in np.quantile(scores, QUANTILES)],
        # Explanation baseline, in the model's raw input layout.
        "baseline": {name: float(np.median(raw[:, j])) for j, name in enumerate(FEATURE_COLUMNS)},
    }


def _rounded(values: np.ndarray) -> list[float]:
    return [float(f"{v:.7g}") for v in values]


def for_model(onnx_bytes: bytes, card: "ModelCard", raw_train: np.ndarray) -> dict[str, Any]:
    """The profile of a model's training rows, scored by that model's own ONNX graph."""
    from fraudops.ml.scorer import Scorer

    return build(raw_train, Scorer(onnx_bytes, card).predict_proba(raw_train))
