"""PostgreSQL binary COPY, encoded with NumPy: no per-row Python.

Binary COPY spares the server from parsing float text (the larger part of a text COPY's cost) and the
client from printing it (Arrow's CSV writer spent ~13 µs a row of the prediction log on it). Two layouts:
all-fixed-width rows with no NULL (the transactions of a batch) are one structured array per chunk; rows
with text, timestamps, JSON or NULLs (the prediction log) are laid out by scattering each column's bytes
to its offsets in the row, which Arrow's own buffers (string offsets and data) feed directly. A column of
another type makes `supports` say no, and the caller falls back to CSV (see crud.bulk).
"""

import struct
from collections.abc import Iterable, Iterator, Sequence
from datetime import UTC, datetime
from functools import partial
from itertools import repeat
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    Double,
    Integer,
    SmallInteger,
    String,
    Table,
    Text,
)

_HEADER = b"PGCOPY\n\xff\r\n\x00" + (0).to_bytes(4, "big") + (0).to_bytes(4, "big")
_TRAILER = (-1).to_bytes(2, "big", signed=True)
# Most specific first: BigInteger and SmallInteger are subclasses of Integer.
_WIRE = {BigInteger: ">i8", SmallInteger: ">i2", Integer: ">i4", Double: ">f8", Boolean: "u1"}
# timestamp and timestamptz travel as int64 microseconds since 2000-01-01 UTC; text and json as their UTF-8
# bytes (PostgreSQL's json receive function takes the text; jsonb would want a version byte first).
_TIMESTAMP, _TEXT = "timestamp", "text"
_PG_EPOCH_US = int(datetime(2000, 1, 1, tzinfo=UTC).timestamp()) * 1_000_000
_NULL = (-1).to_bytes(4, "big", signed=True)
# The wire dtypes as `struct` codes, for rows encoded one at a time (RowEncoder).
_STRUCT = {">i8": "q", ">i2": "h", ">i4": "i", ">f8": "d", "u1": "?"}


def _wire_type(table: Table, name: str) -> str | None:
    column_type = type(table.c[name].type)
    for sql_type, wire in _WIRE.items():
        if issubclass(column_type, sql_type):
            return wire
    return None


def _field_kind(table: Table, name: str) -> str | None:
    """The column's binary layout: a NumPy wire dtype, `_TIMESTAMP`, `_TEXT`, or None (not supported)."""
    column_type = type(table.c[name].type)
    if issubclass(column_type, DateTime):
        return _TIMESTAMP
    if issubclass(column_type, String | Text | JSON):
        return _TEXT
    return _wire_type(table, name)


def supports(table: Table, rows: pa.Table) -> bool:
    """True when every column has a binary layout here (text from Arrow strings) or is entirely NULL."""
    return all(_supported(_field_kind(table, name), rows.column(name)) for name in rows.column_names)


def _supported(kind: str | None, column: pa.ChunkedArray) -> bool:
    if column.null_count == len(column):
        return True
    if kind == _TEXT:
        return bool(pa.types.is_string(column.type) or pa.types.is_large_string(column.type))
    if kind == _TIMESTAMP:
        return bool(pa.types.is_timestamp(column.type))
    return kind is not None


def column_order(table: Table, rows: pa.Table) -> list[str]:
    """`rows`' columns with the fixed-width, never-NULL ones first: the order to COPY them in, so that each
    row starts with one fixed-size block that `encode` writes as a structured array."""
    fixed = [name for name in rows.column_names if _fixed_size(table, name, rows.column(name))]
    return fixed + [name for name in rows.column_names if name not in fixed]


def encode(table: Table, rows: pa.Table, chunk_rows: int) -> Iterator[bytes]:
    """Yield the binary COPY stream for `rows` (column names as in `table`) in bounded chunks. Any column
    order works; `column_order`'s is the fastest."""
    yield _HEADER
    for start in range(0, rows.num_rows, chunk_rows):
        yield _encode_rows(table, rows.slice(start, chunk_rows))
    yield _TRAILER


def _encode_rows(table: Table, part: pa.Table) -> bytes:
    """Each row: its field count, then per field a big-endian int32 length (-1 for NULL) and that many bytes.

    The leading fixed-size fields of every row are one structured array; each later field's length words
    and bytes are scattered to their offsets in the output, one NumPy assignment per column."""
    n, names = part.num_rows, part.column_names
    lead = 0
    while lead < len(names) and _fixed_size(table, names[lead], part.column(names[lead])):
        lead += 1
    block = _fixed_block(table, part, names[:lead], n_fields=len(names))
    if lead == len(names):
        return block.tobytes()
    fields = [_field_bytes(_field_kind(table, name), part.column(name)) for name in names[lead:]]
    sizes = [np.maximum(length, 0) for length, _ in fields]
    row_size = block.itemsize + 4 * len(fields) + np.add.reduce(sizes, dtype=np.int64)
    row_start = np.zeros(n, dtype=np.int64)
    np.cumsum(row_size[:-1], out=row_start[1:])
    out = np.empty(int(row_size.sum()), dtype=np.uint8)
    out[row_start[:, None] + np.arange(block.itemsize)] = block.view(np.uint8).reshape(n, block.itemsize)
    cursor = row_start + block.itemsize
    word = np.arange(4)
    for (length, data), size in zip(fields, sizes, strict=True):
        out[cursor[:, None] + word] = length.astype(">i4").view(np.uint8).reshape(n, 4)
        cursor += 4
        if len(data):
            starts = np.zeros(n, dtype=np.int64)
            np.cumsum(size[:-1], out=starts[1:])
            out[np.repeat(cursor - starts, size) + np.arange(len(data))] = data
        cursor += size
    return out.tobytes()


def _fixed_size(table: Table, name: str, column: pa.ChunkedArray) -> bool:
    """The same size in every row: NULL in all of them, or fixed-width and never NULL."""
    return column.null_count == len(column) or (
        column.null_count == 0 and _wire_type(table, name) is not None
    )


def _fixed_block(table: Table, part: pa.Table, names: list[str], n_fields: int) -> np.ndarray:
    """The field count and the fixed-size `names` fields of every row, as one structured array."""
    layout: list[tuple[str, str]] = [("n", ">i2")]
    values: dict[str, np.ndarray] = {}
    for i, name in enumerate(names):
        layout.append((f"len{i}", ">i4"))
        column = part.column(name)
        if column.null_count == 0:
            wire = _wire_type(table, name)
            assert wire is not None
            layout.append((f"val{i}", wire))
            values[f"val{i}"] = column.to_numpy()
    encoded = np.empty(part.num_rows, dtype=np.dtype(layout))
    encoded["n"] = n_fields
    for i in range(len(names)):
        value = values.get(f"val{i}")
        encoded[f"len{i}"] = -1 if value is None else encoded.dtype[f"val{i}"].itemsize
        if value is not None:
            encoded[f"val{i}"] = value
    return encoded


def _field_bytes(kind: str | None, column: pa.ChunkedArray) -> tuple[np.ndarray, np.ndarray]:
    """(int64 length of each row's value, -1 for NULL; the non-NULL values' bytes, in row order)."""
    array = column.combine_chunks() if column.num_chunks != 1 else column.chunk(0)
    n = len(array)
    if array.null_count == n:
        return np.full(n, -1, dtype=np.int64), np.empty(0, dtype=np.uint8)
    valid = array.is_valid().to_numpy(zero_copy_only=False) if array.null_count else np.ones(n, bool)
    if kind == _TEXT:
        # NULL slots as empty strings, so the data buffer holds exactly the non-NULL values' bytes.
        text = pc.fill_null(array.cast(pa.string()), "") if array.null_count else array.cast(pa.string())
        _, offsets_buffer, data_buffer = text.buffers()
        offsets = np.frombuffer(offsets_buffer, dtype=np.int32)[text.offset : text.offset + n + 1]
        data = np.frombuffer(data_buffer or b"", dtype=np.uint8)[offsets[0] : offsets[-1]]
        return np.where(valid, np.diff(offsets), -1).astype(np.int64), data
    if kind == _TIMESTAMP:
        micros = array.cast(pa.timestamp("us", tz=array.type.tz)).cast(pa.int64())
        values = micros.to_numpy(zero_copy_only=False)[valid].astype(np.int64) - _PG_EPOCH_US
        wire = ">i8"
    else:
        assert kind is not None
        values, wire = array.to_numpy(zero_copy_only=False), kind
        values = values[valid] if array.null_count else values
    size = np.dtype(wire).itemsize
    length = np.where(valid, size, -1) if array.null_count else np.full(n, size)
    return length.astype(np.int64), values.astype(wire).view(np.uint8)


def stream(rows: Iterable[bytes]) -> Iterator[bytes]:
    """A binary COPY stream of rows already encoded (by `RowEncoder`): the header, the rows, the trailer."""
    yield _HEADER
    yield from rows
    yield _TRAILER


class RowEncoder:
    """Binary COPY rows one at a time, the same bytes as `encode`, for a caller that has one row in hand:
    a few microseconds a row, where `encode` spends about a millisecond setting up its columns.

    `fixed` columns are fixed-width and never NULL (numbers and booleans; timestamps given as datetimes),
    packed by one precompiled `struct`; `rest` may be NULL, text or JSON (str or bytes of JSON text);
    `later` columns are left for `tail`, for values known only after the row was encoded. A row is then
    `row(...) + tail(...)`, in the order of `columns`.
    """

    def __init__(self, table: Table, fixed: Sequence[str], rest: Sequence[str], later: Sequence[str] = ()):
        self.columns = [*fixed, *rest, *later]
        codes = []
        self._timestamps: list[int] = []  # places in the packed arguments that take a timestamp
        for i, name in enumerate(fixed):
            kind = _field_kind(table, name)
            wire = ">i8" if kind == _TIMESTAMP else kind
            if wire not in _STRUCT:
                raise ValueError(f"{name} is not a fixed-width column")
            codes.append(_STRUCT[wire])
            if kind == _TIMESTAMP:
                self._timestamps.append(2 + 2 * i)
        self._head = struct.Struct(">h" + "".join(f"i{code}" for code in codes))
        # The packed arguments: the field count, then each field's length and a slot for its value.
        self._template: list[Any] = [len(self.columns)]
        for code in codes:
            self._template += [struct.calcsize(">" + code), None]
        self._rest = [_field_kind(table, name) for name in rest]
        self._later = [_field_kind(table, name) for name in later]
        if None in self._rest + self._later:
            raise ValueError("a column of a type the binary layout does not cover")

    def row(self, fixed: Sequence[Any], rest: Sequence[Any]) -> bytes:
        """The row up to the `later` columns. Raises ValueError (or a subclass) for a value that does not
        fit its column, e.g. text that is not valid Unicode."""
        args = self._template.copy()
        args[2::2] = fixed
        for i in self._timestamps:
            args[i] = _micros(args[i])
        try:
            head = self._head.pack(*args)
        except struct.error as error:
            raise ValueError(str(error)) from None
        return head + b"".join(map(_field, self._rest, rest))

    def tail(self, later: Sequence[Any]) -> bytes:
        return b"".join(map(_field, self._later, later))

    def tails(self, later: Sequence[Any], rows: int) -> list[bytes]:
        """`tail` of `rows` rows at once, each value a NumPy array (a value per row) or one value for all."""
        columns: list[Iterable[bytes]] = []
        for kind, value in zip(self._later, later, strict=True):
            if isinstance(value, np.ndarray):
                pack = _FIELD.get(kind or "")
                values = value.tolist()
                columns.append(map(pack, values) if pack else [_field(kind, v) for v in values])
            else:
                columns.append(repeat(_field(kind, value), rows))
        return list(map(b"".join, zip(*columns, strict=True)))


def _micros(at: datetime) -> int:
    """Microseconds since PostgreSQL's epoch, rounded as `encode` rounds Arrow's conversion."""
    return round(at.timestamp() * 1e6) - _PG_EPOCH_US


_LENGTH = struct.Struct(">i").pack
# A non-NULL fixed-width field, its length word and value, in one call.
_FIELD = {
    wire: partial(struct.Struct(f">i{code}").pack, np.dtype(wire).itemsize) for wire, code in _STRUCT.items()
}


def _field(kind: str | None, value: Any) -> bytes:
    if value is None:
        return _NULL
    if kind == _TEXT:
        data = value if isinstance(value, bytes) else value.encode()
        return _LENGTH(len(data)) + data
    try:
        if kind == _TIMESTAMP:
            return _FIELD[">i8"](_micros(value))
        return _FIELD[kind or ""](value)
    except struct.error as error:
        raise ValueError(str(error)) from None


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
