"""Stream runs: what each replay by `fraudops stream` measured."""

import json
from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, status
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

from fraudops import crud
from fraudops.api.deps import OffsetQuery, SessionDep
from fraudops.schemas import NO_CONTROL_CHARACTERS, Confusion, Page

router = APIRouter(prefix="/streams", tags=["streams"])


class _Figures(BaseModel):
    """Numbers stored as JSON: NaN and infinity are refused (PostgreSQL's JSON type refuses them too)."""

    model_config = ConfigDict(allow_inf_nan=False)


class Latency(_Figures):
    p50: float
    p90: float
    p95: float
    p99: float
    mean: float
    max: float


class Histogram(_Figures):
    edges_ms: list[float] = Field(
        max_length=1_001, description="bin edges; counts[i] falls in [edges_ms[i], edges_ms[i+1])"
    )
    counts: list[Annotated[int, Field(ge=0, le=2**53)]] = Field(max_length=1_000)


MAX_SETTINGS_BYTES = 4096


class StreamMetrics(_Figures):
    precision: float
    recall: float
    f1: float
    confusion: Confusion


class StreamSummary(_Figures):
    sent: int
    answered: int
    errors: int
    seconds: float
    throughput_rps: float
    latency_ms: Latency | None
    histogram: Histogram | None
    metrics: StreamMetrics | None = Field(description="when the replayed file has labels (api mode)")
    settings: dict[str, Any] = Field(description="rate, speed, concurrency, limit as given (at most 4 kB)")

    @field_validator("settings")
    @classmethod
    def _small(cls, value: dict[str, Any]) -> dict[str, Any]:
        """Stored as given: a bounded size keeps a client from parking megabytes in the table."""
        if len(json.dumps(value, allow_nan=False, default=str)) > MAX_SETTINGS_BYTES:
            raise ValueError(f"settings larger than {MAX_SETTINGS_BYTES} bytes as JSON")
        return value


class StreamRunIn(BaseModel):
    source_file: Annotated[str, StringConstraints(max_length=255, pattern=NO_CONTROL_CHARACTERS)]
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
    offset: OffsetQuery = 0,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> Any:
    """All stream runs, newest first."""
    rows, count = crud.list_stream_runs(session, offset, limit)
    return Page[StreamRunOut](data=[StreamRunOut.model_validate(r) for r in rows], count=count)
