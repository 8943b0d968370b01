"""Stream runs: what each replay by `fraudops stream` measured."""

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, status
from pydantic import BaseModel, ConfigDict, Field

from fraudops import crud
from fraudops.api.deps import SessionDep
from fraudops.schemas import Confusion, Page

router = APIRouter(prefix="/streams", tags=["streams"])


class Latency(BaseModel):
    p50: float
    p90: float
    p95: float
    p99: float
    mean: float
    max: float


class Histogram(BaseModel):
    edges_ms: list[float] = Field(description="bin edges; counts[i] falls in [edges_ms[i], edges_ms[i+1])")
    counts: list[int]


class StreamMetrics(BaseModel):
    precision: float
    recall: float
    f1: float
    confusion: Confusion


class StreamSummary(BaseModel):
    sent: int
    answered: int
    errors: int
    seconds: float
    throughput_rps: float
    latency_ms: Latency | None
    histogram: Histogram | None
    metrics: StreamMetrics | None = Field(description="when the replayed file has labels (api mode)")
    settings: dict[str, Any] = Field(description="rate, speed, concurrency, limit as given")


class StreamRunIn(BaseModel):
    source_file: Annotated[str, Field(max_length=255)]
    target: Literal["api", "broker"]
    summary: StreamSummary


class StreamRunOut(StreamRunIn):
    model_config = ConfigDict(from_attributes=True)

    id: int
    created_at: datetime


@router.post("", status_code=status.HTTP_201_CREATED, response_model=StreamRunOut)
def record_stream_run(body: StreamRunIn, session: SessionDep) -> Any:
    """Record the figures of one stream replay (sent by the producer when it finishes)."""
    return crud.create_stream_run(session, body.source_file, body.target, body.summary.model_dump())


@router.get("", response_model=Page[StreamRunOut])
def list_stream_runs(
    session: SessionDep,
    offset: Annotated[int, Query(ge=0)] = 0,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> Any:
    """All stream runs, newest first."""
    rows, count = crud.list_stream_runs(session, offset, limit)
    return Page[StreamRunOut](data=[StreamRunOut.model_validate(r) for r in rows], count=count)
