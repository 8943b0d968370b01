"""The binary COPY decoder reads back what the encoder writes, however the stream is cut into blocks,
and refuses a stream that is not all non-NULL float8; the general layout (text, JSON, timestamps, NULLs)
stores in PostgreSQL exactly what the CSV fallback stores."""

import itertools
import json
from datetime import UTC, date, datetime, timedelta
from unittest.mock import patch

import numpy as np
import pyarrow as pa
import pytest
from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    Double,
    MetaData,
    SmallInteger,
    String,
    Table,
    Text,
    select,
)
from sqlalchemy.orm import Session

from fraudops.core import pgcopy
from fraudops.core.db import make_engine
from fraudops.crud import bulk
from tests.conftest import create_postgres_database, drop_postgres_database

_TABLE = Table("t", MetaData(), *(Column(f"c{i}", Double) for i in range(3)))


def _stream(values: np.ndarray, table: Table = _TABLE) -> bytes:
    rows = pa.table({f"c{i}": values[:, i] for i in range(values.shape[1])})
    return b"".join(pgcopy.encode(table, rows, chunk_rows=4))


def _blocks(data: bytes, sizes: np.ndarray) -> list[bytes]:
    cuts = np.cumsum(sizes)
    edges = [0, *cuts[cuts < len(data)].tolist(), len(data)]
    return [data[a:b] for a, b in itertools.pairwise(edges)]


@pytest.mark.parametrize("seed", range(5))
def test_decode_inverts_encode_across_any_block_cuts(seed):
    rng = np.random.default_rng(seed)
    values = rng.normal(size=(int(rng.integers(0, 40)), 3)) * 1e6
    values[:1] = [np.inf, -0.0, 5e-324][: values.shape[1]] if len(values) else values[:1]
    blocks = _blocks(_stream(values), rng.integers(1, 50, size=2000))
    parts = list(pgcopy.decode_float8(blocks, n_fields=3, chunk_rows=5))
    decoded = np.concatenate(parts) if parts else np.empty((0, 3))
    np.testing.assert_array_equal(decoded, values)
    assert all(len(p) <= 5 + 50 for p in parts)  # bounded by a chunk plus one block


def test_decode_refuses_nulls_other_types_and_truncation():
    with_null = Table("n", MetaData(), *(Column(f"c{i}", Double) for i in range(3)))
    rows = pa.table({"c0": [1.0], "c1": pa.array([None], pa.float64()), "c2": [2.0]})  # a NULL field
    with pytest.raises(ValueError, match=r"not all non-NULL float8|ended inside a row"):
        list(pgcopy.decode_float8([b"".join(pgcopy.encode(with_null, rows, 4))], 3, 10))
    whole = _stream(np.ones((3, 3)))
    with pytest.raises(ValueError, match="ended inside a row"):
        list(pgcopy.decode_float8([whole[:-7]], 3, 10))
    with pytest.raises(ValueError, match="not a PostgreSQL binary COPY"):
        list(pgcopy.decode_float8([b"x" * 40], 3, 10))


# --- the general layout (text, JSON, timestamps, NULLs), against a real PostgreSQL ---

_MIXED = Table(
    "copy_mixed",
    MetaData(),
    Column("id", BigInteger),
    Column("name", String(400)),
    Column("note", Text),
    Column("doc", JSON),
    Column("at", DateTime(timezone=True)),
    Column("small", SmallInteger),
    Column("flag", Boolean),
    Column("x", Double),
)


def _mixed_rows(n: int, seed: int) -> pa.Table:
    rng = np.random.default_rng(seed)
    words = ["", "a", "é", "日本語", 'comma, "quote"', "line\nbreak", "tab\there", "\\N", "x" * 300]
    pick = rng.integers(0, len(words), size=n)
    null = rng.random((4, n)) < 0.3
    base = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
    return pa.table(
        {
            "id": pa.array(np.arange(n, dtype=np.int64)),
            "name": pa.array([None if null[0, i] else words[k] for i, k in enumerate(pick)], pa.string()),
            "note": pa.array([words[k][::-1] for k in pick], pa.string()),
            "doc": pa.array(
                [None if null[1, i] else json.dumps({"k": words[k], "v": i}) for i, k in enumerate(pick)]
            ),
            "at": pa.array(
                [
                    None
                    if null[2, i]
                    else base + timedelta(microseconds=int(rng.integers(-(10**12), 10**12)))
                    for i in range(n)
                ],
                pa.timestamp("us", tz="UTC"),
            ),
            "small": pa.array(
                [None if null[3, i] else int(rng.integers(-32768, 32767)) for i in range(n)], pa.int16()
            ),
            "flag": pa.array(rng.random(n) < 0.5),
            "x": pa.array(np.where(rng.random(n) < 0.1, np.inf, rng.normal(size=n) * 1e9)),
        }
    )


@pytest.fixture(scope="module")
def pg_engine():
    name, url = create_postgres_database("fraudops_pgcopy")
    engine = make_engine(url)
    _MIXED.metadata.create_all(engine)
    yield engine
    engine.dispose()
    drop_postgres_database(name)


@pytest.mark.parametrize("seed", range(3))
def test_binary_copy_of_text_json_timestamps_and_nulls_reads_back_as_written(pg_engine, seed):
    rows = _mixed_rows(257, seed)
    assert pgcopy.supports(_MIXED, rows)
    with Session(pg_engine) as session:
        session.execute(_MIXED.delete())
        bulk.bulk_insert(session, _MIXED, rows.slice(0, 200))  # in more than one encoded chunk below
        session.commit()
        with patch.object(bulk, "CHUNK_ROWS", 16):
            bulk.bulk_insert(session, _MIXED, rows.slice(200))
        session.commit()
        stored = session.execute(select(_MIXED).order_by(_MIXED.c.id)).mappings().all()
    expected = rows.to_pylist()
    assert len(stored) == len(expected)
    for got, want in zip(stored, expected, strict=True):
        want["doc"] = None if want["doc"] is None else json.loads(want["doc"])
        assert dict(got) == want


def test_binary_and_csv_copies_store_the_same_rows(pg_engine):
    rows = _mixed_rows(300, seed=7)
    with Session(pg_engine) as session:
        session.execute(_MIXED.delete())
        bulk.bulk_insert(session, _MIXED, rows)
        binary = session.execute(select(_MIXED).order_by(_MIXED.c.id)).all()
        session.execute(_MIXED.delete())
        with patch.object(pgcopy, "supports", lambda *_: False):  # the CSV fallback
            bulk.bulk_insert(session, _MIXED, rows)
        csv = session.execute(select(_MIXED).order_by(_MIXED.c.id)).all()
        session.rollback()
    assert binary == csv


def test_columns_the_binary_layout_does_not_cover_fall_back():
    table = Table("other", MetaData(), Column("when", Date), Column("name", String))
    day = pa.table({"when": pa.array([date(2026, 1, 1)]), "name": pa.array(["a"])})
    assert not pgcopy.supports(table, day)
    assert pgcopy.supports(table, day.set_column(0, "when", pa.array([None], pa.date32())))  # all NULL
    assert not pgcopy.supports(table, pa.table({"when": pa.array([None], pa.date32()), "name": [1]}))
