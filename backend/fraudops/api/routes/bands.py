"""The decision bands in force (review and decline bounds), changed by an admin, every change recorded.

A change applies to new decisions only: every stored decision keeps the bounds it was made with (per row
in the prediction log, per batch in `batches.bands`).
"""

from datetime import datetime
from typing import Annotated, Any, Literal

import numpy as np
from fastapi import APIRouter, Depends, HTTPException, Query, status
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator
from sqlalchemy import func, select

from fraudops import policy as policies
from fraudops.api.deps import ADMIN_ONLY, PolicyDep, ScorerDep, SessionDep, require_admin
from fraudops.data.schema import SECONDS_PER_DAY
from fraudops.monitoring.bands import Bands
from fraudops.schemas import NO_CONTROL_CHARACTERS
from fraudops.tables import Batch, predictions, transactions

router = APIRouter(prefix="/bands", tags=["bands"])

Bound = Annotated[float, Field(ge=0, le=1, allow_inf_nan=False)]
Note = Annotated[str, StringConstraints(max_length=500, pattern=NO_CONTROL_CHARACTERS)]
Actor = Annotated[str, StringConstraints(min_length=1, max_length=100, pattern=NO_CONTROL_CHARACTERS)]
MAX_CAPACITY = 10_000_000


class BandsIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    review_at: Bound
    decline_at: Bound
    note: Note | None = None
    actor: Actor = "admin"

    @model_validator(mode="after")
    def _ordered(self) -> "BandsIn":
        if self.review_at > self.decline_at:
            raise ValueError("review_at must not exceed decline_at")
        return self


class BandsChange(BaseModel):
    id: int
    review_at: float | None
    decline_at: float | None
    actor: str | None
    note: str | None
    created_at: datetime


class BandsOut(BaseModel):
    review_at: float
    decline_at: float
    source: Literal["settings", "admin"]  # settings: BAND_* (default: around the champion's threshold)
    threshold: float  # the champion's decision threshold the default bands follow
    model_version: str
    changed: BandsChange | None  # the admin change in force, when the source is admin
    history: list[BandsChange]  # newest first


class BandsSuggestionOut(BaseModel):
    review_at: float
    decline_at: float
    capacity_per_day: int
    batch_id: int
    batch_rows: int
    days: float  # the batch's Time span in days (at least 1)
    target_items: int  # capacity_per_day * days, rounded
    review_items: int  # rows of the batch in [review_at, decline_at) with these bounds
    decline_items: int
    rule: str


def _change(event: policies.Event) -> BandsChange:
    return BandsChange(
        id=event.id,
        review_at=event.value.get("review_at"),
        decline_at=event.value.get("decline_at"),
        actor=event.actor,
        note=event.note,
        created_at=event.created_at,
    )


def _bands_out(session: Any, policy: policies.Policy, threshold: float, version: str) -> BandsOut:
    snapshot = policy.current
    bands = snapshot.bands(threshold)
    history = policies.history(session, "bands")
    return BandsOut(
        **bands.as_dict(),
        source=snapshot.bands_source,
        threshold=threshold,
        model_version=version,
        changed=_change(snapshot.bands_event) if snapshot.bands_override and snapshot.bands_event else None,
        history=[_change(e) for e in history],
    )


@router.get("", response_model=BandsOut)
def get_bands(session: SessionDep, policy: PolicyDep, scorer: ScorerDep) -> Any:
    """The bounds in force for new decisions, where they come from, and every change, newest first."""
    return _bands_out(session, policy, scorer.threshold, scorer.version)


@router.put(
    "",
    response_model=BandsOut,
    dependencies=[Depends(require_admin)],
    responses={**ADMIN_ONLY, 422: {"description": "bounds outside [0, 1] or review_at > decline_at"}},
)
def put_bands(body: BandsIn, session: SessionDep, policy: PolicyDep, scorer: ScorerDep) -> Any:
    """Set the review and decline bounds (admin). Recorded with its author and note; applies to new
    decisions only, here at once and in the other processes within a few seconds."""
    value = {"review_at": body.review_at, "decline_at": body.decline_at}
    event = policies.record(session, "bands", value, body.actor, body.note)
    session.commit()
    policy.install(event)
    return _bands_out(session, policy, scorer.threshold, scorer.version)


SUGGESTION_RULE = (
    "On the latest visible batch: target = capacity per day x the batch's days (its Time span, at least one "
    "day). Keeping decline_at as in force, review_at is the target-th highest score below decline_at, so "
    "about `target` rows fall in [review_at, decline_at) (ties can add a few). With fewer rows below "
    "decline_at than the target, review_at is 0."
)


@router.get(
    "/suggestion",
    response_model=BandsSuggestionOut,
    responses={404: {"description": "no batch to suggest from"}},
)
def suggest_bands(
    session: SessionDep,
    policy: PolicyDep,
    scorer: ScorerDep,
    capacity: Annotated[int, Query(ge=1, le=MAX_CAPACITY, description="review items a day")],
) -> Any:
    """The review bound that would fill a daily review capacity on the latest batch (see `rule`)."""
    batch = session.scalars(
        select(Batch).where(Batch.hidden.is_(False)).order_by(Batch.id.desc()).limit(1)
    ).first()
    if batch is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "no batch yet: upload one to get a suggestion")
    decline_at = policy.current.bands(scorer.threshold).decline_at
    scores = np.array(
        session.scalars(select(predictions.c.probability).where(predictions.c.batch_id == batch.id)).all(),
        dtype=np.float64,
    )
    t = transactions.c
    low, high = session.execute(
        select(func.min(t.time), func.max(t.time)).where(t.batch_id == batch.id)
    ).one()
    days = max(1.0, ((high or 0.0) - (low or 0.0)) / SECONDS_PER_DAY)
    target = max(1, round(capacity * days))
    review_at = suggest_review_at(scores, decline_at, target)
    bands = Bands(review_at, decline_at)
    codes = bands.assign(scores)
    return BandsSuggestionOut(
        review_at=review_at,
        decline_at=decline_at,
        capacity_per_day=capacity,
        batch_id=batch.id,
        batch_rows=len(scores),
        days=round(days, 3),
        target_items=target,
        review_items=int(np.count_nonzero(codes == 1)),
        decline_items=int(np.count_nonzero(codes == 2)),
        rule=SUGGESTION_RULE,
    )


def suggest_review_at(scores: np.ndarray, decline_at: float, target: int) -> float:
    """The target-th highest score below `decline_at` (0 when there are fewer such rows)."""
    below = np.sort(scores[scores < decline_at])[::-1]
    if len(below) < target:
        return 0.0
    return float(below[target - 1])
