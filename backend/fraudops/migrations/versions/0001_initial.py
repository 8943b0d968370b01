"""Batches, transactions, predictions, model versions.

Revision ID: 0001
Revises:
Create Date: 2026-11-23
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Frozen copy of the feature columns as they were at this revision.
_FEATURES = ["time", *(f"v{i}" for i in range(1, 29)), "amount"]


def upgrade() -> None:
    op.create_table(
        "batches",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("sha256", sa.String(64), nullable=False, unique=True),
        sa.Column("filename", sa.String(255), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("row_count", sa.Integer(), nullable=False),
        sa.Column("labeled", sa.Boolean(), nullable=False),
        sa.Column("fraud_count", sa.Integer(), nullable=True),
        sa.Column("flagged_count", sa.Integer(), nullable=False),
        sa.Column("threshold", sa.Double(), nullable=False),
        sa.Column("model_version", sa.String(100), nullable=False),
        sa.Column("metrics", sa.JSON(), nullable=True),
        sa.Column("metrics_reason", sa.Text(), nullable=True),
        sa.Column("timings", sa.JSON(), nullable=False),
    )
    op.create_table(
        "model_versions",
        sa.Column("version", sa.String(100), primary_key=True),
        sa.Column("kind", sa.String(50), nullable=False),
        sa.Column("threshold", sa.Double(), nullable=False),
        sa.Column("metrics", sa.JSON(), nullable=False),
        sa.Column("training", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("first_served_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "transactions",
        sa.Column("batch_id", sa.Integer(), primary_key=True),  # no foreign key: see tables.py
        sa.Column("row_number", sa.BigInteger(), primary_key=True),
        sa.Column("external_id", sa.Text(), nullable=True),
        *(sa.Column(name, sa.Double(), nullable=False) for name in _FEATURES),
        sa.Column("label", sa.SmallInteger(), nullable=True),
    )
    op.create_table(
        "predictions",
        sa.Column("batch_id", sa.Integer(), primary_key=True),  # no foreign key: see tables.py
        sa.Column("row_number", sa.BigInteger(), primary_key=True),
        sa.Column("probability", sa.Double(), nullable=False),
        sa.Column("is_fraud", sa.Boolean(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("predictions")
    op.drop_table("transactions")
    op.drop_table("model_versions")
    op.drop_table("batches")
