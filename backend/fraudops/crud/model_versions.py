"""Model versions: every model served, and every version training registered."""

from collections.abc import Sequence
from datetime import UTC, datetime

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from fraudops.ml.artifact import ModelCard
from fraudops.tables import (
    ModelVersion,
)


def record_model_version(session: Session, card: ModelCard) -> None:
    """Remember a model the first time it is served (idempotent)."""
    known = session.get(ModelVersion, card.version)
    if known is not None:
        if known.first_served_at is None:  # registered by training, serving for the first time now
            session.execute(
                update(ModelVersion)
                .where(ModelVersion.version == card.version, ModelVersion.first_served_at.is_(None))
                .values(first_served_at=datetime.now(UTC))
            )
            session.commit()
        return
    try:
        session.add(_model_version(card, first_served_at=datetime.now(UTC)))
        session.commit()
    except IntegrityError:  # another worker recorded it first
        session.rollback()


def _model_version(card: ModelCard, first_served_at: datetime | None) -> ModelVersion:
    return ModelVersion(
        version=card.version,
        kind=card.kind,
        threshold=card.threshold,
        metrics=card.metrics,
        training=card.training,
        created_at=card.created_at,
        first_served_at=first_served_at,
    )


def list_model_versions(session: Session) -> Sequence[ModelVersion]:
    """Served and registered versions, newest model first."""
    return session.scalars(
        select(ModelVersion).order_by(ModelVersion.created_at.desc(), ModelVersion.version.desc())
    ).all()


def record_registered_version(
    session: Session,
    card: ModelCard,
    registered_model: str,
    registry_version: str,
    mlflow_run_id: str,
    promoted: bool,
    training_run_id: int | None,
) -> None:
    """Remember a version training registered (served later or never). The caller commits."""
    row = session.get(ModelVersion, card.version) or _model_version(card, first_served_at=None)
    row.registered_model = registered_model
    row.registry_version = registry_version
    row.mlflow_run_id = mlflow_run_id
    row.registered_at = datetime.now(UTC)
    row.promoted = promoted
    row.training_run_id = training_run_id
    session.add(row)
