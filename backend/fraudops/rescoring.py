"""Scoring a stored batch again with any model version, off the request path, with progress on its row.

The batch's own predictions are never touched: scores go to `batch_scores` under the scoring's id.
"""

import logging
import traceback
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
from sqlalchemy.orm import Session, sessionmaker

from fraudops.crud import scorings as crud_scorings
from fraudops.ml import metrics, version_store
from fraudops.ml.scorer import Scorer

log = logging.getLogger(__name__)

CHUNK_ROWS = 50_000  # rows read, scored and stored per step (and per progress update)


def resolve_scorer(
    version: str, store: Path, model_dir: Path, serving: Scorer | None, chunk_rows: int = 65_536
) -> Scorer | None:
    """A scorer for `version`: the model serving now if it is that version, else the version store (the
    champion folder is copied there first, so a champion that came from elsewhere is found too)."""
    if serving is not None and serving.version == version:
        return serving
    try:
        version_store.remember_champion(model_dir, store)
    except OSError:  # an unreadable champion folder: the store may still hold the version
        log.exception("could not copy the champion folder into the version store")
    return version_store.load(store, version, chunk_rows)


def run_scoring(factory: sessionmaker[Session], scoring_id: int, scorer: Scorer) -> None:
    """Score every row of the scoring's batch; the row says how far it got, then done (with metrics) or
    failed (with the error). Never raises: it runs where nobody would see an exception."""
    with factory() as session:
        scoring = crud_scorings.get_scoring(session, scoring_id)
        if scoring is None:
            return
        batch_id = scoring.batch_id
        try:
            crud_scorings.set_scoring(session, scoring_id, status="running", rows_done=0)
            parts: list[np.ndarray] = []
            done = 0
            for first_row, raw in crud_scorings.iter_batch_features(session, batch_id, CHUNK_ROWS):
                probability = scorer.predict_proba(raw)
                crud_scorings.add_scores(session, scoring_id, first_row, probability)
                done += len(probability)
                crud_scorings.set_scoring(session, scoring_id, rows_done=done)  # commits the chunk
                parts.append(probability)
            scores = np.concatenate(parts) if parts else np.empty(0)
            labels = crud_scorings.batch_labels(session, batch_id)
            known = labels >= 0
            found = None
            if known.all() and metrics.unavailable_reason(labels) is None:
                found = metrics.evaluate(labels, scores, scorer.threshold)
            crud_scorings.set_scoring(
                session,
                scoring_id,
                status="done",
                threshold=scorer.threshold,
                metrics=found,
                finished_at=datetime.now(UTC),
            )
        except Exception as error:
            log.exception("scoring %d failed", scoring_id)
            session.rollback()
            crud_scorings.set_scoring(
                session,
                scoring_id,
                status="failed",
                error="".join(traceback.format_exception_only(error)).strip()[:4000],
                finished_at=datetime.now(UTC),
            )
        else:
            crud_scorings.refresh_scores_statistics(session, done)  # comparisons read these rows next
