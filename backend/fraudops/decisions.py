"""One decision path: raw transaction rows → probability, decision, band and reasons, and the log record.

Every way a transaction gets decided goes through `decide` — `/api/predict`, the stream worker and batch
ingest — so the three can never disagree on how a score becomes a decision. Labels never come here: the
model sees features only.
"""

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

import numpy as np

from fraudops.ml.scorer import Scorer
from fraudops.monitoring import explain
from fraudops.monitoring.bands import Band, Bands
from fraudops.predlog import Chunk

# Which rows get reasons at decision time. Occlusion costs 30 extra model rows per explained row, so the
# real-time path explains only on request; a batch explains the rows someone will look at.
Explain = Literal["none", "flagged", "attention", "all"]
Reasons = list[dict[str, Any]]  # top features: {"feature", "value", "contribution"}
_REVIEW = int(Band.review)  # a plain int: comparing an array with an IntEnum member is slow


@dataclass(frozen=True)
class Decisions:
    """The decisions on n rows, by one model version under one set of bands."""

    probability: np.ndarray  # (n,) float64
    is_fraud: np.ndarray  # (n,) bool: probability >= threshold
    band: np.ndarray  # (n,) int8 `Band` codes
    bands: Bands
    threshold: float
    model_version: str
    reasons: dict[int, Reasons]  # row index → its top reasons, for the rows explained
    # The shadow challenger's scores on the same rows (logged beside the champion's, never deciding).
    shadow_probability: np.ndarray | None = None
    shadow_version: str | None = None

    def __len__(self) -> int:
        return len(self.probability)


def decide(
    scorer: Scorer,
    raw: np.ndarray,
    bands: Bands,
    explain_rows: Explain = "none",
    shadow: Scorer | None = None,
) -> Decisions:
    """Score `[Time, V1..V28, Amount]` rows with one scorer and decide each of them; with `shadow`, score
    them with that model too, for the record only: its scores never touch a decision.

    Raises ValueError when reasons are asked for and the model has no reference profile to explain with.
    """
    raw = np.asarray(raw, dtype=np.float64)
    # One read of the scorer's threshold and version: a hot swap cannot split a call between two models.
    threshold, version = scorer.threshold, scorer.version
    probability = scorer.predict_proba(raw)
    is_fraud = probability >= threshold
    band = bands.assign(probability)
    rows = _rows_to_explain(explain_rows, probability, is_fraud, min(threshold, bands.review_at))
    reasons = _reasons(scorer, raw, probability, rows)
    shadow_probability = shadow.predict_proba(raw) if shadow is not None else None
    shadow_version = shadow.version if shadow is not None else None
    return Decisions(
        probability, is_fraud, band, bands, threshold, version, reasons, shadow_probability, shadow_version
    )


def _rows_to_explain(
    which: Explain, probability: np.ndarray, is_fraud: np.ndarray, attention_at: float
) -> np.ndarray:
    if which == "none":
        return np.empty(0, dtype=np.intp)
    if which == "flagged":
        return np.flatnonzero(is_fraud)
    if which == "attention":  # flagged or in the review or decline band: at or above the lower of the two
        return np.flatnonzero(probability >= attention_at)
    return np.arange(len(probability))


def _reasons(
    scorer: Scorer, raw: np.ndarray, probability: np.ndarray, rows: np.ndarray
) -> dict[int, Reasons]:
    if len(rows) == 0:
        return {}
    if scorer.profile is None:
        raise ValueError("the served model has no reference profile to explain with")
    baseline = explain.baseline_from(scorer.profile)
    _, contribution = explain.contributions(scorer, raw[rows], baseline, probability[rows])
    return dict(zip(rows.tolist(), explain.top_reasons(raw[rows], contribution), strict=True))


def log_record(
    decisions: Decisions,
    raw: np.ndarray,
    *,
    source: str,
    request_ids: list[str],
    external_ids: list[str | None],
    received_at: datetime,
    latency_ms: float | np.ndarray,
    with_reasons: bool = True,
    shadow_later: Scorer | None = None,
) -> Chunk:
    """The prediction log's record of these decisions (what was decided, on what, by which model, and the
    shadow's score). `with_reasons`: store the reasons of the explained rows in review or decline.
    `shadow_later`: a challenger the log scores these rows with when it flushes (off the request path)."""
    return Chunk(
        request_ids=request_ids,
        received_at=received_at,
        source=source,
        external_ids=external_ids,
        features=raw,
        probability=decisions.probability,
        is_fraud=decisions.is_fraud,
        threshold=decisions.threshold,
        model_version=decisions.model_version,
        latency_ms=latency_ms,
        band=decisions.band,
        review_at=decisions.bands.review_at,
        decline_at=decisions.bands.decline_at,
        shadow_probability=decisions.shadow_probability,
        shadow_version=decisions.shadow_version,
        reasons=_attention_reasons(decisions) if with_reasons and decisions.reasons else None,
        shadow_later=shadow_later if decisions.shadow_probability is None else None,
    )


def _attention_reasons(decisions: Decisions) -> dict[int, Reasons] | None:
    """The reasons the log keeps: those of rows in the review or decline band."""
    kept = {i: r for i, r in decisions.reasons.items() if decisions.band[i] >= _REVIEW}
    return kept or None
