"""Stream runs: each replay by the stream producer with the figures it measured."""

from collections.abc import Sequence
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from fraudops.tables import (
    StreamRun,
)


def create_stream_run(session: Session, source_file: str, target: str, summary: dict[str, Any]) -> StreamRun:
    run = StreamRun(source_file=source_file[:255], target=target, summary=summary)
    session.add(run)
    session.commit()
    return run


def list_stream_runs(session: Session, offset: int, limit: int) -> tuple[Sequence[StreamRun], int]:
    rows = session.scalars(select(StreamRun).order_by(StreamRun.id.desc()).offset(offset).limit(limit)).all()
    return rows, session.scalar(select(func.count()).select_from(StreamRun)) or 0
