"""Helpers shared by tests."""

import io

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv
from sqlalchemy.orm import Session

from fraudops import crud
from fraudops.data.schema import FEATURE_COLUMNS, LABEL_COLUMN


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
