"""Drift of live traffic: a time window of the prediction log against the champion's training data."""

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from fraudops import crud
from fraudops.api.deps import PredictionLogDep, ScorerDep, SessionDep
from fraudops.ml.scorer import Scorer
from fraudops.monitoring import drift
from fraudops.schemas import DriftReport

router = APIRouter(prefix="/drift", tags=["monitoring"])


class LogDriftOut(BaseModel):
    model_version: str
    since: datetime | None
    until: datetime | None
    report: DriftReport | None
    reason: str | None = Field(description="why there is no report")


@router.get("/log", response_model=LogDriftOut)
async def prediction_log_drift(
    prediction_log: PredictionLogDep,
    session: SessionDep,
    scorer: ScorerDep,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: Annotated[int, Query(ge=100, le=500_000, description="the latest rows of the window")] = 50_000,
) -> Any:
    """Per-feature and score drift of real-time predictions in [since, until) against the champion."""
    await prediction_log.flush()  # include what is still buffered
    return await run_in_threadpool(_window_drift, session, scorer, since, until, limit)


def _window_drift(
    session: Session, scorer: Scorer, since: datetime | None, until: datetime | None, limit: int
) -> LogDriftOut:
    def answer(report: DriftReport | None, reason: str | None) -> LogDriftOut:
        return LogDriftOut(
            model_version=scorer.version, since=since, until=until, report=report, reason=reason
        )

    if scorer.profile is None:
        return answer(None, "the served model has no reference profile")
    raw, scores = crud.prediction_log_window(session, since, until, limit)
    if len(raw) < 100:
        return answer(None, f"{len(raw)} logged predictions in the window; need 100")
    return answer(DriftReport.model_validate(drift.report(scorer.profile, raw, scores)), None)
