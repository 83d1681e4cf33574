"""Every outbox message has its bytes: the email is built when it is queued.

Revision 0004 left the column nullable for messages queued before it, which the
dispatcher built as it sent them. No such database was released, so the column is
now required and the dispatcher has one way to send: the stored bytes.

Revision ID: 0005
Revises: 0004
Create Date: 2027-02-15 11:20:04.118530
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.alter_column("content", existing_type=sa.LargeBinary(), nullable=False)


def downgrade() -> None:
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.alter_column("content", existing_type=sa.LargeBinary(), nullable=True)
