import pytest
from alembic import command
from sqlalchemy import inspect

from fraudops.core.db import make_engine
from fraudops.core.migrate import alembic_config, upgrade_to_head
from tests.conftest import BACKENDS, empty_database_url

TABLES = {"batches", "transactions", "predictions", "model_versions"}


@pytest.mark.parametrize("backend", BACKENDS)
def test_migrations_run_from_empty_and_back(backend, tmp_path):
    urls = empty_database_url(backend, tmp_path)
    url = next(urls)
    try:
        engine = make_engine(url)
        assert not set(inspect(engine).get_table_names()) & TABLES
        upgrade_to_head(url)
        tables = set(inspect(engine).get_table_names())
        assert tables >= TABLES | {"alembic_version"}
        columns = {c["name"] for c in inspect(engine).get_columns("transactions")}
        assert {"time", "v1", "v28", "amount", "label", "external_id"} <= columns
        upgrade_to_head(url)  # idempotent
        command.downgrade(alembic_config(url), "base")
        assert not set(inspect(engine).get_table_names()) & TABLES
        upgrade_to_head(url)
        assert set(inspect(engine).get_table_names()) >= TABLES
        engine.dispose()
    finally:
        urls.close()


def test_postgres_url_forms_are_rewritten_for_the_driver():
    from fraudops.core.config import Settings

    for given in ("postgres://u:p@h:5432/d", "postgresql://u:p@h:5432/d"):
        assert Settings(database_url=given).sqlalchemy_url == "postgresql+psycopg://u:p@h:5432/d"
    assert Settings(database_url="").sqlalchemy_url.startswith("sqlite:///")


@pytest.mark.parametrize("backend", BACKENDS)
def test_migrations_build_exactly_the_tables_the_code_declares(backend, tmp_path):
    """Alembic's autogenerate finds nothing to add, drop or alter between the migrated database and
    `fraudops.tables`: a column added in one place and not the other fails here, not in production."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from fraudops.tables import Base

    urls = empty_database_url(backend, tmp_path)
    url = next(urls)
    try:
        upgrade_to_head(url)
        engine = make_engine(url)
        with engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": False})
            differences = compare_metadata(context, Base.metadata)
        engine.dispose()
        assert differences == []
    finally:
        urls.close()
