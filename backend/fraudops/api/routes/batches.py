"""Batch uploads: stream → validate → store → score → metrics; then read them back."""

import time
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query, Request, Response, status

from fraudops import crud
from fraudops.api.deps import (
    ADMIN_ONLY,
    NOT_FOUND,
    BatchId,
    OffsetQuery,
    PolicyDep,
    ScorerDep,
    SessionDep,
    SettingsDep,
    require_admin,
)
from fraudops.api.ingest import answer_ingest
from fraudops.crud import batch_roles
from fraudops.data import upload
from fraudops.schemas import (
    BatchPublic,
    BatchUploadOut,
    Page,
    RejectedOut,
)
from fraudops.schemas_scoring import BatchUpdate, Role

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
    policy: PolicyDep,
    filename: Annotated[str | None, Query(max_length=255)] = None,
    role: Annotated[
        Role, Query(description="training (default): its labeled rows train; evaluation: a holdout, never")
    ] = "training",
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
        return await answer_ingest(received, response, session, scorer, policy, started, role)
    finally:
        Path(received.path).unlink(missing_ok=True)


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


@router.patch(
    "/{batch_id}",
    response_model=BatchPublic,
    tags=["admin"],
    dependencies=[Depends(require_admin)],
    responses={**ADMIN_ONLY, 404: {"description": "no such batch"}},
)
def update_batch(batch_id: BatchId, body: BatchUpdate, session: SessionDep) -> Any:
    """Change a batch's role (training or evaluation), tags or visibility; the next training reads the
    training-role batches only."""
    batch = crud.get_batch(session, batch_id)
    if batch is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no batch {batch_id}")
    batch_roles.update_batch(session, batch, body.role, body.tags, body.hidden)
    session.commit()
    return batch


@router.delete(
    "/{batch_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    tags=["admin"],
    dependencies=[Depends(require_admin)],
    responses={**ADMIN_ONLY, 404: {"description": "no such batch"}},
)
def delete_batch(batch_id: BatchId, session: SessionDep) -> Response:
    """Delete a batch with its rows and predictions."""
    if not crud.delete_batch(session, batch_id):
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no batch {batch_id}")
    session.commit()
    return Response(status_code=status.HTTP_204_NO_CONTENT)
