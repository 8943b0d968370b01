"""A batch's life: parse and validate → score with labels stripped → metrics → store, all or nothing."""

import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from fraudops import crud
from fraudops.data.schema import AMOUNT
from fraudops.data.upload import ReceivedFile
from fraudops.data.validate import parse_batch
from fraudops.decisions import decide
from fraudops.ml import metrics
from fraudops.ml.scorer import Scorer
from fraudops.monitoring import drift, explain
from fraudops.monitoring.bands import Bands
from fraudops.tables import Batch


@dataclass
class IngestResult:
    batch: Batch
    created: bool


def ingest(
    session: Session,
    upload: ReceivedFile,
    scorer: Scorer,
    receive_seconds: float,
    bands: Bands,
    role: str = "training",
) -> IngestResult:
    """Store and score an uploaded file, or return the batch already stored for the same content.

    Raises CsvRejected (nothing written) when the file is invalid.
    """
    existing = crud.get_batch_by_sha256(session, upload.sha256)
    if existing is not None:
        return IngestResult(existing, created=False)

    clock = _Clock()
    parsed = parse_batch(Path(upload.path))
    clock.lap("parse_validate")

    # The model sees features only: labels never reach the scorer. Reasons for every row in review or decline.
    decided = decide(scorer, parsed.features, bands, "attention" if scorer.profile is not None else "none")
    probability, is_fraud = decided.probability, decided.is_fraud
    clock.lap("score")

    # Drift against the model's training data, when it has a profile.
    batch_drift: dict[str, object] = {"reason": "the model has no reference profile"}
    if scorer.profile is not None:
        batch_drift = drift.report(scorer.profile, parsed.features, probability)
    clock.lap("drift")

    reason = metrics.unavailable_reason(parsed.labels)
    batch_metrics = None
    if reason is None and parsed.labels is not None:
        batch_metrics = metrics.evaluate(
            parsed.labels, probability, decided.threshold, amount=parsed.features[:, AMOUNT]
        )
    clock.lap("metrics")

    batch = Batch(
        sha256=upload.sha256,
        filename=upload.filename,
        row_count=parsed.rows,
        labeled=parsed.labels is not None,
        fraud_count=int(parsed.labels.sum()) if parsed.labels is not None else None,
        flagged_count=int(np.count_nonzero(is_fraud)),
        threshold=decided.threshold,
        model_version=decided.model_version,
        metrics=batch_metrics,
        metrics_reason=reason,
        timings={},
        bands=bands.as_dict(),
        drift=batch_drift,
        role=role,
    )
    try:
        crud.create_batch(session, batch, parsed, probability, is_fraud, decided.band)
        crud.add_reasons(session, batch.id, decided.reasons, explain.METHOD)
        clock.lap("store")
        batch.timings = {"receive": round(receive_seconds, 4), **clock.laps}
        session.commit()
    except IntegrityError:
        # The same file arrived twice at once and the other upload committed first.
        session.rollback()
        existing = crud.get_batch_by_sha256(session, upload.sha256)
        if existing is None:
            raise
        return IngestResult(existing, created=False)
    crud.refresh_batch_statistics(session, parsed.rows)  # the next query on these rows plans for them
    return IngestResult(batch, created=True)


class _Clock:
    def __init__(self) -> None:
        self.laps: dict[str, float] = {}
        self._last = time.perf_counter()

    def lap(self, name: str) -> None:
        now = time.perf_counter()
        self.laps[name] = round(now - self._last, 4)
        self._last = now
