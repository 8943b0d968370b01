"""Bulk rows inside the caller's transaction: COPY on PostgreSQL (binary where core.pgcopy covers every
column, else CSV), executemany on SQLite; and the planner's statistics refreshed after such a load."""

import io
import logging
from collections.abc import Iterable, Iterator, Mapping, Sequence

import pyarrow as pa
import pyarrow.csv as pacsv
from sqlalchemy import Table, text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from fraudops.core import pgcopy

log = logging.getLogger(__name__)

CHUNK_ROWS = 50_000
# Autovacuum's own trigger for ANALYZE (autovacuum_analyze_threshold + autovacuum_analyze_scale_factor *
# rows, at their defaults), applied right after the load instead of up to a minute later, or never where
# autovacuum is off.
ANALYZE_BASE_ROWS = 50
ANALYZE_SCALE = 0.1


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


def refresh_statistics(
    session: Session, tables: Sequence[Table], added: int, columns: Mapping[str, Sequence[str]] | None = None
) -> list[str]:
    """ANALYZE each table whose planner statistics a bulk load of `added` rows made stale, only the
    `columns` given for it where given; returns their names. PostgreSQL only, after the load committed;
    commits.

    Until a table is analyzed the planner takes a fresh batch of thousands of rows for a handful (a
    never-analyzed column is assumed 0.5 % NULL), and the review queue's join ran as a nested loop: 2 s for
    a 4,000-row batch, 6 ms once analyzed (benchmarks/review_queue.py). ANALYZE reads a sample of at most
    30,000 rows however large the table. A failure is logged, never raised: the load has committed."""
    if session.get_bind().dialect.name != "postgresql":
        return []
    analyzed = []
    try:
        for table in tables:
            # reltuples: the rows the planner believes in (-1 until the first ANALYZE); n_live_tup: the
            # activity counters' count, which may not include this load yet, hence `added`. (Not
            # n_mod_since_analyze: an ANALYZE of some columns leaves it as it was.)
            believed, live = session.execute(
                text(
                    "SELECT c.reltuples, coalesce(s.n_live_tup, 0) FROM pg_class c"
                    " LEFT JOIN pg_stat_user_tables s ON s.relid = c.oid WHERE c.oid = to_regclass(:name)"
                ),
                {"name": table.name},
            ).one()
            grown = max(live, believed + added) - believed
            if believed < 0 or grown > ANALYZE_BASE_ROWS + ANALYZE_SCALE * believed:
                listed = (columns or {}).get(table.name)
                names = f" ({', '.join(listed)})" if listed else ""
                session.execute(text(f'ANALYZE "{table.name}"{names}'))
                analyzed.append(table.name)
        session.commit()
    except SQLAlchemyError as error:
        session.rollback()
        log.warning("could not refresh the planner's statistics after a bulk load: %s", error)
    return analyzed
