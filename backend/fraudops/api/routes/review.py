"""The review queue: decisions in the review and decline bands, labeled by an analyst.

Items come from uploaded batches (keyed by batch id and row number) and from live traffic (keyed by the
prediction's request id). A label takes the same path as feedback: an event is kept (time, source "review",
actor, note) and the row's label becomes the latest one, which is what training reads."""

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Header, HTTPException, Path, Query, status
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, Field, StringConstraints, model_validator
from sqlalchemy.orm import Session

from fraudops import crud
from fraudops.api.deps import (
    NOT_FOUND,
    BatchId,
    ModelsDep,
    OffsetQuery,
    PolicyDep,
    PredictionLogDep,
    ScorerDep,
    SessionDep,
    SettingsDep,
)
from fraudops.crud.review import QueueItem, Transaction, Workload
from fraudops.data.schema import FEATURE_COLUMNS, MAX_ABS_VALUE
from fraudops.decisions import decide
from fraudops.ml.scorer import Scorer
from fraudops.monitoring import explain
from fraudops.monitoring.bands import BAND_NAMES, Band, Bands
from fraudops.schemas import MAX_DB_INT, NO_CONTROL_CHARACTERS, Page, ReasonsOut, RequestId

router = APIRouter(prefix="/review", tags=["review"])

DEFAULT_ACTOR = "analyst"
# A note may span lines; any other control character is refused.
NOTE_CHARACTERS = r"^[^\x00-\x08\x0b-\x1f\x7f-\x9f]*$"
Note = Annotated[str, StringConstraints(max_length=500, pattern=NOTE_CHARACTERS)]
Actor = Annotated[str, StringConstraints(min_length=1, max_length=100, pattern=NO_CONTROL_CHARACTERS)]
Amount = Annotated[float, Query(ge=-MAX_ABS_VALUE, le=MAX_ABS_VALUE, allow_inf_nan=False)]
MAX_ROW = 2**63 - 1  # row numbers are BIGINT
RowNumber = Annotated[int, Field(ge=0, le=MAX_ROW)]
SECONDS_PER_DAY = 86_400


def time_of_day(seconds: float) -> str:
    """`Time` counts seconds from the file's first transaction, which the data set starts at midnight:
    its time of day is HH:MM of the seconds modulo a day."""
    minutes = int(seconds % SECONDS_PER_DAY) // 60
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


class ReviewItemOut(BaseModel):
    key: str = Field(description="batch:<batch_id>:<row_number> or live:<request_id>")
    source: Literal["batch", "live"]
    batch_id: int | None
    row_number: int | None
    request_id: str | None
    id: str | None = Field(description="the transaction's own id (external id), when it had one")
    amount: float
    time: float = Field(description="seconds from the file's (or stream's) first transaction")
    time_of_day: str = Field(description="HH:MM: Time modulo a day")
    probability: float
    band: Literal["review", "decline"]
    review_at: float | None = Field(description="the review bound in force for this decision")
    decline_at: float | None = Field(description="the decline bound in force for this decision")
    model_version: str
    decided_at: datetime
    label: int | None
    reasons: ReasonsOut | None = Field(description="stored at decision time, when any")


class ReviewQueueOut(Page[ReviewItemOut]):
    model_versions: list[str] = Field(description="every model version that decided a queue item")


class LabelIn(BaseModel):
    batch_id: Annotated[int, Field(ge=0, le=MAX_DB_INT)] | None = None
    row_number: RowNumber | None = None
    request_id: RequestId | None = None
    label: Annotated[int, Field(ge=0, le=1, description="the true class: 1 fraud, 0 legitimate")]
    note: Note | None = None

    @model_validator(mode="after")
    def _one_key(self) -> "LabelIn":
        by_row = self.batch_id is not None and self.row_number is not None
        partial = (self.batch_id is None) != (self.row_number is None)
        if partial or by_row == (self.request_id is not None):
            raise ValueError("give either batch_id and row_number, or request_id")
        return self


class LabelOut(BaseModel):
    key: str
    label: int
    previous_label: int | None
    changed: bool = Field(description="a different earlier label was replaced")
    actor: str


class LabelEventOut(BaseModel):
    created_at: datetime
    label: int
    previous_label: int | None
    source: str
    actor: str | None
    note: str | None


class ItemReasonsOut(BaseModel):
    key: str
    features: dict[str, float]
    decided_probability: float = Field(description="the score stored with the decision")
    decided_band: Literal["approve", "review", "decline"] | None
    decided_model_version: str
    label: int | None
    stored: ReasonsOut | None = Field(description="the reasons stored at decision time, when any")
    model_version: str = Field(description="the served model, which computed `reasons` now")
    probability: float = Field(description="the served model's score now")
    reasons: ReasonsOut
    history: list[LabelEventOut]


class WorkloadOut(BaseModel):
    key: str
    label: str
    items: int = Field(description="decisions in review or decline, as decided")
    items_at_current_bands: int = Field(
        description="rows the bands in force now would send to review or decline"
    )
    top_k: int = Field(description="min(capacity, items): what a reviewer gets through, highest scores first")
    reviewed_in_top_k: int
    frauds_in_top_k: int
    precision_at_k: float | None = Field(
        description="frauds / reviewed among the top k (card precision at k over what has been reviewed)"
    )
    over_capacity: bool


class CapacityOut(BaseModel):
    capacity_per_day: int
    bands: dict[str, float] = Field(description="review_at and decline_at in force now")
    model_version: str | None
    days: list[WorkloadOut] = Field(description="live traffic, per calendar day, newest first")
    batches: list[WorkloadOut] = Field(description="uploaded batches, one each, newest first")


@router.get("", response_model=ReviewQueueOut)
async def review_queue(
    session: SessionDep,
    prediction_log: PredictionLogDep,
    band: Literal["review", "decline"] | None = None,
    source: crud.ReviewSource | None = None,
    model_version: Annotated[str, Query(max_length=100, pattern=NO_CONTROL_CHARACTERS)] | None = None,
    amount_min: Amount | None = None,
    amount_max: Amount | None = None,
    labeled: bool | None = None,
    q: Annotated[str, Query(min_length=1, max_length=200, pattern=NO_CONTROL_CHARACTERS)] | None = None,
    batch_id: Annotated[int, Query(ge=0, le=MAX_DB_INT)] | None = None,
    order: crud.ReviewOrder = crud.ReviewOrder.newest,
    offset: OffsetQuery = 0,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> Any:
    """Every decision in the review or decline band, from batches and live traffic, filtered and paged."""
    if amount_min is not None and amount_max is not None and amount_min > amount_max:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, "amount_min is above amount_max")
    f = crud.QueueFilter(
        band=None if band is None else Band[band],
        source=source,
        model_version=model_version,
        amount_min=amount_min,
        amount_max=amount_max,
        labeled=labeled,
        search=q,
        batch_id=batch_id,
    )
    await prediction_log.flush()  # the latest live decisions may still be in the buffer
    return await run_in_threadpool(_queue, session, f, order, offset, limit)


def _queue(session: Session, f: crud.QueueFilter, order: crud.ReviewOrder, offset: int, limit: int) -> Any:
    items, total = crud.list_queue(session, f, order, offset, limit)
    return ReviewQueueOut(
        data=[_item(i) for i in items], count=total, model_versions=crud.queue_model_versions(session)
    )


def stored_reasons(value: Any) -> ReasonsOut | None:
    """Stored reasons as the page reads them: batches store {"method", "top"}, the prediction log the
    top list alone (its method is the one method there is)."""
    if value is None:
        return None
    if isinstance(value, list):
        value = {"method": explain.METHOD, "top": value}
    return ReasonsOut.model_validate(value)


def _item(i: QueueItem) -> ReviewItemOut:
    key = f"batch:{i.batch_id}:{i.row_number}" if i.source == "batch" else f"live:{i.request_id}"
    return ReviewItemOut(
        key=key,
        source="batch" if i.source == "batch" else "live",
        batch_id=i.batch_id,
        row_number=i.row_number,
        request_id=i.request_id,
        id=i.external_id,
        amount=i.amount,
        time=i.time,
        time_of_day=time_of_day(i.time),
        probability=i.probability,
        band="decline" if i.band == Band.decline else "review",
        review_at=i.review_at,
        decline_at=i.decline_at,
        model_version=i.model_version,
        decided_at=i.decided_at,
        label=i.label,
        reasons=stored_reasons(i.reasons),
    )


@router.get("/batch/{batch_id}/{row_number}/reasons", response_model=ItemReasonsOut, responses=NOT_FOUND)
async def batch_row_reasons(
    batch_id: BatchId,
    row_number: Annotated[int, Path(ge=0, le=MAX_ROW, description="0-based row of the file")],
    session: SessionDep,
    scorer: ScorerDep,
) -> Any:
    """Reasons for any row of a batch (whatever its band, a missed fraud too), computed now by the served
    model with the same occlusion method as at decision time; with the stored ones and the label history."""
    found = await run_in_threadpool(crud.batch_transaction, session, batch_id, row_number)
    if found is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no row {row_number} in batch {batch_id}")
    history = crud.row_label_history(session, batch_id=batch_id, row_number=row_number)
    return await run_in_threadpool(_explained, f"batch:{batch_id}:{row_number}", found, scorer, history)


@router.get("/live/{request_id}/reasons", response_model=ItemReasonsOut, responses=NOT_FOUND)
async def live_reasons(
    request_id: RequestId, session: SessionDep, scorer: ScorerDep, prediction_log: PredictionLogDep
) -> Any:
    """Reasons for any logged prediction, computed now by the served model (see the batch row's)."""
    await prediction_log.flush()  # it may still be in the buffer
    found = await run_in_threadpool(crud.live_transaction, session, request_id)
    if found is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "no logged prediction with this request id")
    history = crud.row_label_history(session, request_id=request_id)
    return await run_in_threadpool(_explained, f"live:{request_id}", found, scorer, history)


def _explained(key: str, found: Transaction, scorer: Scorer, history: list[dict[str, Any]]) -> ItemReasonsOut:
    if scorer.profile is None:
        raise HTTPException(
            status.HTTP_409_CONFLICT, "the served model has no reference profile to explain with"
        )
    # The bands only shape the decision, not the reasons; any valid pair does.
    decided = decide(scorer, found.raw[None, :], Bands(0.5, 0.5), explain_rows="all")
    return ItemReasonsOut(
        key=key,
        features={name: float(v) for name, v in zip(FEATURE_COLUMNS, found.raw, strict=True)},
        decided_probability=found.probability,
        decided_band=None if found.band is None else BAND_NAMES[found.band],
        decided_model_version=found.model_version,
        label=found.label,
        stored=stored_reasons(found.reasons),
        model_version=decided.model_version,
        probability=float(decided.probability[0]),
        reasons=ReasonsOut.model_validate({"method": explain.METHOD, "top": decided.reasons[0]}),
        history=[LabelEventOut.model_validate(h) for h in history],
    )


@router.post(
    "/label",
    response_model=LabelOut,
    responses={404: {"description": "no such batch row or logged prediction"}},
)
async def label_item(
    body: LabelIn,
    session: SessionDep,
    prediction_log: PredictionLogDep,
    x_actor: Annotated[Actor | None, Header(description="who labels; default 'analyst'")] = None,
) -> Any:
    """Label one queue item (or any batch row or logged prediction) fraud or legitimate, with a note. The
    event is kept; the latest label is the row's label, and the row becomes training data."""
    actor = x_actor or DEFAULT_ACTOR
    if body.request_id is not None:
        await prediction_log.flush()
    outcome = await run_in_threadpool(_label, session, body, actor)
    if outcome is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "no such batch row or logged prediction")
    return outcome


def _label(session: Session, body: LabelIn, actor: str) -> LabelOut | None:
    if body.request_id is not None:
        outcome = crud.apply_labels(session, {body.request_id: body.label}, "review", actor, body.note)
        if outcome.unknown:
            return None
        session.commit()
        history = crud.label_history(session, body.request_id)
        previous = history[-1]["previous_label"] if history else None
        return LabelOut(
            key=f"live:{body.request_id}",
            label=body.label,
            previous_label=previous,
            changed=bool(outcome.changed),
            actor=actor,
        )
    assert body.batch_id is not None and body.row_number is not None  # the validator saw to it
    row = crud.label_batch_row(
        session, body.batch_id, body.row_number, body.label, "review", actor, body.note
    )
    if row is None:
        return None
    session.commit()
    return LabelOut(
        key=f"batch:{body.batch_id}:{body.row_number}",
        label=body.label,
        previous_label=row.previous_label,
        changed=row.changed,
        actor=actor,
    )


@router.get("/capacity", response_model=CapacityOut)
async def review_capacity(
    session: SessionDep,
    prediction_log: PredictionLogDep,
    settings: SettingsDep,
    models: ModelsDep,
    policy: PolicyDep,
    capacity: Annotated[int, Query(ge=1, le=1_000_000, description="default: REVIEW_CAPACITY_PER_DAY")]
    | None = None,
    days: Annotated[int, Query(ge=1, le=366)] = 14,
    batches: Annotated[int, Query(ge=1, le=200)] = 20,
) -> Any:
    """Items a day (live) and per batch that the bands produce, against the review capacity, and the
    precision of the reviewed items among the top k (k = capacity) of each day or batch."""
    k = capacity or settings.review_capacity_per_day
    scorer = models.scorer
    # the policy in force (an admin's change, else the settings around the champion's threshold)
    bands = policy.current.bands(0.5 if scorer is None else scorer.threshold)
    await prediction_log.flush()
    return await run_in_threadpool(_capacity, session, bands, k, scorer, days, batches)


def _capacity(
    session: Session, bands: Bands, k: int, scorer: Scorer | None, days: int, batches: int
) -> CapacityOut:
    return CapacityOut(
        capacity_per_day=k,
        bands=bands.as_dict(),
        model_version=None if scorer is None else scorer.version,
        days=[_workload_out(w, k) for w in crud.live_workload(session, k, bands.review_at, days)],
        batches=[_workload_out(w, k) for w in crud.batch_workload(session, k, bands.review_at, batches)],
    )


def _workload_out(w: Workload, k: int) -> WorkloadOut:
    precision = None if w.reviewed_in_top_k == 0 else w.frauds_in_top_k / w.reviewed_in_top_k
    return WorkloadOut(
        key=w.key,
        label=w.label,
        items=w.items,
        items_at_current_bands=w.items_at_current_bands,
        top_k=w.top_k,
        reviewed_in_top_k=w.reviewed_in_top_k,
        frauds_in_top_k=w.frauds_in_top_k,
        precision_at_k=precision,
        over_capacity=w.items_at_current_bands > k,
    )
