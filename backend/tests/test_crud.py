"""Bulk writes store every value exactly, on both paths (binary COPY, and CSV when ids are present)."""

import io

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv
import pytest
from sqlalchemy import select

from fraudops import crud
from fraudops.data.schema import DB_COLUMN, FEATURE_COLUMNS
from fraudops.tables import transactions
from tests.utils import counts, read_csv_bytes, upload


def stored_features(session, batch_id: int) -> np.ndarray:
    columns = [transactions.c[DB_COLUMN[c]] for c in FEATURE_COLUMNS]
    rows = session.execute(
        select(*columns).where(transactions.c.batch_id == batch_id).order_by(transactions.c.row_number)
    ).all()
    return np.array(rows, dtype=np.float64)


@pytest.mark.parametrize("with_ids", [False, True])
def test_stored_values_equal_the_file(client, session, labeled_csv, with_ids):
    table = read_csv_bytes(labeled_csv)
    if with_ids:
        table = table.append_column("id", pa.array([f"t{i}" for i in range(table.num_rows)]))
    buffer = io.BytesIO()
    pacsv.write_csv(table, buffer)
    batch = upload(client, buffer.getvalue()).json()
    expected = np.column_stack([table.column(c).to_numpy().astype(np.float64) for c in FEATURE_COLUMNS])
    np.testing.assert_array_equal(stored_features(session, batch["id"]), expected)


def test_delete_batch_removes_its_rows_only(client, session, labeled_csv):
    first = upload(client, labeled_csv).json()
    second_file = labeled_csv.replace(b"\n", b"\r\n")  # same rows, different bytes: a second batch
    second = upload(client, second_file).json()
    assert second["id"] != first["id"]
    assert crud.delete_batch(session, first["id"])
    session.commit()
    left = counts(session)
    assert left["batches"] == 1 and left["transactions"] == left["predictions"] == second["row_count"]
    assert crud.delete_batch(session, 12345) is False


def test_training_read_returns_every_labeled_row_in_time_order(client, session, labeled_csv):
    """The read training does (binary COPY on PostgreSQL, a cursor on SQLite) gives the stored rows exactly,
    ordered by Time, whatever the chunk size, with the `tail` rows (feedback) after them."""
    upload(client, labeled_csv)
    table = read_csv_bytes(labeled_csv)
    expected = np.column_stack([table.column(c).to_numpy().astype(np.float64) for c in FEATURE_COLUMNS])
    labels = table.column("Class").to_numpy().astype(np.int8)
    order = np.argsort(expected[:, 0], kind="stable")  # ties keep the file's (row) order, as the query does
    for chunk_rows in (7, 1000):
        parts = list(crud.iter_labeled_transactions(session, chunk_rows=chunk_rows))
        assert len(parts) > 1 or chunk_rows > len(labels)
        raw = np.concatenate([p[0] for p in parts])
        np.testing.assert_array_equal(raw, expected[order])
        np.testing.assert_array_equal(np.concatenate([p[1] for p in parts]), labels[order])
    tail = (np.full((2, len(FEATURE_COLUMNS)), 7.0), np.array([1, 0], dtype=np.int8))
    raw, y = crud.labeled_transactions(session, tail=tail)
    np.testing.assert_array_equal(raw, np.concatenate([expected[order], tail[0]]))
    np.testing.assert_array_equal(y, np.concatenate([labels[order], tail[1]]))
    # Training reads float32, the precision the served graph takes: the same rows, rounded once.
    raw32, y32 = crud.labeled_transactions(session, tail=tail, dtype=np.float32)
    assert raw32.dtype == np.float32
    np.testing.assert_array_equal(raw32, np.concatenate([expected[order], tail[0]]).astype(np.float32))
    np.testing.assert_array_equal(y32, y)
