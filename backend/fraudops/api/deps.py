"""Injectable pieces. Tests swap them through `app.dependency_overrides` or the app factory."""

import secrets
from collections.abc import Iterator
from typing import Annotated, Any

from fastapi import Depends, HTTPException, Path, Query, Request, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session

from fraudops.core.config import Settings
from fraudops.ml.scorer import Scorer
from fraudops.schemas import MAX_DB_INT


# Dependencies that do no I/O are `async def`: FastAPI runs a plain `def` dependency in the thread pool,
# and that hand-off cost more than the model itself on the real-time path (py-spy, wrk c=4).
async def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def get_session(request: Request) -> Iterator[Session]:
    with request.app.state.session_factory() as session:
        yield session


async def get_scorer(request: Request) -> Scorer:
    scorer: Scorer | None = request.app.state.scorer
    if scorer is None:
        raise HTTPException(
            status.HTTP_503_SERVICE_UNAVAILABLE,
            "no model is loaded: run `fraudops prepare` (or `make run`) to train the first one",
        )
    return scorer


_bearer = HTTPBearer(auto_error=False, description="the ADMIN_TOKEN setting")


async def require_admin(
    request: Request, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]
) -> None:
    """Guard for actions that change state beyond uploading: `Authorization: Bearer <ADMIN_TOKEN>`."""
    token = request.app.state.settings.admin_token
    if token is None:
        raise HTTPException(
            status.HTTP_403_FORBIDDEN,
            "admin actions are disabled because no admin token is configured: set ADMIN_TOKEN "
            "(16+ characters, e.g. `export ADMIN_TOKEN=$(openssl rand -hex 24)` or a line in .env) "
            "and restart the server",
        )
    given = credentials.credentials if credentials is not None else ""
    if not secrets.compare_digest(given.encode(), token.get_secret_value().encode()):
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            "send the admin token as `Authorization: Bearer <ADMIN_TOKEN>`",
            headers={"WWW-Authenticate": "Bearer"},
        )


# Integers a client puts in a path or query that reach the database: bounded by the column types, so an
# out-of-range value is a 422 here rather than a database error.
RowId = Annotated[int, Path(ge=0, le=MAX_DB_INT, description="a row id")]
BatchId = Annotated[int, Path(ge=0, le=MAX_DB_INT, description="a batch id")]
OffsetQuery = Annotated[int, Query(ge=0, le=MAX_DB_INT, description="rows to skip")]

NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"description": "no such item"}}

SettingsDep = Annotated[Settings, Depends(get_settings)]
SessionDep = Annotated[Session, Depends(get_session)]
ScorerDep = Annotated[Scorer, Depends(get_scorer)]
