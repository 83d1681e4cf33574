"""Sweeps take turns by their rows: a running sweep holds a lease, a done one gives `since`.

A sweep now writes in short transactions, batch by batch, rather than in one that
held the database's write lock for all of its work. Its row is written first, as
`running` with a lease, and marked `done` (or `stopped`) at the end. Sweeps recorded
before this revision all finished: they are `done`.

Revision ID: 0007
Revises: 0006
Create Date: 2027-02-22 10:05:41.226318
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("sweep", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("status", sa.String(length=16), nullable=False, server_default="done")
        )
        batch_op.add_column(sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index("ix_sweep_status_at", ["status", "at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("sweep", schema=None) as batch_op:
        batch_op.drop_index("ix_sweep_status_at")
        batch_op.drop_column("lease_until")
        batch_op.drop_column("status")
