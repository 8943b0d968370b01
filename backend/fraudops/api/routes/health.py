"""Liveness and the served model."""

from typing import Any

from fastapi import APIRouter, Response, status
from sqlalchemy import text

from fraudops import crud
from fraudops.api.deps import ModelsDep, PredictionLogDep, SessionDep
from fraudops.schemas import HealthOut

router = APIRouter(tags=["health"])


@router.get("/health", response_model=HealthOut, responses={503: {"model": HealthOut}})
def health(
    response: Response, session: SessionDep, models: ModelsDep, prediction_log: PredictionLogDep
) -> Any:
    """Database and model status; 503 when either is missing."""
    try:
        session.execute(text("SELECT 1"))
        database = "ok"
    except Exception as error:  # report, never crash the health check
        session.rollback()
        database = f"unavailable: {type(error).__name__}"
    parked = crud.count_dead_letters(session) if database == "ok" else 0
    scorer = models.scorer
    model = "ok" if scorer is not None else "not loaded"
    serving = database == "ok" and scorer is not None
    if not serving:
        response.status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    problems = [
        *([f"database {database}"] if database != "ok" else []),
        *([f"model {model}"] if scorer is None else []),
        *([f"prediction log writes failing: {prediction_log.failing}"] if prediction_log.failing else []),
        *([f"{parked} row(s) parked in dead_letters (see /api/dead-letters)"] if parked else []),
    ]
    # Degraded but serving (writes failing, rows parked) answers 200: a restart would not fix either.
    return HealthOut(
        prediction_log={
            "written": prediction_log.written,
            "pending": prediction_log.pending,
            "dropped": prediction_log.dropped,
            "parked": parked,
        },
        status="degraded" if problems else "ok",
        problems=problems,
        database=database,
        model=model,
        model_version=scorer.version if scorer is not None else None,
    )
