"""Engine creation: one place that knows SQLite from PostgreSQL."""

from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url


def is_postgres(engine: Engine) -> bool:
    return engine.dialect.name == "postgresql"


def is_refused(error: BaseException) -> bool:
    """True when the database refused the data itself (a value it cannot store, a broken constraint):
    retrying the same rows would only fail again, so they are isolated and parked. Anything else (the
    database unreachable, busy, not migrated, a permission missing) is waited out and retried, so a
    misconfiguration never sends good traffic to the dead letters."""
    original = getattr(error, "orig", None) or error
    # By PEP 249 name, so SQLAlchemy's wrappers and raw driver errors (psycopg, sqlite3) all count.
    return any(cls.__name__ in _REFUSALS for cls in (*type(error).__mro__, *type(original).__mro__))


_REFUSALS = frozenset({"DataError", "IntegrityError"})


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
