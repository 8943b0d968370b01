"""Bulk rows inside the caller's transaction: COPY on PostgreSQL (binary where core.pgcopy covers every
column, else CSV), executemany on SQLite."""

import io
from collections.abc import Iterator

import pyarrow as pa
import pyarrow.csv as pacsv
from sqlalchemy import Table
from sqlalchemy.orm import Session

from fraudops.core import pgcopy

CHUNK_ROWS = 50_000


def bulk_insert(session: Session, table: Table, rows: pa.Table) -> None:
    dbapi = session.connection().connection.driver_connection
    assert dbapi is not None
    table_name = table.name
    postgresql = session.get_bind().dialect.name == "postgresql"
    binary = postgresql and pgcopy.supports(table, rows)
    if binary:
        rows = rows.select(pgcopy.column_order(table, rows))
    columns = ", ".join(f'"{name}"' for name in rows.column_names)
    if postgresql:
        chunks = pgcopy.encode(table, rows, CHUNK_ROWS) if binary else _csv_chunks(rows)
        statement = f"COPY {table_name} ({columns}) FROM STDIN (FORMAT {'binary' if binary else 'csv'})"
        with dbapi.cursor() as cur, cur.copy(statement) as copy:
            for chunk in chunks:
                copy.write(chunk)
    else:
        marks = ", ".join("?" * rows.num_columns)
        cur = dbapi.cursor()
        for start in range(0, rows.num_rows, CHUNK_ROWS):
            part = rows.slice(start, CHUNK_ROWS)
            cur.executemany(
                f"INSERT INTO {table_name} ({columns}) VALUES ({marks})",
                zip(*(col.to_pylist() for col in part.columns), strict=True),
            )
        cur.close()


def _csv_chunks(rows: pa.Table) -> Iterator[bytes]:
    """The table as CSV text in bounded chunks (Arrow's writer prints floats round-trip exact)."""
    options = pacsv.WriteOptions(include_header=False, quoting_style="needed")
    for batch in rows.to_batches(max_chunksize=CHUNK_ROWS):
        buffer = io.BytesIO()
        pacsv.write_csv(pa.Table.from_batches([batch]), buffer, options)
        yield buffer.getvalue()
