"""What a batch's results page draws: the precision-recall curve, the score histogram by true class, and
the scored rows as a CSV download."""

import csv
import io
import re
from collections.abc import Iterator
from typing import Any

import numpy as np
from fastapi import APIRouter, HTTPException, status
from fastapi.responses import StreamingResponse
from sklearn.metrics import precision_recall_curve
from sqlalchemy.orm import Session, sessionmaker

from fraudops import crud
from fraudops.api.deps import NOT_FOUND, BatchId, SessionDep, SessionFactoryDep
from fraudops.ml.metrics import unavailable_reason
from fraudops.schemas import BatchCurvesOut, CurvePoint, HistogramBin

router = APIRouter(prefix="/batches", tags=["batches"])

MAX_CURVE_POINTS = 200
HISTOGRAM_BINS = 20
CSV_HEADER = ("row_number", "id", "probability", "is_fraud", "Class")
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


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


@router.get("/{batch_id}/curves", response_model=BatchCurvesOut, responses=NOT_FOUND)
def get_batch_curves(batch_id: BatchId, session: SessionDep) -> Any:
    """A batch's precision-recall curve and score histogram by true class, from its stored predictions."""
    batch = crud.get_batch(session, batch_id)
    if batch is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no batch {batch_id}")
    scores, labels = crud.batch_probabilities(session, batch_id)
    labeled = labels >= 0
    reason = unavailable_reason(labels[labeled] if labeled.any() else None)
    curve = pr_curve_points(labels[labeled], scores[labeled]) if reason is None else []
    return BatchCurvesOut(
        batch_id=batch_id,
        threshold=batch.threshold,
        pr_curve=curve,
        histogram=score_histogram(scores, labels),
        reason=reason,
    )


@router.get(
    "/{batch_id}/predictions.csv",
    response_class=StreamingResponse,
    responses={
        200: {"content": {"text/csv": {"schema": {"type": "string"}}}, "description": "the scored rows"},
        404: {"description": "no such batch"},
    },
)
def download_batch_predictions(
    batch_id: BatchId,
    session_factory: SessionFactoryDep,
    session: SessionDep,
    filter: crud.PredictionFilter = crud.PredictionFilter.all,
) -> StreamingResponse:
    """A batch's scored rows as CSV (row_number, id, probability, is_fraud, Class), streamed."""
    batch = crud.get_batch(session, batch_id)
    if batch is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no batch {batch_id}")
    stem = re.sub(r"[^A-Za-z0-9._-]+", "_", batch.filename.removesuffix(".csv"))[:80] or "batch"
    suffix = "" if filter is crud.PredictionFilter.all else f"-{filter.value}"
    name = f"batch-{batch_id}-{stem}-scored{suffix}.csv"
    return StreamingResponse(
        _csv_chunks(session_factory, batch_id, filter),
        media_type="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


def spreadsheet_safe(text: str | None) -> str:
    """User-supplied text as a cell no spreadsheet runs: text starting like a formula (=, +, -, @, or a tab
    or CR, which some spreadsheets skip before one) gets a leading apostrophe, per OWASP's CSV-injection
    advice. Only for text from users: the numbers this file writes are never altered."""
    if text is None:
        return ""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def _csv_chunks(
    session_factory: sessionmaker[Session], batch_id: int, which: crud.PredictionFilter
) -> Iterator[str]:
    # The stream outlives the request's own session, so it reads through a session of its own.
    yield ",".join(CSV_HEADER) + "\r\n"
    with session_factory() as session:
        for chunk in crud.iter_prediction_rows(session, batch_id, which):
            buffer = io.StringIO()
            writer = csv.writer(buffer)
            writer.writerows(
                (row, spreadsheet_safe(ext), repr(p), int(flag), "" if label is None else label)
                for row, ext, p, flag, label in chunk
            )
            yield buffer.getvalue()
