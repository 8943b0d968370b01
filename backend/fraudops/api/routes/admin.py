"""Admin actions (bearer token): reload the model, start a retraining, delete a batch; and the training
runs' outcomes, which anyone may read."""

from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query, Response, status
from fastapi.concurrency import run_in_threadpool

from fraudops import crud
from fraudops.api.deps import (
    NOT_FOUND,
    BatchId,
    ModelsDep,
    OffsetQuery,
    RetrainingDep,
    RowId,
    SessionDep,
    SettingsDep,
    require_admin,
)
from fraudops.retraining import considered_until, new_labeled_rows
from fraudops.schemas import Page, ReloadOut, RetrainingOut, TrainingRunOut
from fraudops.training import AlreadyRunning, database_ready

router = APIRouter()
_admin = [Depends(require_admin)]
_guarded: dict[int | str, dict[str, Any]] = {
    401: {"description": "missing or wrong bearer token"},
    403: {"description": "no admin token is configured on the server"},
}


@router.post(
    "/model/reload", response_model=ReloadOut, tags=["admin"], dependencies=_admin, responses=_guarded
)
async def reload_model(models: ModelsDep) -> Any:
    """Load the champion folder now and swap it in (requests in flight finish on the old model)."""
    result = await run_in_threadpool(models.reload, True)
    if result.current is None:
        raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, result.detail)
    return ReloadOut(
        changed=result.changed, previous_version=result.previous, version=result.current, detail=result.detail
    )


@router.post(
    "/retrain",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=TrainingRunOut,
    tags=["admin"],
    dependencies=_admin,
    responses={**_guarded, 409: {"description": "a training is already running"}},
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


@router.delete(
    "/batches/{batch_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    tags=["admin"],
    dependencies=_admin,
    responses={**_guarded, 404: {"description": "no such batch"}},
)
def delete_batch(batch_id: BatchId, session: SessionDep) -> Response:
    """Delete a batch with its rows and predictions."""
    if not crud.delete_batch(session, batch_id):
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no batch {batch_id}")
    session.commit()
    return Response(status_code=status.HTTP_204_NO_CONTENT)
