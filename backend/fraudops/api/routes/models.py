"""The models: the champion being served, every version this service has served, and the reload (admin)."""

from typing import Any

from fastapi import APIRouter, Depends, HTTPException, status
from fastapi.concurrency import run_in_threadpool

from fraudops import crud
from fraudops.api.deps import ADMIN_ONLY, ModelsDep, ScorerDep, SessionDep, require_admin
from fraudops.schemas import ModelOut, ModelVersionOut, Page, ReloadOut

router = APIRouter(tags=["models"])


@router.get("/model", response_model=ModelOut)
def model(scorer: ScorerDep) -> Any:
    """The champion being served: version, kind, threshold and its training metrics."""
    return scorer.card.model_dump()


@router.get("/models", response_model=Page[ModelVersionOut])
def models(session: SessionDep, watcher: ModelsDep) -> Any:
    """Every model this service has served, newest first; the one serving now is marked champion."""
    scorer = watcher.scorer
    rows = [
        ModelVersionOut.model_validate(m).model_copy(
            update={"is_champion": scorer is not None and m.version == scorer.version}
        )
        for m in crud.list_model_versions(session)
    ]
    return Page[ModelVersionOut](data=rows, count=len(rows))


@router.post(
    "/model/reload",
    response_model=ReloadOut,
    tags=["admin"],
    dependencies=[Depends(require_admin)],
    responses=ADMIN_ONLY,
)
async def reload_model(models: ModelsDep) -> Any:
    """Load the champion folder now and swap it in (requests in flight finish on the old model)."""
    result = await run_in_threadpool(models.reload, True)
    if result.current is None:
        raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, result.detail)
    return ReloadOut(
        changed=result.changed, previous_version=result.previous, version=result.current, detail=result.detail
    )
