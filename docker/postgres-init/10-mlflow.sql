-- Runs once, when the postgres volume is first initialised: MLflow keeps its own schema (and its own
-- alembic_version table) in a database of its own, beside the app's.
CREATE DATABASE mlflow;
