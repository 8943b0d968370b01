"""The binary COPY decoder reads back what the encoder writes, however the stream is cut into blocks,
and refuses a stream that is not all non-NULL float8."""

import itertools

import numpy as np
import pyarrow as pa
import pytest
from sqlalchemy import Column, Double, MetaData, Table

from fraudops.core import pgcopy

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
