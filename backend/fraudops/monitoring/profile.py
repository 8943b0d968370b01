"""The reference profile: a compact summary of the champion's training data, stored beside it.

Serving compares new data with this, never with raw training rows. For each monitored feature it keeps
1,001 quantiles (every 0.1 %: fine enough that interpolating the reference CDF between them adds at most
0.001 to a Kolmogorov-Smirnov statistic) and the medians used as the explanation baseline; for the
model's score, the same quantiles of its training scores. About 600 KB of JSON.
"""

from typing import TYPE_CHECKING, Any

import numpy as np

from fraudops.data.schema import AMOUNT, FEATURE_COLUMNS, SECONDS_PER_DAY, TIME, V_COLUMNS

if TYPE_CHECKING:
    from fraudops.ml.artifact import ModelCard

QUANTILES = np.linspace(0, 1, 1001)
# `Time` only grows, so it always "drifts"; what can drift meaningfully is the time of day.
MONITORED: tuple[str, ...] = (*V_COLUMNS, "Amount", "hour_of_day")


def monitored_columns(raw: np.ndarray) -> dict[str, np.ndarray]:
    """Raw `[Time, V1..V28, Amount]` rows → each MONITORED column by name."""
    raw = np.asarray(raw, dtype=np.float64)
    columns = {name: raw[:, j + 1] for j, name in enumerate(V_COLUMNS)}
    columns["Amount"] = raw[:, AMOUNT]
    columns["hour_of_day"] = np.fmod(raw[:, TIME], SECONDS_PER_DAY) / 3600.0
    return columns


def build(raw: np.ndarray, scores: np.ndarray) -> dict[str, Any]:
    """Summarise training rows (raw layout) and the model's scores on them.

    The hour of day is profiled only when the training rows cover a whole day: a reference that never saw
    the evening would flag every evening as drift.
    """
    columns = monitored_columns(raw)
    time = np.asarray(raw, dtype=np.float64)[:, TIME]
    if len(time) == 0 or time.max() - time.min() < SECONDS_PER_DAY:
        del columns["hour_of_day"]
    return {
        "rows": len(raw),
        "features": {name: _rounded(np.quantile(values, QUANTILES)) for name, values in columns.items()},
        "score": _rounded(np.quantile(scores, QUANTILES)),
        # Explanation baseline, in the model's raw input layout.
        "baseline": {name: float(np.median(raw[:, j])) for j, name in enumerate(FEATURE_COLUMNS)},
    }


def for_model(onnx_bytes: bytes, card: "ModelCard", raw_train: np.ndarray) -> dict[str, Any]:
    """The profile of a model's training rows, scored by that model's own ONNX graph."""
    from fraudops.ml.scorer import Scorer

    return build(raw_train, Scorer(onnx_bytes, card).predict_proba(raw_train))


def _rounded(values: np.ndarray) -> list[float]:
    return [float(f"{v:.7g}") for v in values]
