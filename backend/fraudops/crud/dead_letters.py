"""Dead letters: rows the database refused, parked so one poisoned row never blocks the rest."""

import json
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from fraudops.tables import (
    dead_letters,
)


def park_dead_letters(session: Session, source: str, letters: Sequence[tuple[str | None, Any, str]]) -> None:
    """Park rows the database refused: (key, payload, error) each. The caller commits.

    Payloads are stored as ASCII-escaped JSON and keys are escaped too, so the very bytes that made the
    database refuse a row (a NUL, a lone surrogate) cannot make it refuse the dead letter as well."""
    if not letters:
        return
    now = datetime.now(UTC)
    session.execute(
        dead_letters.insert(),
        [
            {
                "created_at": now,
                "source": source,
                "key": None if key is None else json.dumps(key)[1:-1][:200],
                "payload": json.dumps(payload, default=str, ensure_ascii=True),
                "error": json.dumps(error, ensure_ascii=True)[1:-1][:2000],
            }
            for key, payload, error in letters
        ],
    )


def count_dead_letters(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(dead_letters)) or 0


def list_dead_letters(session: Session, offset: int, limit: int) -> tuple[list[dict[str, Any]], int]:
    d = dead_letters.c
    rows = session.execute(select(dead_letters).order_by(d.id.desc()).offset(offset).limit(limit)).mappings()
    return [dict(r) for r in rows], count_dead_letters(session)


def delete_dead_letters(session: Session, up_to_id: int) -> int:
    """Remove dead letters with id ≤ `up_to_id` (the ones an operator has seen). The caller commits."""
    result = session.execute(dead_letters.delete().where(dead_letters.c.id <= up_to_id))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
