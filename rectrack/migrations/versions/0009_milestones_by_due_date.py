"""Milestones are found by their due date: the sweep reminds owners before each one.

A sweep loads only the milestones that can be due, a range of due dates; without an
index that reads the whole table at every sweep.

Revision ID: 0009
Revises: 0008
Create Date: 2027-03-08 09:00:00.000000
"""

from __future__ import annotations

from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_milestone_due_on", "milestone", ["due_on"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_milestone_due_on", table_name="milestone")
