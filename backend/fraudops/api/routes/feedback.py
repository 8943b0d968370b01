"""Late labels: the true class of earlier real-time predictions, which makes them training data.

Every label is kept as an event (time, source, note); a prediction's label is its latest event, and
that is what training reads. A label that replaces a different earlier one is reported as `changed`."""

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, status
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, Field, StringConstraints
from sqlalchemy.orm import Session

from fraudops import crud
from fraudops.api.deps import PredictionLogDep, SessionDep
from fraudops.schemas import NO_CONTROL_CHARACTERS, RequestId

router = APIRouter(prefix="/feedback", tags=["feedback"])

Note = Annotated[str, StringConstraints(max_length=1000)]


class FeedbackItem(BaseModel):
    request_id: RequestId
    label: Annotated[int, Field(ge=0, le=1, description="the true class: 1 fraud, 0 legitimate")]


class FeedbackIn(BaseModel):
    labels: Annotated[list[FeedbackItem], Field(min_length=1, max_length=10_000)]
    note: Note | None = Field(default=None, description="kept with every label event of this request")
    actor: Annotated[str, StringConstraints(max_length=100, pattern=NO_CONTROL_CHARACTERS)] | None = None


class FeedbackOut(BaseModel):
    updated: int
    unknown: list[str] = Field(description="request ids not found in the prediction log")
    changed: list[str] = Field(
        default=[], description="request ids whose earlier, different label this replaced"
    )


class LabelEventOut(BaseModel):
    created_at: datetime
    label: int
    previous_label: int | None
    source: str
    actor: str | None
    note: str | None


@router.post("", response_model=FeedbackOut)
async def send_feedback(body: FeedbackIn, prediction_log: PredictionLogDep, session: SessionDep) -> Any:
    """Record the true class of logged predictions (by request id); they join the training data."""
    await prediction_log.flush()  # the ids may still be in the buffer
    labels = {item.request_id: item.label for item in body.labels}
    outcome = await run_in_threadpool(_apply, session, labels, body.actor, body.note)
    return FeedbackOut(
        updated=len(labels) - len(outcome.unknown), unknown=outcome.unknown, changed=outcome.changed
    )


@router.get(
    "/{request_id}",
    response_model=list[LabelEventOut],
    responses={404: {"description": "no label was ever given to this prediction"}},
)
def label_history(request_id: RequestId, session: SessionDep) -> Any:
    """Every label given to one logged prediction, oldest first."""
    events = crud.label_history(session, request_id)
    if not events:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "no label was ever given to this prediction")
    return events


def _apply(
    session: Session, labels: dict[str, int], actor: str | None, note: str | None
) -> crud.LabelOutcome:
    outcome = crud.apply_labels(session, labels, source="feedback", actor=actor, note=note)
    session.commit()
    return outcome
