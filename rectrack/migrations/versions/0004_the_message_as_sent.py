"""Each outbox message keeps the email as sent: its bytes, built once when it is queued.

Messages queued before this revision have none; the dispatcher builds those from
their subject and bodies when it sends them.

Revision ID: 0004
Revises: 0003
Create Date: 2027-02-08 10:41:17.530912
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.add_column(sa.Column("content", sa.LargeBinary(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_column("content")
