"""Batch uploads: stream → validate → store → score → metrics; then read them back."""

import time
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, Request, Response, status
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from sqlalchemy.orm import Session

from fraudops import crud
from fraudops.api.deps import NOT_FOUND, BatchId, OffsetQuery, ScorerDep, SessionDep, SettingsDep
from fraudops.batches import ingest
from fraudops.core.config import Settings
from fraudops.data import upload
from fraudops.data.validate import CsvRejected
from fraudops.ml.scorer import Scorer
from fraudops.monitoring.bands import BAND_NAMES, bands_for
from fraudops.schemas import (
    BatchDriftOut,
    BatchPublic,
    BatchUploadOut,
    DriftReport,
    Page,
    PredictionRow,
    ProblemOut,
    RejectedOut,
)

router = APIRouter(prefix="/batches", tags=["batches"])

_UPLOAD_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "properties": {"file": {"type": "string", "format": "binary"}},
                    "required": ["file"],
                }
            },
            "text/csv": {"schema": {"type": "string"}},
        },
    }
}


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=BatchUploadOut,
    responses={
        200: {"model": BatchUploadOut, "description": "the same file was uploaded before"},
        400: {"description": "the request is not a well-formed upload (multipart framing, content type)"},
        413: {"description": "the file is larger than the upload limit"},
        422: {"model": RejectedOut, "description": "the file was rejected; nothing was stored"},
    },
    openapi_extra=_UPLOAD_BODY,
)
async def upload_batch(
    request: Request,
    response: Response,
    session: SessionDep,
    scorer: ScorerDep,
    settings: SettingsDep,
    filename: Annotated[str | None, Query(max_length=255)] = None,
) -> Any:
    """Upload a CSV batch (multipart field `file`, or a text/csv body), score it and return its metrics."""
    started = time.perf_counter()
    try:
        received = await upload.receive(request, settings.upload_tmp_dir, settings.max_upload_bytes, filename)
    except upload.UploadTooLarge as error:
        raise HTTPException(status.HTTP_413_CONTENT_TOO_LARGE, str(error)) from None
    except upload.BadUpload as error:
        raise HTTPException(status.HTTP_400_BAD_REQUEST, str(error)) from None
    try:
        return await answer_ingest(received, response, session, scorer, settings, started)
    finally:
        Path(received.path).unlink(missing_ok=True)


async def answer_ingest(
    received: upload.ReceivedFile,
    response: Response,
    session: Session,
    scorer: Scorer,
    settings: Settings,
    started: float,
) -> Any:
    """Ingest a received file and shape the answer: 201 new batch, 200 stored before, 422 rejected.

    Shared by uploads and demo mode, so both take exactly the same path.
    """
    bands = bands_for(scorer.threshold, settings.band_review_at, settings.band_decline_at)
    try:
        result = await run_in_threadpool(
            ingest, session, received, scorer, time.perf_counter() - started, bands
        )
    except CsvRejected as rejected:
        body = RejectedOut(
            detail=f"the file was rejected with {rejected.total} problem(s); nothing was stored",
            problems=[ProblemOut(line=p.line, column=p.column, message=p.message) for p in rejected.problems],
            total=rejected.total,
        )
        return JSONResponse(body.model_dump(), status_code=status.HTTP_422_UNPROCESSABLE_CONTENT)
    if not result.created:
        response.status_code = status.HTTP_200_OK
    return BatchUploadOut.model_validate(
        {**BatchPublic.model_validate(result.batch).model_dump(), "duplicate": not result.created}
    )


@router.get("", response_model=Page[BatchPublic])
def list_batches(
    session: SessionDep,
    offset: OffsetQuery = 0,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> Any:
    """All batches, newest first."""
    rows, count = crud.list_batches(session, offset, limit)
    return Page[BatchPublic](data=[BatchPublic.model_validate(b) for b in rows], count=count)


@router.get("/{batch_id}", response_model=BatchPublic, responses=NOT_FOUND)
def get_batch(batch_id: BatchId, session: SessionDep) -> Any:
    """One batch with its metrics."""
    batch = crud.get_batch(session, batch_id)
    if batch is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no batch {batch_id}")
    return batch


@router.get("/{batch_id}/predictions", response_model=Page[PredictionRow], responses=NOT_FOUND)
def list_batch_predictions(
    batch_id: BatchId,
    session: SessionDep,
    filter: crud.PredictionFilter = crud.PredictionFilter.all,
    sort: Annotated[str, Query(pattern="^(row|probability)$")] = "row",
    offset: OffsetQuery = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> Any:
    """A batch's scored rows: all, only the flagged ones, or only the mistakes (needs labels)."""
    if crud.get_batch(session, batch_id) is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no batch {batch_id}")
    rows, count = crud.list_predictions(session, batch_id, filter, offset, limit, sort == "probability")
    data = [
        PredictionRow(
            row_number=r[0],
            id=r[1],
            probability=r[2],
            is_fraud=r[3],
            label=r[4],
            band=None if r[5] is None else BAND_NAMES[r[5]],
            reasons=r[6],
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
