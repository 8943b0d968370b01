"""Decision bands, drift per batch, reasons for flagged rows.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("batches") as batch:
        batch.add_column(sa.Column("bands", sa.JSON(), nullable=True))
        batch.add_column(sa.Column("drift", sa.JSON(), nullable=True))
    with op.batch_alter_table("predictions") as batch:
        batch.add_column(sa.Column("band", sa.SmallInteger(), nullable=True))
    with op.batch_alter_table("prediction_log") as batch:
        batch.add_column(sa.Column("band", sa.SmallInteger(), nullable=True))
        batch.add_column(sa.Column("review_at", sa.Double(), nullable=True))
        batch.add_column(sa.Column("decline_at", sa.Double(), nullable=True))
    op.create_table(
        "prediction_reasons",
        sa.Column("batch_id", sa.Integer(), primary_key=True),
        sa.Column("row_number", sa.BigInteger(), primary_key=True),
        sa.Column("reasons", sa.JSON(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("prediction_reasons")
    with op.batch_alter_table("prediction_log") as batch:
        batch.drop_column("decline_at")
        batch.drop_column("review_at")
        batch.drop_column("band")
    with op.batch_alter_table("predictions") as batch:
        batch.drop_column("band")
    with op.batch_alter_table("batches") as batch:
        batch.drop_column("drift")
        batch.drop_column("bands")
