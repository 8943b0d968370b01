"""A stored batch scored again by any model version, and model versions compared on the same rows."""

from typing import Annotated, Any, Literal

from fastapi import APIRouter, BackgroundTasks, Depends, HTTPException, Path, Query, status
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import Field

from fraudops import crud
from fraudops.api.deps import (
    ADMIN_ONLY,
    NOT_FOUND,
    BatchId,
    ModelsDep,
    SessionDep,
    SessionFactoryDep,
    SettingsDep,
    require_admin,
)
from fraudops.comparison import CompareError, compare_versions, learning_loop
from fraudops.crud import scorings as crud_scorings
from fraudops.ml import version_store
from fraudops.rescoring import resolve_scorer, run_scoring
from fraudops.schemas import MAX_DB_INT, Page
from fraudops.schemas_scoring import (
    BatchScoringOut,
    LearningLoopOut,
    ScoringRequest,
    VersionName,
    VersionsComparisonOut,
)
from fraudops.tables import ModelVersion

router = APIRouter(tags=["scorings"])

ScoringId = Annotated[int, Path(ge=0, le=MAX_DB_INT, description="a scoring id")]
QueryId = Annotated[int, Field(ge=0, le=MAX_DB_INT)]
MAX_VERSIONS = 4  # versions compared at once (each adds a curve and a bootstrap)
MAX_BATCHES = 50


@router.post(
    "/batches/{batch_id}/scorings",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=BatchScoringOut,
    tags=["admin"],
    dependencies=[Depends(require_admin)],
    responses={
        **ADMIN_ONLY,
        200: {"model": BatchScoringOut, "description": "this batch was scored by that version already"},
        404: {"description": "no such batch, or no such model version"},
        409: {
            "description": "a scoring of this batch by that version is running, or its model is not stored"
        },
    },
)
def score_batch(
    batch_id: BatchId,
    body: ScoringRequest,
    background: BackgroundTasks,
    session: SessionDep,
    factory: SessionFactoryDep,
    settings: SettingsDep,
    models: ModelsDep,
) -> Any:
    """Score a stored batch with a model version off the request path; poll GET /api/scorings/{id}."""
    batch = crud.get_batch(session, batch_id)
    if batch is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no batch {batch_id}")
    version = body.model_version
    if session.get(ModelVersion, version) is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no model version {version!r} (see GET /api/models)")
    existing = crud_scorings.find_scoring(session, batch_id, version)
    if existing is not None and existing.status == "done":
        return JSONResponse(BatchScoringOut.model_validate(existing).model_dump(mode="json"), 200)
    if (
        existing is not None
        and existing.status in ("queued", "running")
        and not crud_scorings.is_stale(existing)
    ):
        raise HTTPException(status.HTTP_409_CONFLICT, f"scoring {existing.id} is {existing.status}")
    store = version_store.store_dir(settings.var_dir)
    scorer = resolve_scorer(version, store, settings.model_dir, models.scorer, settings.score_chunk_rows)
    if scorer is None:
        raise HTTPException(
            status.HTTP_409_CONFLICT,
            f"model version {version!r} is registered but its exported model is not in the version store "
            f"({store}); versions trained before the store existed cannot score again",
        )
    scoring, start = crud_scorings.queue_scoring(session, batch, version)
    if not start:  # queued by a concurrent request a moment ago
        raise HTTPException(status.HTTP_409_CONFLICT, f"scoring {scoring.id} is {scoring.status}")
    background.add_task(run_scoring, factory, scoring.id, scorer)
    return scoring


@router.get("/batches/{batch_id}/scorings", response_model=Page[BatchScoringOut], responses=NOT_FOUND)
def list_batch_scorings(batch_id: BatchId, session: SessionDep) -> Any:
    """Every scoring of a batch by another model version, oldest first."""
    if crud.get_batch(session, batch_id) is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no batch {batch_id}")
    rows = crud_scorings.list_scorings(session, batch_id)
    return Page[BatchScoringOut](data=[BatchScoringOut.model_validate(s) for s in rows], count=len(rows))


@router.get("/scorings/{scoring_id}", response_model=BatchScoringOut, responses=NOT_FOUND)
def get_scoring(scoring_id: ScoringId, session: SessionDep) -> Any:
    """One scoring with its progress (rows_done of row_count) and, when done, its metrics."""
    scoring = crud_scorings.get_scoring(session, scoring_id)
    if scoring is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no scoring {scoring_id}")
    return scoring


@router.get(
    "/compare",
    response_model=VersionsComparisonOut,
    responses={
        404: {"description": "an unknown batch or model version"},
        409: {"description": "a version has not scored a batch yet, or the rows lack one of the classes"},
    },
)
def compare(
    session: SessionDep,
    versions: Annotated[list[VersionName], Query(min_length=1, max_length=MAX_VERSIONS)],
    batch_ids: Annotated[list[QueryId] | None, Query(max_length=MAX_BATCHES)] = None,
    role: Annotated[Literal["evaluation"] | None, Query(description="every evaluation batch")] = None,
    k: Annotated[
        int | None, Query(ge=1, le=MAX_DB_INT, description="review budget; default 1 % of rows")
    ] = None,
    n: Annotated[int, Query(ge=100, le=5000, description="bootstrap replicates")] = 1000,
    seed: Annotated[int, Query(ge=0, le=MAX_DB_INT)] = 0,
    limit: Annotated[int, Query(ge=0, le=500, description="disagreement rows listed per pair")] = 50,
) -> Any:
    """Model versions side by side on the same labeled rows of some batches (or every evaluation batch)."""
    # Raised as validation errors so the 422 keeps its documented shape (a list of problems).
    if len(set(versions)) != len(versions):
        raise _invalid("versions", "a version is named twice", versions)
    if not batch_ids and role is None:
        raise _invalid("batch_ids", "name batch_ids or role=evaluation", batch_ids)
    try:
        return compare_versions(session, versions, batch_ids, role, k, n, seed, limit)
    except CompareError as error:
        code = status.HTTP_404_NOT_FOUND if error.not_found else status.HTTP_409_CONFLICT
        raise HTTPException(code, str(error)) from None


def _invalid(name: str, message: str, value: Any) -> RequestValidationError:
    return RequestValidationError(
        [{"type": "value_error", "loc": ("query", name), "msg": message, "input": value}]
    )


@router.get("/learning-loop", response_model=LearningLoopOut)
def get_learning_loop(
    session: SessionDep,
    batch_ids: Annotated[list[QueryId] | None, Query(max_length=MAX_BATCHES)] = None,
    k: Annotated[
        int | None, Query(ge=1, le=MAX_DB_INT, description="review budget; default 1 % of rows")
    ] = None,
) -> Any:
    """Every training in order with each champion's figures on the evaluation batches (the holdout)."""
    return learning_loop(session, batch_ids, k)
