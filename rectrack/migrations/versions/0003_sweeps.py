"""The sweeps, and the indexes a sweep loads what can be due by.

Revision ID: 0003
Revises: 0002
Create Date: 2027-01-25 09:12:30.402117
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

# (table, index, columns): the date ranges of a sweep's window, within the open states.
WINDOW_INDEXES = (
    ("recommendation", "ix_recommendation_state_monitoring_date", ["state", "monitoring_date"]),
    ("recommendation", "ix_recommendation_state_target_date", ["state", "target_date"]),
    ("meeting", "ix_meeting_starts_at", ["starts_at"]),
    ("report", "ix_report_response_due_on", ["response_due_on"]),
)


def upgrade() -> None:
    op.create_table(
        "sweep",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("planned", sa.Integer(), nullable=False),
        sa.Column("missed", sa.Integer(), nullable=False),
        sa.Column("cancelled", sa.Integer(), nullable=False),
        sa.Column("queued", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sweep")),
    )
    with op.batch_alter_table("sweep", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_sweep_at"), ["at"], unique=False)
    for table, name, columns in WINDOW_INDEXES:
        op.create_index(name, table, columns, unique=False)


def downgrade() -> None:
    for table, name, _columns in WINDOW_INDEXES:
        op.drop_index(name, table_name=table)
    with op.batch_alter_table("sweep", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sweep_at"))
    op.drop_table("sweep")
