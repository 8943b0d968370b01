"""A batch's role (training or evaluation), tags and visibility, and which batches a training reads."""

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from fraudops.tables import Batch

ROLES = ("training", "evaluation")


def update_batch(
    session: Session,
    batch: Batch,
    role: str | None = None,
    tags: list[str] | None = None,
    hidden: bool | None = None,
) -> Batch:
    """Change what was given (None leaves a field as it is). The caller commits."""
    if role is not None:
        batch.role = role
    if tags is not None:
        batch.tags = tags
    if hidden is not None:
        batch.hidden = hidden
    session.add(batch)
    return batch


def training_batch_ids(session: Session) -> list[int]:
    """The training-role batches with labels: the ones a training on the database reads."""
    return list(
        session.scalars(
            select(Batch.id).where(Batch.role == "training", Batch.labeled.is_(True)).order_by(Batch.id)
        )
    )


def batches_by_id(session: Session, ids: Sequence[int]) -> list[Batch]:
    """The batches among `ids`, in id order (unknown ids are left out)."""
    if not ids:
        return []
    return list(session.scalars(select(Batch).where(Batch.id.in_(list(ids))).order_by(Batch.id)))


def evaluation_batch_ids(session: Session, include_hidden: bool = False) -> list[int]:
    """Every evaluation-role batch with labels ("all holdout"), oldest first."""
    query = select(Batch.id).where(Batch.role == "evaluation", Batch.labeled.is_(True))
    if not include_hidden:
        query = query.where(Batch.hidden.is_(False))
    return list(session.scalars(query.order_by(Batch.id)))
