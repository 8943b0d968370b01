"""Batch roles and tags, rescoring a batch with any model version, shadow scores and stored reasons on
the prediction log, label events for batch rows, and the policy changes (bands, challenger) made by admins.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-30
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("batches") as batch:
        batch.add_column(sa.Column("role", sa.String(16), nullable=False, server_default="training"))
        batch.add_column(sa.Column("tags", sa.JSON(), nullable=True))
        batch.add_column(sa.Column("hidden", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch.create_check_constraint("ck_batches_role", "role IN ('training', 'evaluation')")
    with op.batch_alter_table("training_runs") as batch:
        batch.add_column(sa.Column("batches_read", sa.JSON(), nullable=True))
    with op.batch_alter_table("prediction_log") as batch:
        batch.add_column(sa.Column("shadow_probability", sa.Double(), nullable=True))
        batch.add_column(sa.Column("shadow_version", sa.String(100), nullable=True))
        batch.add_column(sa.Column("reasons", sa.JSON(), nullable=True))
    with op.batch_alter_table("label_events") as batch:
        batch.alter_column("request_id", existing_type=sa.String(64), nullable=True)
        batch.add_column(sa.Column("batch_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("row_number", sa.BigInteger(), nullable=True))
    op.create_index("ix_label_events_batch_row", "label_events", ["batch_id", "row_number"])
    op.create_table(
        "policy_events",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("value", sa.JSON(), nullable=False),
        sa.Column("actor", sa.String(100), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
    )
    op.create_index("ix_policy_events_kind_id", "policy_events", ["kind", "id"])
    op.create_table(
        "batch_scorings",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("batch_id", sa.Integer(), nullable=False),
        sa.Column("model_version", sa.String(100), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("rows_done", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("row_count", sa.Integer(), nullable=False),
        sa.Column("threshold", sa.Double(), nullable=True),
        sa.Column("metrics", sa.JSON(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.UniqueConstraint("batch_id", "model_version", name="uq_batch_scorings_batch_version"),
    )
    op.create_table(
        "batch_scores",
        sa.Column("scoring_id", sa.Integer(), primary_key=True),
        sa.Column("row_number", sa.BigInteger(), primary_key=True),
        sa.Column("probability", sa.Double(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("batch_scores")
    op.drop_table("batch_scorings")
    op.drop_index("ix_policy_events_kind_id", table_name="policy_events")
    op.drop_table("policy_events")
    op.drop_index("ix_label_events_batch_row", table_name="label_events")
    with op.batch_alter_table("label_events") as batch:
        batch.drop_column("row_number")
        batch.drop_column("batch_id")
        batch.alter_column("request_id", existing_type=sa.String(64), nullable=False)
    with op.batch_alter_table("prediction_log") as batch:
        batch.drop_column("reasons")
        batch.drop_column("shadow_version")
        batch.drop_column("shadow_probability")
    with op.batch_alter_table("training_runs") as batch:
        batch.drop_column("batches_read")
    with op.batch_alter_table("batches") as batch:
        batch.drop_constraint("ck_batches_role", type_="check")
        batch.drop_column("hidden")
        batch.drop_column("tags")
        batch.drop_column("role")
