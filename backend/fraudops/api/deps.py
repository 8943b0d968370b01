"""Injectable pieces. Tests swap them through `app.dependency_overrides` or the app factory."""

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, HTTPException, Request, status
from sqlalchemy.orm import Session

from fraudops.core.config import Settings
from fraudops.ml.scorer import Scorer


def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def get_session(request: Request) -> Iterator[Session]:
    with request.app.state.session_factory() as session:
        yield session


def get_scorer(request: Request) -> Scorer:
    scorer: Scorer | None = request.app.state.scorer
    if scorer is None:
        raise HTTPException(
            status.HTTP_503_SERVICE_UNAVAILABLE,
            "no model is loaded: run `fraudops prepare` (or `make run`) to train the first one",
        )
    return scorer


SettingsDep = Annotated[Settings, Depends(get_settings)]
SessionDep = Annotated[Session, Depends(get_session)]
ScorerDep = Annotated[Scorer, Depends(get_scorer)]
