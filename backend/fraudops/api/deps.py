"""Injectable pieces. Tests swap them through `app.dependency_overrides` or the app factory."""

import secrets
from collections.abc import Iterator
from typing import Annotated, Any

from fastapi import Depends, HTTPException, Path, Query, Request, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session, sessionmaker

from fraudops.api.services import Services
from fraudops.core.config import Settings
from fraudops.ml.scorer import Scorer
from fraudops.policy import Policy
from fraudops.predlog import PredictionLog
from fraudops.schemas import MAX_DB_INT
from fraudops.serving import ModelWatcher
from fraudops.training.retraining import Supervisor


# Dependencies that do no I/O are `async def`: FastAPI runs a plain `def` dependency in the thread pool,
# and that hand-off cost more than the model itself on the real-time path (py-spy, wrk c=4).
async def get_services(request: Request) -> Services:
    services: Services = request.app.state.services  # set once, in the lifespan (main.py)
    return services


ServicesDep = Annotated[Services, Depends(get_services)]


async def get_settings(services: ServicesDep) -> Settings:
    return services.settings


def get_session(services: ServicesDep) -> Iterator[Session]:
    with services.session_factory() as session:
        yield session


async def get_scorer(services: ServicesDep) -> Scorer:
    scorer = services.models.scorer
    if scorer is None:
        raise HTTPException(
            status.HTTP_503_SERVICE_UNAVAILABLE,
            "no model is loaded: run `fraudops prepare` (or `make run`) to train the first one",
        )
    return scorer


async def get_prediction_log(services: ServicesDep) -> PredictionLog:
    return services.prediction_log


async def get_models(services: ServicesDep) -> ModelWatcher:
    return services.models


async def get_retraining(services: ServicesDep) -> Supervisor:
    return services.retraining


async def get_policy(services: ServicesDep) -> Policy:
    return services.policy


async def get_session_factory(services: ServicesDep) -> sessionmaker[Session]:
    return services.session_factory


_bearer = HTTPBearer(auto_error=False, description="the ADMIN_TOKEN setting")


async def require_admin(
    services: ServicesDep, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]
) -> None:
    """Guard for actions that change state beyond uploading: `Authorization: Bearer <ADMIN_TOKEN>`."""
    token = services.settings.admin_token
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
# The answers `require_admin` adds to a route's documented responses.
ADMIN_ONLY: dict[int | str, dict[str, Any]] = {
    401: {"description": "missing or wrong bearer token"},
    403: {"description": "no admin token is configured on the server"},
}

SettingsDep = Annotated[Settings, Depends(get_settings)]
SessionDep = Annotated[Session, Depends(get_session)]
ScorerDep = Annotated[Scorer, Depends(get_scorer)]
PredictionLogDep = Annotated[PredictionLog, Depends(get_prediction_log)]
ModelsDep = Annotated[ModelWatcher, Depends(get_models)]
RetrainingDep = Annotated[Supervisor, Depends(get_retraining)]
PolicyDep = Annotated[Policy, Depends(get_policy)]
SessionFactoryDep = Annotated[sessionmaker[Session], Depends(get_session_factory)]
