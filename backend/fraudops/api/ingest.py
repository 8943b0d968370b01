"""How an ingested file is answered over HTTP: 201 a new batch, 200 stored before, 422 rejected.

Shared by uploads and demo mode, so both take exactly the same path."""

import time
from typing import Any

from fastapi import Response, status
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from sqlalchemy.orm import Session

from fraudops.batches import IngestResult, ingest
from fraudops.data import upload
from fraudops.data.validate import CsvRejected
from fraudops.ml.scorer import Scorer
from fraudops.policy import Policy
from fraudops.schemas import BatchPublic, BatchUploadOut, ProblemOut, RejectedOut


async def answer_ingest(
    received: upload.ReceivedFile,
    response: Response,
    session: Session,
    scorer: Scorer,
    policy: Policy,
    started: float,
    role: str = "training",
) -> Any:
    """Ingest a received file (scoring off the event loop) and shape the answer. The bands are those in
    force now (`policy`); the batch stores them, so a later change never rewrites its decisions."""
    bands = policy.current.bands(scorer.threshold)
    try:
        result = await run_in_threadpool(
            ingest, session, received, scorer, time.perf_counter() - started, bands, role
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
        {**BatchPublic.model_validate(result.batch).model_dump(), **_duplicate_offer(result, scorer, role)}
    )


def _duplicate_offer(result: IngestResult, scorer: Scorer, role: str) -> dict[str, Any]:
    """A stored file is not stored again: say so, and offer scoring it with the model serving now."""
    if result.created:
        return {"duplicate": False}
    batch = result.batch
    detail = f"this file was stored before as batch {batch.id}, scored by {batch.model_version}"
    rescore = None
    if batch.model_version != scorer.version:
        rescore = scorer.version
        detail += f"; the serving model is {scorer.version}: score the stored batch with it instead"
    if batch.role != role:
        detail += f"; its role stays {batch.role} (an admin can change it)"
    return {"duplicate": True, "duplicate_detail": detail, "rescore_version": rescore}
