"""Fixtures of the API tests needing PostgreSQL on its own (roles, scorings): tests/scoring_support.py."""

from tests.scoring_support import pg_client, pg_session, pg_settings, pg_url, second_model

__all__ = ["pg_client", "pg_session", "pg_settings", "pg_url", "second_model"]
