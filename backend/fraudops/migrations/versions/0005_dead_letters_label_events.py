"""Dead letters (rows the database refused, parked instead of retried for ever) and label events
(every label given to a logged prediction, so no label is silently overwritten).

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-30
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "dead_letters",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("source", sa.String(32), nullable=False),
        sa.Column("key", sa.String(200), nullable=True),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("error", sa.Text(), nullable=False),
    )
    op.create_table(
        "label_events",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("request_id", sa.String(64), nullable=False),
        sa.Column("label", sa.SmallInteger(), nullable=False),
        sa.Column("previous_label", sa.SmallInteger(), nullable=True),
        sa.Column("source", sa.String(32), nullable=False),
        sa.Column("actor", sa.String(100), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
    )
    op.create_index("ix_label_events_request_id", "label_events", ["request_id"])


def downgrade() -> None:
    op.drop_index("ix_label_events_request_id", table_name="label_events")
    op.drop_table("label_events")
    op.drop_table("dead_letters")
