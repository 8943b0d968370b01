"""Training: start one (admin), whether automatic retraining is on and what waits, and the runs' outcomes."""

from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query, status

from fraudops import crud
from fraudops.api.deps import (
    ADMIN_ONLY,
    NOT_FOUND,
    ModelsDep,
    OffsetQuery,
    RetrainingDep,
    RowId,
    SessionDep,
    SettingsDep,
    require_admin,
)
from fraudops.schemas import Page, RetrainingOut, TrainingRunOut
from fraudops.training.retraining import considered_until, new_labeled_rows
from fraudops.training.run import AlreadyRunning, database_ready

router = APIRouter()


@router.post(
    "/retrain",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=TrainingRunOut,
    tags=["admin"],
    dependencies=[Depends(require_admin)],
    responses={**ADMIN_ONLY, 409: {"description": "a training is already running"}},
)
def retrain(
    retraining: RetrainingDep,
    session: SessionDep,
    quick: Annotated[bool | None, Query(description="reduced candidate set (default: RETRAIN_QUICK)")] = None,
    force: Annotated[bool, Query(description="promote even if not better than the champion")] = False,
) -> Any:
    """Start a training on every labeled transaction, in a separate process, with the promotion gate."""
    if not database_ready(session):
        raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, "the database is not migrated")
    try:
        run = retraining.start("api", quick=quick, force=force)
    except AlreadyRunning as error:
        raise HTTPException(status.HTTP_409_CONFLICT, str(error)) from None
    return run


@router.get("/training-runs", response_model=Page[TrainingRunOut], tags=["training"])
def list_training_runs(
    session: SessionDep,
    offset: OffsetQuery = 0,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> Any:
    """Trainings, newest first, with their outcome: best candidate, registry version, gate verdict."""
    rows, count = crud.list_training_runs(session, offset, limit)
    return Page[TrainingRunOut](data=[TrainingRunOut.model_validate(r) for r in rows], count=count)


@router.get("/training-runs/{run_id}", response_model=TrainingRunOut, tags=["training"], responses=NOT_FOUND)
def get_training_run(run_id: RowId, session: SessionDep) -> Any:
    """One training with its comparison table."""
    run = crud.get_training_run(session, run_id)
    if run is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no training run {run_id}")
    return run


@router.get("/retraining", response_model=RetrainingOut, tags=["training"])
def retraining_status(models: ModelsDep, session: SessionDep, settings: SettingsDep) -> Any:
    """Whether automatic retraining is on, how many new labeled rows wait, the running and last runs."""
    scorer = models.scorer
    card = scorer.card if scorer is not None else None
    running = crud.running_training_run(session)
    last, _ = crud.list_training_runs(session, 0, 1)
    return RetrainingOut(
        enabled=settings.retrain_enabled,
        min_new_rows=settings.retrain_min_new_rows,
        new_labeled_rows=new_labeled_rows(session, card),
        considered_until=considered_until(session, card),
        running=TrainingRunOut.model_validate(running) if running else None,
        last=TrainingRunOut.model_validate(last[0]) if last else None,
    )
