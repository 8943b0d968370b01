"""Helpers shared by tests."""

import io

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv
import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from fraudops import crud
from fraudops.data.schema import FEATURE_COLUMNS, LABEL_COLUMN

# For a test of PostgreSQL behaviour: runs on the PostgreSQL backend only.
ON_POSTGRES = pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)


def raw_and_labels(table: pa.Table) -> tuple[np.ndarray, np.ndarray]:
    raw = np.column_stack([table.column(c).to_numpy().astype(np.float64) for c in FEATURE_COLUMNS])
    return raw, table.column(LABEL_COLUMN).to_numpy().astype(np.int8)


def read_csv_bytes(data: bytes) -> pa.Table:
    return pacsv.read_csv(io.BytesIO(data))


def upload(client, data: bytes, name: str = "batch.csv"):  # type: ignore[no-untyped-def]
    return client.post("/api/batches", files={"file": (name, data, "text/csv")})


def counts(session: Session) -> dict[str, int]:
    session.rollback()  # see the latest committed state
    return crud.table_counts(session)


def planner_rows(session: Session, table: str) -> float:
    """The row count PostgreSQL's planner believes the table has (-1: never analyzed)."""
    session.rollback()  # see the latest committed state
    found = session.scalar(text("SELECT reltuples FROM pg_class WHERE oid = to_regclass(:t)"), {"t": table})
    assert found is not None, f"no table {table}"
    return float(found)
