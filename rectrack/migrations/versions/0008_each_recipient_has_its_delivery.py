"""Each outbox message keeps where it stands for each recipient: its deliveries.

A server takes or refuses a message recipient by recipient. Until this revision a
message had one status for all: a copy refused for now had the whole message sent
again to everyone, and a copy refused for good failed a message its recipient had.
Now each recipient has a delivery (queued, sent or failed), and an attempt goes
only to those still queued. Messages stored before it get a delivery per recipient
in the message's own state: sent, failed (as a failed message was retried to all),
or queued.

Revision ID: 0008
Revises: 0007
Create Date: 2027-02-22 09:12:45.301877
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

# The table as this revision finds it; the models may have moved on.
outbox = sa.table(
    "outbox",
    sa.column("id", sa.Integer()),
    sa.column("recipient", sa.String()),
    sa.column("cc", sa.JSON()),
    sa.column("status", sa.String()),
    sa.column("sent_at", sa.DateTime(timezone=True)),
    sa.column("last_error", sa.String()),
    sa.column("deliveries", sa.JSON()),
)


def upgrade() -> None:
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.add_column(sa.Column("deliveries", sa.JSON(), nullable=True))
    connection = op.get_bind()
    found = sa.select(
        outbox.c.id,
        outbox.c.recipient,
        outbox.c.cc,
        outbox.c.status,
        outbox.c.sent_at,
        outbox.c.last_error,
    )
    for row in connection.execute(found).all():
        stored = _deliveries(row.recipient, row.cc, row.status, row.sent_at, row.last_error)
        connection.execute(outbox.update().where(outbox.c.id == row.id).values(deliveries=stored))
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.alter_column("deliveries", existing_type=sa.JSON(), nullable=False)


def _deliveries(
    recipient: str, cc: list[str], status: str, sent_at: datetime | None, error: str | None
) -> list[dict[str, Any]]:
    delivery: dict[str, Any] = {"status": status if status in ("sent", "failed") else "queued"}
    if status == "sent" and sent_at is not None:
        # SQLite hands back the stored UTC time without its zone.
        delivery["at"] = (sent_at if sent_at.tzinfo else sent_at.replace(tzinfo=UTC)).isoformat()
    if status != "sent" and error:
        delivery["error"] = error
    return [{"to": to, **delivery} for to in (recipient, *cc)]


def downgrade() -> None:
    # Before this revision a message is sent to all its recipients or to none.
    partly_sent = outbox.c.status == "partly-sent"
    op.get_bind().execute(outbox.update().where(partly_sent).values(status="queued"))
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_column("deliveries")
