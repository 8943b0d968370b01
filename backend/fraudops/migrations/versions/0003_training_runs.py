"""Training runs (the retraining lock and outcomes); registered versions in model_versions.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "training_runs",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("trigger", sa.String(20), nullable=False),
        sa.Column("options", sa.JSON(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("pid", sa.Integer(), nullable=True),
        sa.Column("rows", sa.Integer(), nullable=True),
        sa.Column("frauds", sa.Integer(), nullable=True),
        sa.Column("best_candidate", sa.String(100), nullable=True),
        sa.Column("model_version", sa.String(100), nullable=True),
        sa.Column("registry_version", sa.String(20), nullable=True),
        sa.Column("mlflow_run_id", sa.String(64), nullable=True),
        sa.Column("promoted", sa.Boolean(), nullable=True),
        sa.Column("decision", sa.Text(), nullable=True),
        sa.Column("summary", sa.JSON(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
    )
    # At most one running training: the lock that keeps retraining to one run at a time.
    op.create_index(
        "uq_training_runs_one_running",
        "training_runs",
        ["status"],
        unique=True,
        sqlite_where=sa.text("status = 'running'"),
        postgresql_where=sa.text("status = 'running'"),
    )
    with op.batch_alter_table("model_versions") as batch:
        batch.alter_column("first_served_at", existing_type=sa.DateTime(timezone=True), nullable=True)
        batch.add_column(sa.Column("registered_model", sa.String(100), nullable=True))
        batch.add_column(sa.Column("registry_version", sa.String(20), nullable=True))
        batch.add_column(sa.Column("mlflow_run_id", sa.String(64), nullable=True))
        batch.add_column(sa.Column("registered_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("promoted", sa.Boolean(), nullable=True))
        batch.add_column(sa.Column("training_run_id", sa.Integer(), nullable=True))


def downgrade() -> None:
    op.execute("DELETE FROM model_versions WHERE first_served_at IS NULL")
    with op.batch_alter_table("model_versions") as batch:
        for name in (
            "training_run_id",
            "promoted",
            "registered_at",
            "mlflow_run_id",
            "registry_version",
            "registered_model",
        ):
            batch.drop_column(name)
        batch.alter_column("first_served_at", existing_type=sa.DateTime(timezone=True), nullable=False)
    op.drop_index("uq_training_runs_one_running", table_name="training_runs")
    op.drop_table("training_runs")
