"""Labels given to logged predictions, with every label event kept (latest wins)."""

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from fraudops.data.schema import DB_COLUMN, FEATURE_COLUMNS
from fraudops.tables import (
    label_events,
    prediction_log,
)


@dataclass(frozen=True)
class LabelOutcome:
    unknown: list[str]  # request ids not in the prediction log
    changed: list[str]  # request ids whose earlier label this one replaced


def apply_labels(
    session: Session,
    labels: dict[str, int],
    source: str,
    actor: str | None = None,
    note: str | None = None,
) -> LabelOutcome:
    """Label logged predictions. Every label is kept as an event; the row takes the latest (latest wins,
    which is the rule training reads), and a label that replaces a different one is reported as changed.
    The caller commits."""
    c = prediction_log.c
    rows = session.execute(select(c.request_id, c.label).where(c.request_id.in_(list(labels))))
    current: dict[str, int | None] = {request_id: label for request_id, label in rows}
    now = datetime.now(UTC)
    known = [r for r in labels if r in current]
    if known:
        session.execute(
            label_events.insert(),
            [
                {
                    "created_at": now,
                    "request_id": r,
                    "label": labels[r],
                    "previous_label": current[r],
                    "source": source,
                    "actor": actor,
                    "note": note,
                }
                for r in known
            ],
        )
    for label in (0, 1):
        ids = [r for r in known if labels[r] == label]
        if ids:
            session.execute(
                prediction_log.update().where(c.request_id.in_(ids)).values(label=label, labeled_at=now)
            )
    changed = [r for r in known if current[r] is not None and current[r] != labels[r]]
    return LabelOutcome(unknown=[r for r in labels if r not in current], changed=changed)


def label_history(session: Session, request_id: str) -> list[dict[str, Any]]:
    """Every label event of one logged prediction, oldest first."""
    e = label_events.c
    rows = session.execute(
        select(e.created_at, e.label, e.previous_label, e.source, e.actor, e.note)
        .where(e.request_id == request_id)
        .order_by(e.id)
    ).mappings()
    return [dict(row) for row in rows]


def labeled_feedback(session: Session) -> tuple[np.ndarray, np.ndarray]:
    """Logged predictions that received a true class: (raw features (n, 30), labels), in time order."""
    columns = [prediction_log.c[DB_COLUMN[c]] for c in FEATURE_COLUMNS]
    rows = session.execute(
        select(*columns, prediction_log.c.label)
        .where(prediction_log.c.label.is_not(None))
        .order_by(prediction_log.c.time, prediction_log.c.received_at)
    ).all()
    data = np.array(rows, dtype=np.float64).reshape(len(rows), len(FEATURE_COLUMNS) + 1)
    return data[:, :-1], data[:, -1].astype(np.int8)
