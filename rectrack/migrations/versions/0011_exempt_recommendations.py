"""A recommendation may be exempt: Schedule 12A information, kept out of public papers.

- `exempt` says whether it is (false for every recommendation held before);
- `exempt_reason` is the paragraph of Schedule 12A to the Local Government Act 1972
  that makes it so ("Paragraph 3: information relating to the financial or business
  affairs of any particular person"), shown in its place in a public paper.

Revision ID: 0011
Revises: 0010
Create Date: 2027-03-08 10:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("recommendation", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("exempt", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.add_column(sa.Column("exempt_reason", sa.String(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("recommendation", schema=None) as batch_op:
        batch_op.drop_column("exempt_reason")
        batch_op.drop_column("exempt")
