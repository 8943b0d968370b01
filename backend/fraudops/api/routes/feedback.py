"""Late labels: the true class of earlier real-time predictions, which makes them training data."""

from typing import Annotated, Any

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from fraudops import crud
from fraudops.api.deps import SessionDep

router = APIRouter(tags=["feedback"])


class FeedbackItem(BaseModel):
    request_id: Annotated[str, Field(max_length=64)]
    label: Annotated[int, Field(ge=0, le=1, description="the true class: 1 fraud, 0 legitimate")]


class FeedbackIn(BaseModel):
    labels: Annotated[list[FeedbackItem], Field(min_length=1, max_length=10_000)]


class FeedbackOut(BaseModel):
    updated: int
    unknown: list[str] = Field(description="request ids not found in the prediction log")


@router.post("/feedback", response_model=FeedbackOut)
async def send_feedback(body: FeedbackIn, request: Request, session: SessionDep) -> Any:
    """Record the true class of logged predictions (by request id); they join the training data."""
    await request.app.state.prediction_log.flush()  # the ids may still be in the buffer
    labels = {item.request_id: item.label for item in body.labels}
    unknown = await run_in_threadpool(_apply, session, labels)
    return FeedbackOut(updated=len(labels) - len(unknown), unknown=unknown)


def _apply(session: Session, labels: dict[str, int]) -> list[str]:
    unknown = crud.apply_feedback(session, labels)
    session.commit()
    return unknown
