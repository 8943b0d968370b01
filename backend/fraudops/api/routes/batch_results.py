"""A stored batch's results, as its page reads them: the scored rows (a page of them, or all as CSV),
the precision-recall curve and score histogram, and drift against the model's training data."""

import csv
import io
import re
from collections.abc import Iterator
from typing import Annotated, Any, Literal

from fastapi import APIRouter, HTTPException, Query, status
from fastapi.responses import StreamingResponse
from sqlalchemy.orm import Session, sessionmaker

from fraudops import crud
from fraudops.api.deps import NOT_FOUND, BatchId, OffsetQuery, SessionDep, SessionFactoryDep
from fraudops.data.schema import FEATURE_COLUMNS
from fraudops.ml.curves import pr_curve_points, score_histogram
from fraudops.ml.metrics import unavailable_reason
from fraudops.monitoring.bands import BAND_NAMES
from fraudops.schemas import BatchCurvesOut, BatchDriftOut, DriftReport, Page, PredictionRow, ReasonsOut

router = APIRouter(prefix="/batches", tags=["batches"])

# The decision first, then the transaction as uploaded (its input columns and its class).
CSV_HEADER = ("row_number", "id", "probability", "is_fraud", "band", "reasons", *FEATURE_COLUMNS, "Class")
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@router.get("/{batch_id}/predictions", response_model=Page[PredictionRow], responses=NOT_FOUND)
def list_batch_predictions(
    batch_id: BatchId,
    session: SessionDep,
    filter: crud.PredictionFilter = crud.PredictionFilter.all,
    sort: crud.PredictionSort = crud.PredictionSort.row,
    band: Literal["approve", "review", "decline"] | None = None,
    offset: OffsetQuery = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> Any:
    """A batch's scored rows: all, the flagged ones, or the mistakes, false alarms or misses (these need
    labels); one band or all; in file order or by probability or amount either way."""
    if crud.get_batch(session, batch_id) is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no batch {batch_id}")
    band_code = None if band is None else BAND_NAMES.index(band)
    rows, count = crud.list_predictions(session, batch_id, filter, offset, limit, sort, band_code)
    data = [
        PredictionRow(
            row_number=r.row_number,
            id=r.external_id,
            probability=r.probability,
            is_fraud=r.is_fraud,
            label=r.label,
            band=None if r.band is None else BAND_NAMES[r.band],
            reasons=None if r.reasons is None else ReasonsOut.model_validate(r.reasons),
            amount=r.amount,
            time=r.time,
        )
        for r in rows
    ]
    return Page[PredictionRow](data=data, count=count)


@router.get("/{batch_id}/drift", response_model=BatchDriftOut, responses=NOT_FOUND)
def get_batch_drift(batch_id: BatchId, session: SessionDep) -> Any:
    """Per-feature and score drift of a batch against the training data of the model that scored it."""
    batch = crud.get_batch(session, batch_id)
    if batch is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no batch {batch_id}")
    report = batch.drift or {"reason": "scored before drift was recorded"}
    if "reason" in report:
        return BatchDriftOut(
            batch_id=batch_id, model_version=batch.model_version, report=None, reason=report["reason"]
        )
    return BatchDriftOut(
        batch_id=batch_id,
        model_version=batch.model_version,
        report=DriftReport.model_validate(report),
        reason=None,
    )


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
    band: Literal["approve", "review", "decline"] | None = None,
) -> StreamingResponse:
    """A batch's scored rows as CSV, streamed: row_number, id, probability, is_fraud, band, reasons (the
    stored top features as `feature contribution; …`), the input columns Time, V1..V28, Amount, Class."""
    batch = crud.get_batch(session, batch_id)
    if batch is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no batch {batch_id}")
    stem = re.sub(r"[^A-Za-z0-9._-]+", "_", batch.filename.removesuffix(".csv"))[:80] or "batch"
    suffix = "" if filter is crud.PredictionFilter.all else f"-{filter.value}"
    suffix += "" if band is None else f"-{band}"
    name = f"batch-{batch_id}-{stem}-scored{suffix}.csv"
    return StreamingResponse(
        _csv_chunks(session_factory, batch_id, filter, None if band is None else BAND_NAMES.index(band)),
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
    session_factory: sessionmaker[Session], batch_id: int, which: crud.PredictionFilter, band: int | None
) -> Iterator[str]:
    # The stream outlives the request's own session, so it reads through a session of its own.
    yield ",".join(CSV_HEADER) + "\r\n"
    with session_factory() as session:
        for chunk in crud.iter_prediction_rows(session, batch_id, which, band=band):
            buffer = io.StringIO()
            writer = csv.writer(buffer)
            writer.writerows(
                (
                    row,
                    spreadsheet_safe(ext),
                    repr(p),
                    int(flag),
                    "" if band is None else BAND_NAMES[band],
                    _reasons_text(reasons),
                    *(repr(v) for v in features),
                    "" if label is None else label,
                )
                for row, ext, p, flag, label, band, reasons, *features in chunk
            )
            yield buffer.getvalue()


def _reasons_text(reasons: dict[str, Any] | None) -> str:
    """Stored reasons as one cell: `V14 +0.3121; V4 +0.1002; …` (occlusion deltas, largest first)."""
    if not reasons:
        return ""
    return "; ".join(f"{r['feature']} {r['contribution']:+.4f}" for r in reasons.get("top", []))
