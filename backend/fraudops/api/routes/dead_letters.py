"""Rows the database refused (a poisoned value), parked by the prediction log and the stream workers so
the rest keeps flowing. An operator reads them here and clears them once handled; while any are parked,
/api/health says `degraded`."""

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel

from fraudops import crud
from fraudops.api.deps import OffsetQuery, SessionDep, require_admin
from fraudops.schemas import MAX_DB_INT, Page

router = APIRouter(
    prefix="/dead-letters",
    tags=["dead-letters"],
    dependencies=[Depends(require_admin)],
    responses={
        401: {"description": "missing or wrong bearer token"},
        403: {"description": "no admin token is configured on the server"},
    },
)


class DeadLetterOut(BaseModel):
    id: int
    created_at: datetime
    source: str
    key: str | None
    payload: str
    error: str


class ClearedOut(BaseModel):
    deleted: int


@router.get("", response_model=Page[DeadLetterOut])
def list_dead_letters(
    session: SessionDep, offset: OffsetQuery = 0, limit: Annotated[int, Query(ge=1, le=500)] = 100
) -> Any:
    """Parked rows, newest first, with the database's reason (admin)."""
    rows, count = crud.list_dead_letters(session, offset, limit)
    return Page[DeadLetterOut](data=[DeadLetterOut.model_validate(r) for r in rows], count=count)


@router.delete("", response_model=ClearedOut)
def clear_dead_letters(
    session: SessionDep,
    up_to_id: Annotated[int, Query(ge=0, le=MAX_DB_INT, description="clear the ones with id ≤ this")],
) -> Any:
    """Clear parked rows that have been handled (admin)."""
    deleted = crud.delete_dead_letters(session, up_to_id)
    session.commit()
    return ClearedOut(deleted=deleted)
