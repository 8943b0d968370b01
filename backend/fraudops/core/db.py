"""Engine creation: one place that knows SQLite from PostgreSQL."""

from pathlib import Path
from typing import Any

import psycopg
from sqlalchemy import Engine, create_engine, event, exc
from sqlalchemy.engine import make_url


def is_postgres(engine: Engine) -> bool:
    return engine.dialect.name == "postgresql"


def is_unreachable(error: BaseException) -> bool:
    """True when `error` means the database could not be reached or was busy (retry later), not that it
    refused what was sent (which a retry would only repeat)."""
    if isinstance(error, exc.OperationalError | exc.InterfaceError | exc.TimeoutError):
        return True
    if isinstance(error, exc.DBAPIError) and error.connection_invalidated:
        return True
    original = getattr(error, "orig", None) or error
    return isinstance(original, psycopg.OperationalError | psycopg.InterfaceError | OSError)


def make_engine(url: str) -> Engine:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    # prepare_threshold=None: no server-side prepared statements, so transaction-mode poolers
    # (Supabase's pgbouncer/Supavisor on port 6543) work unchanged.
    # connect_timeout and pool_timeout bound how long a request waits on an unreachable database
    # before it answers 503, instead of the driver's and pool's defaults (no limit, 30 s).
    return create_engine(
        url,
        pool_pre_ping=True,
        pool_size=5,
        max_overflow=10,
        pool_timeout=10,
        connect_args={"prepare_threshold": None, "connect_timeout": 5},
    )


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")  # readers never block the one writer
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.close()
