"""Shared fixtures: a real model trained once per run, and each test database backend.

The PostgreSQL tests use their own database, created for the run and dropped after it. With CI=true an
unreachable server fails the run instead of skipping those tests.
"""

import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

from fraudops.core.config import Settings
from fraudops.core.db import make_engine
from fraudops.core.migrate import upgrade_to_head
from fraudops.data import synthetic
from fraudops.main import create_app
from fraudops.tables import Base
from tests.utils import raw_and_labels

ADMIN_URL = os.environ.get("TEST_POSTGRES_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
BACKENDS = ("sqlite", "postgresql")


@pytest.fixture(scope="session")
def model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A real Keras MLP trained on synthetic data and exported to ONNX (the same code as `fraudops train`)."""
    from fraudops.ml.fit_options import MLPParams
    from tests.models import train_mlp

    raw, labels = raw_and_labels(synthetic.generate(60_000, seed=7))
    out = tmp_path_factory.mktemp("model") / "champion"
    train_mlp(raw, labels, out, source="synthetic seed 7", params=MLPParams(max_epochs=12, patience=4))
    return out


def create_postgres_database(prefix: str) -> tuple[str, str]:
    """Create an empty database; returns (name, SQLAlchemy URL)."""
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    try:
        with psycopg.connect(ADMIN_URL, autocommit=True, connect_timeout=5) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
    except psycopg.OperationalError as error:
        message = f"PostgreSQL at {ADMIN_URL} is unreachable: {error}"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message + " (set CI=true to make this a failure)")
    base = ADMIN_URL.rsplit("/", 1)[0]
    return name, Settings(database_url=f"{base}/{name}").database_url


def drop_postgres_database(name: str) -> None:
    with psycopg.connect(ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def empty_database_url(backend: str, tmp_path: Path) -> Iterator[str]:
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path / 'fraudops-test.db'}"
        return
    name, url = create_postgres_database("fraudops_test")
    try:
        yield url
    finally:
        drop_postgres_database(name)


@pytest.fixture(scope="session", params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A migrated database of each backend, shared by the run and emptied before every test."""
    generator = empty_database_url(request.param, tmp_path_factory.mktemp(request.param))
    url = next(generator)
    upgrade_to_head(url)
    yield url
    generator.close()


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    empty_tables(engine)
    yield engine
    engine.dispose()


def empty_tables(engine: Engine) -> None:
    """Delete every row the app owns (ids restart on PostgreSQL)."""
    names = [table.name for table in reversed(Base.metadata.sorted_tables)]
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(text(f"TRUNCATE {', '.join(names)} RESTART IDENTITY"))
        else:
            for name in names:
                conn.execute(text(f"DELETE FROM {name}"))


def app_settings(database_url: str, model_dir: Path, workdir: Path, **overrides: Any) -> Settings:
    """Settings for an app under test: its own var folder, no page, a 20 MB upload cap."""
    values: dict[str, Any] = {
        "environment": "test",
        "database_url": database_url,
        "model_dir": model_dir,
        "var_dir": workdir / "var",
        "max_upload_mb": 20,
        "frontend_dist": workdir / "no-frontend",
    }
    return Settings(**(values | overrides))


def demo_folder(workdir: Path, labeled_csv: bytes, rows: int = 200) -> Path:
    """A demo folder offering `holdout`: the first `rows` rows of the labeled test file."""
    folder = workdir / "splits"
    folder.mkdir()
    (folder / "holdout.csv").write_bytes(b"".join(labeled_csv.splitlines(keepends=True)[: rows + 1]))
    return folder


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    with Session(engine) as session:
        yield session


@pytest.fixture
def settings(engine: Engine, database_url: str, model_dir: Path, tmp_path: Path) -> Settings:
    return app_settings(database_url, model_dir, tmp_path)


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(settings)) as client:
        yield client


@pytest.fixture(scope="session")
def labeled_csv(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    """A later slice of synthetic traffic (different seed from the model's data) with enough frauds."""
    path = tmp_path_factory.mktemp("data") / "labeled.csv"
    synthetic.write_csv(synthetic.generate(12_000, seed=11), path)
    return path.read_bytes()
