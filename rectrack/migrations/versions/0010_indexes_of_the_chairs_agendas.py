"""Indexes of the chairs' agendas: what happened since a body's last meeting, by the day.

A digest is now the chair's agenda: beside what is due for review, it lists the
body's recommendations noted or awaiting an overdue response, and what was
re-based, turned red or closed since the body's previous meeting. The sweep reads
these for the bodies meeting soon: each one's previous meeting, its reports, their
recommendations by state, and amendments, progress updates and closures by the day
they happened, so that what it reads follows the days since the last meeting, not
the history.

Revision ID: 0010
Revises: 0009
Create Date: 2027-03-01 09:00:00.000000
"""

from __future__ import annotations

from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

# (table, index, columns)
AGENDA_INDEXES = (
    ("meeting", "ix_meeting_body_id_starts_at", ["body_id", "starts_at"]),
    ("report", "ix_report_from_body_id_submitted_on", ["from_body_id", "submitted_on"]),
    ("recommendation", "ix_recommendation_state_report_id", ["state", "report_id"]),
    ("amendment", "ix_amendment_endorsed_on", ["endorsed_on"]),
    ("progressupdate", "ix_progressupdate_rag_effective_on", ["rag", "effective_on"]),
    ("event", "ix_event_to_state_effective_on", ["to_state", "effective_on"]),
)


def upgrade() -> None:
    for table, name, columns in AGENDA_INDEXES:
        op.create_index(name, table, columns, unique=False)


def downgrade() -> None:
    for table, name, _columns in AGENDA_INDEXES:
        op.drop_index(name, table_name=table)
