"""Prediction log for real-time scoring, and stream runs.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_FEATURES = ["time", *(f"v{i}" for i in range(1, 29)), "amount"]


def upgrade() -> None:
    op.create_table(
        "prediction_log",
        sa.Column("request_id", sa.String(64), primary_key=True),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("external_id", sa.Text(), nullable=True),
        *(sa.Column(name, sa.Double(), nullable=False) for name in _FEATURES),
        sa.Column("probability", sa.Double(), nullable=False),
        sa.Column("is_fraud", sa.Boolean(), nullable=False),
        sa.Column("threshold", sa.Double(), nullable=False),
        sa.Column("model_version", sa.String(100), nullable=False),
        sa.Column("latency_ms", sa.Double(), nullable=False),
        sa.Column("label", sa.SmallInteger(), nullable=True),
        sa.Column("labeled_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index("ix_prediction_log_received_at", "prediction_log", ["received_at"])
    op.create_table(
        "stream_runs",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("source_file", sa.String(255), nullable=False),
        sa.Column("target", sa.String(16), nullable=False),
        sa.Column("summary", sa.JSON(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("stream_runs")
    op.drop_index("ix_prediction_log_received_at", table_name="prediction_log")
    op.drop_table("prediction_log")
