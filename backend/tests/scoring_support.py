"""Shared by the role, scoring and scenario tests: a PostgreSQL database of their own, an app with an
admin token on it, and a second registered model version kept in the version store."""

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr
from sqlalchemy.orm import Session

from fraudops import crud
from fraudops.core.config import Settings
from fraudops.core.db import make_engine
from fraudops.core.migrate import upgrade_to_head
from fraudops.data import synthetic
from fraudops.main import create_app
from fraudops.ml import artifact, version_store
from fraudops.ml.candidates import logistic_regression
from fraudops.training.pipeline import QuietReporter, evaluate_candidate, prepare
from tests.conftest import app_settings, empty_database_url, empty_tables
from tests.utils import raw_and_labels

TOKEN = "scoring-test-token-0123456789"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


@pytest.fixture(scope="module")
def pg_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A migrated PostgreSQL database for the module (these tests are about PostgreSQL)."""
    generator = empty_database_url("postgresql", tmp_path_factory.mktemp("pg"))
    url = next(generator)
    upgrade_to_head(url)
    yield url
    generator.close()


@pytest.fixture
def pg_settings(pg_url: str, model_dir: Path, tmp_path: Path) -> Settings:
    engine = make_engine(pg_url)
    empty_tables(engine)
    engine.dispose()
    return app_settings(pg_url, model_dir, tmp_path, admin_token=SecretStr(TOKEN), model_poll_seconds=0.0)


@pytest.fixture
def pg_client(pg_settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(pg_settings)) as client:
        yield client


@pytest.fixture
def pg_session(pg_settings: Settings) -> Iterator[Session]:
    engine = make_engine(pg_settings.sqlalchemy_url)
    with Session(engine) as session:
        yield session
    engine.dispose()


@pytest.fixture(scope="session")
def second_model() -> tuple[bytes, artifact.ModelCard]:
    """Another model version: a logistic regression on other synthetic rows, through the pipeline's own
    fit, export and parity check."""
    raw, y = raw_and_labels(synthetic.generate(30_000, seed=21))
    data, rows, raw_test, y_test = prepare(raw, y, "synthetic seed 21")
    result, _ = evaluate_candidate(logistic_regression(seed=0), rows, raw_test, y_test, data, QuietReporter())
    return result.onnx_bytes, result.card


def register(session: Session, settings: Settings, onnx_bytes: bytes, card: artifact.ModelCard) -> str:
    """Register a version as training does (a model_versions row) and keep it in the version store."""
    version_store.keep(version_store.store_dir(settings.var_dir), onnx_bytes, card)
    crud.record_registered_version(session, card, "fraud-detector", "2", "run-id", False, None)
    session.commit()
    return card.version
