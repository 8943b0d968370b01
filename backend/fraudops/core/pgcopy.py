"""PostgreSQL binary COPY, encoded with NumPy: one structured array per chunk, no per-row Python.

Binary COPY spares the server from parsing float text (the larger part of a text COPY's cost) and the
client from printing it. It covers fixed-width columns, plus any column that is NULL in every row of
the chunk; other shapes fall back to CSV (see crud).
"""

from collections.abc import Iterable, Iterator

import numpy as np
import pyarrow as pa
from sqlalchemy import BigInteger, Boolean, Double, Integer, SmallInteger, Table

_HEADER = b"PGCOPY\n\xff\r\n\x00" + (0).to_bytes(4, "big") + (0).to_bytes(4, "big")
_TRAILER = (-1).to_bytes(2, "big", signed=True)
# Most specific first: BigInteger and SmallInteger are subclasses of Integer.
_WIRE = {BigInteger: ">i8", SmallInteger: ">i2", Integer: ">i4", Double: ">f8", Boolean: "u1"}


def _wire_type(table: Table, name: str) -> str | None:
    column_type = type(table.c[name].type)
    for sql_type, wire in _WIRE.items():
        if issubclass(column_type, sql_type):
            return wire
    return None


def supports(table: Table, rows: pa.Table) -> bool:
    """True when every column is fixed-width in the database or entirely NULL in `rows`."""
    return all(
        _wire_type(table, name) is not None or rows.column(name).null_count == rows.num_rows
        for name in rows.column_names
    )


def encode(table: Table, rows: pa.Table, chunk_rows: int) -> Iterator[bytes]:
    """Yield the binary COPY stream for `rows` (column names as in `table`) in bounded chunks."""
    n_fields = rows.num_columns
    yield _HEADER
    for start in range(0, rows.num_rows, chunk_rows):
        part = rows.slice(start, chunk_rows)
        fields: list[tuple[str, str]] = [("n", ">i2")]
        values: dict[str, np.ndarray] = {}
        for i, name in enumerate(part.column_names):
            column = part.column(name)
            fields.append((f"len{i}", ">i4"))
            if column.null_count == part.num_rows:
                continue  # length -1 means NULL, and no value bytes follow
            if column.null_count:
                raise ValueError(f"column {name} mixes NULL and values; use the CSV path")
            wire = _wire_type(table, name)
            assert wire is not None
            fields.append((f"val{i}", wire))
            values[f"val{i}"] = column.to_numpy(zero_copy_only=False)
        encoded = np.empty(part.num_rows, dtype=np.dtype(fields))
        encoded["n"] = n_fields
        for i in range(n_fields):
            if f"val{i}" in values:
                encoded[f"len{i}"] = np.dtype(dict(fields)[f"val{i}"]).itemsize
                encoded[f"val{i}"] = values[f"val{i}"]
            else:
                encoded[f"len{i}"] = -1
        yield encoded.tobytes()
    yield _TRAILER


def decode_float8(
    blocks: Iterable[bytes | bytearray | memoryview], n_fields: int, chunk_rows: int
) -> Iterator[np.ndarray]:
    """Parse a binary COPY stream whose every field is a non-NULL float8 into (rows, n_fields) float64
    arrays of up to about `chunk_rows` rows, holding no more than one chunk of bytes at a time.

    Raises ValueError when the stream is not such a stream (a NULL, another type, a truncated row)."""
    row = np.dtype([("n", ">i2"), ("cells", [("length", ">i4"), ("value", ">f8")], (n_fields,))])
    chunk_bytes = chunk_rows * row.itemsize
    pending = bytearray()
    header_read = False
    for block in blocks:
        pending += block
        if not header_read:
            if len(pending) < len(_HEADER):
                continue
            if not pending.startswith(_HEADER[:11]):
                raise ValueError("not a PostgreSQL binary COPY stream")
            extension = int.from_bytes(pending[15:19], "big")
            del pending[: len(_HEADER) + extension]
            header_read = True
        if len(pending) >= chunk_bytes:
            whole = len(pending) // row.itemsize * row.itemsize
            yield _float8_rows(pending[:whole], row, n_fields)
            del pending[:whole]
    if not header_read or not pending.endswith(_TRAILER) or (len(pending) - 2) % row.itemsize:
        raise ValueError("the binary COPY stream ended inside a row or without its trailer")
    if len(pending) > 2:
        yield _float8_rows(pending[:-2], row, n_fields)


def _float8_rows(data: bytearray, row: np.dtype, n_fields: int) -> np.ndarray:
    rows = np.frombuffer(data, dtype=row)
    if (rows["n"] != n_fields).any() or (rows["cells"]["length"] != 8).any():
        raise ValueError("a row of the binary COPY is not all non-NULL float8")
    return rows["cells"]["value"].astype(np.float64)  # big-endian to native, contiguous
