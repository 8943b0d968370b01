"""Bulk rows inside the caller's transaction: COPY on PostgreSQL (binary where core.pgcopy covers every
column, else CSV), executemany on SQLite."""

import io
from collections.abc import Iterable, Iterator

import pyarrow as pa
import pyarrow.csv as pacsv
from sqlalchemy import Table
from sqlalchemy.orm import Session

from fraudops.core import pgcopy

CHUNK_ROWS = 50_000


def bulk_insert(session: Session, table: Table, rows: pa.Table) -> None:
    postgresql = session.get_bind().dialect.name == "postgresql"
    if postgresql and pgcopy.supports(table, rows):
        rows = rows.select(pgcopy.column_order(table, rows))
        copy_binary(session, table, rows.column_names, pgcopy.encode(table, rows, CHUNK_ROWS))
        return
    columns = ", ".join(f'"{name}"' for name in rows.column_names)
    if postgresql:
        _copy(session, f"COPY {table.name} ({columns}) FROM STDIN (FORMAT csv)", _csv_chunks(rows))
        return
    dbapi = session.connection().connection.driver_connection
    assert dbapi is not None
    marks = ", ".join("?" * rows.num_columns)
    cur = dbapi.cursor()
    for start in range(0, rows.num_rows, CHUNK_ROWS):
        part = rows.slice(start, CHUNK_ROWS)
        cur.executemany(
            f"INSERT INTO {table.name} ({columns}) VALUES ({marks})",
            zip(*(col.to_pylist() for col in part.columns), strict=True),
        )
    cur.close()


def copy_binary(session: Session, table: Table, columns: list[str], stream: Iterable[bytes]) -> None:
    """COPY a binary stream (core.pgcopy) of `columns` rows into `table`, in the caller's transaction."""
    names = ", ".join(f'"{name}"' for name in columns)
    _copy(session, f"COPY {table.name} ({names}) FROM STDIN (FORMAT binary)", stream)


def _copy(session: Session, statement: str, blocks: Iterable[bytes]) -> None:
    dbapi = session.connection().connection.driver_connection
    assert dbapi is not None
    with dbapi.cursor() as cur, cur.copy(statement) as copy:
        for block in blocks:
            copy.write(block)


def _csv_chunks(rows: pa.Table) -> Iterator[bytes]:
    """The table as CSV text in bounded chunks (Arrow's writer prints floats round-trip exact)."""
    options = pacsv.WriteOptions(include_header=False, quoting_style="needed")
    for batch in rows.to_batches(max_chunksize=CHUNK_ROWS):
        buffer = io.BytesIO()
        pacsv.write_csv(pa.Table.from_batches([batch]), buffer, options)
        yield buffer.getvalue()
