"""The first tables: people, bodies, meetings, reports, recommendations and history.

Revision ID: 0001
Revises: (none)
Create Date: 2026-11-23 23:14:09.325338
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "person",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("email", sa.String(), nullable=False),
        sa.Column("roles", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_person")),
        sa.UniqueConstraint("email", name=op.f("uq_person_email")),
    )
    op.create_table(
        "body",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("chair_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["chair_id"], ["person.id"], name=op.f("fk_body_chair_id_person")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_body")),
        sa.UniqueConstraint("name", name=op.f("uq_body_name")),
    )
    op.create_table(
        "meeting",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("body_id", sa.Integer(), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("title", sa.String(), nullable=False),
        sa.ForeignKeyConstraint(["body_id"], ["body.id"], name=op.f("fk_meeting_body_id_body")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_meeting")),
    )
    with op.batch_alter_table("meeting", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_meeting_body_id"), ["body_id"], unique=False)

    op.create_table(
        "report",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("reference", sa.String(), nullable=False),
        sa.Column("title", sa.String(), nullable=False),
        sa.Column("from_body_id", sa.Integer(), nullable=False),
        sa.Column("to_body_id", sa.Integer(), nullable=False),
        sa.Column("submitted_on", sa.Date(), nullable=False),
        sa.Column("response_due_on", sa.Date(), nullable=False),
        sa.ForeignKeyConstraint(
            ["from_body_id"], ["body.id"], name=op.f("fk_report_from_body_id_body")
        ),
        sa.ForeignKeyConstraint(
            ["to_body_id"], ["body.id"], name=op.f("fk_report_to_body_id_body")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_report")),
        sa.UniqueConstraint("reference", name=op.f("uq_report_reference")),
    )
    op.create_table(
        "recommendation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("report_id", sa.Integer(), nullable=False),
        sa.Column("reference", sa.String(), nullable=False),
        sa.Column("code", sa.String(), nullable=False),
        sa.Column("text", sa.String(), nullable=False),
        sa.Column("priority", sa.String(), nullable=True),
        sa.Column("owner_id", sa.Integer(), nullable=True),
        sa.Column("lead_member_id", sa.Integer(), nullable=True),
        sa.Column("state", sa.String(length=32), nullable=False),
        sa.Column("target_date", sa.Date(), nullable=True),
        sa.Column("original_target_date", sa.Date(), nullable=True),
        sa.Column("monitoring_date", sa.Date(), nullable=True),
        sa.Column("rag", sa.String(length=8), nullable=True),
        sa.Column("closure_outcome", sa.String(length=32), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["lead_member_id"], ["person.id"], name=op.f("fk_recommendation_lead_member_id_person")
        ),
        sa.ForeignKeyConstraint(
            ["owner_id"], ["person.id"], name=op.f("fk_recommendation_owner_id_person")
        ),
        sa.ForeignKeyConstraint(
            ["report_id"], ["report.id"], name=op.f("fk_recommendation_report_id_report")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_recommendation")),
        sa.UniqueConstraint("code", name=op.f("uq_recommendation_code")),
        sa.UniqueConstraint("report_id", "reference", name=op.f("uq_recommendation_report_id")),
    )
    with op.batch_alter_table("recommendation", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_recommendation_owner_id"), ["owner_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_recommendation_report_id"), ["report_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_recommendation_state"), ["state"], unique=False)

    op.create_table(
        "amendment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("recommendation_id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(), nullable=False),
        sa.Column("endorsed_by_id", sa.Integer(), nullable=False),
        sa.Column("endorsed_on", sa.Date(), nullable=False),
        sa.Column("changes", sa.JSON(), nullable=False),
        sa.Column("by_id", sa.Integer(), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["by_id"], ["person.id"], name=op.f("fk_amendment_by_id_person")),
        sa.ForeignKeyConstraint(
            ["endorsed_by_id"], ["body.id"], name=op.f("fk_amendment_endorsed_by_id_body")
        ),
        sa.ForeignKeyConstraint(
            ["recommendation_id"],
            ["recommendation.id"],
            name=op.f("fk_amendment_recommendation_id_recommendation"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_amendment")),
    )
    with op.batch_alter_table("amendment", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_amendment_recommendation_id"), ["recommendation_id"], unique=False
        )

    op.create_table(
        "event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("recommendation_id", sa.Integer(), nullable=False),
        sa.Column("event", sa.String(length=32), nullable=False),
        sa.Column("from_state", sa.String(length=32), nullable=True),
        sa.Column("to_state", sa.String(length=32), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("note", sa.String(), nullable=True),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["actor_id"], ["person.id"], name=op.f("fk_event_actor_id_person")),
        sa.ForeignKeyConstraint(
            ["recommendation_id"],
            ["recommendation.id"],
            name=op.f("fk_event_recommendation_id_recommendation"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_event")),
    )
    with op.batch_alter_table("event", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_event_recommendation_id"), ["recommendation_id"], unique=False
        )

    op.create_table(
        "indicator",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("recommendation_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("unit", sa.String(), nullable=True),
        sa.Column("baseline", sa.Float(), nullable=True),
        sa.Column("target", sa.Float(), nullable=True),
        sa.Column("actual", sa.Float(), nullable=True),
        sa.ForeignKeyConstraint(
            ["recommendation_id"],
            ["recommendation.id"],
            name=op.f("fk_indicator_recommendation_id_recommendation"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_indicator")),
    )
    with op.batch_alter_table("indicator", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_indicator_recommendation_id"), ["recommendation_id"], unique=False
        )

    op.create_table(
        "milestone",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("recommendation_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=True),
        sa.Column("done_on", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(
            ["recommendation_id"],
            ["recommendation.id"],
            name=op.f("fk_milestone_recommendation_id_recommendation"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_milestone")),
    )
    with op.batch_alter_table("milestone", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_milestone_recommendation_id"), ["recommendation_id"], unique=False
        )

    op.create_table(
        "progressupdate",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("recommendation_id", sa.Integer(), nullable=False),
        sa.Column("note", sa.String(), nullable=False),
        sa.Column("rag", sa.String(length=8), nullable=True),
        sa.Column("by_id", sa.Integer(), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["by_id"], ["person.id"], name=op.f("fk_progressupdate_by_id_person")
        ),
        sa.ForeignKeyConstraint(
            ["recommendation_id"],
            ["recommendation.id"],
            name=op.f("fk_progressupdate_recommendation_id_recommendation"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_progressupdate")),
    )
    with op.batch_alter_table("progressupdate", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_progressupdate_recommendation_id"), ["recommendation_id"], unique=False
        )

    op.create_table(
        "response",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("recommendation_id", sa.Integer(), nullable=False),
        sa.Column("decision", sa.String(length=32), nullable=False),
        sa.Column("timescale", sa.Date(), nullable=True),
        sa.Column("comment", sa.String(), nullable=True),
        sa.Column("by_id", sa.Integer(), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["by_id"], ["person.id"], name=op.f("fk_response_by_id_person")),
        sa.ForeignKeyConstraint(
            ["recommendation_id"],
            ["recommendation.id"],
            name=op.f("fk_response_recommendation_id_recommendation"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_response")),
    )
    with op.batch_alter_table("response", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_response_recommendation_id"), ["recommendation_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("response", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_response_recommendation_id"))

    op.drop_table("response")
    with op.batch_alter_table("progressupdate", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_progressupdate_recommendation_id"))

    op.drop_table("progressupdate")
    with op.batch_alter_table("milestone", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_milestone_recommendation_id"))

    op.drop_table("milestone")
    with op.batch_alter_table("indicator", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_indicator_recommendation_id"))

    op.drop_table("indicator")
    with op.batch_alter_table("event", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_event_recommendation_id"))

    op.drop_table("event")
    with op.batch_alter_table("amendment", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_amendment_recommendation_id"))

    op.drop_table("amendment")
    with op.batch_alter_table("recommendation", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_recommendation_state"))
        batch_op.drop_index(batch_op.f("ix_recommendation_report_id"))
        batch_op.drop_index(batch_op.f("ix_recommendation_owner_id"))

    op.drop_table("recommendation")
    op.drop_table("report")
    with op.batch_alter_table("meeting", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_meeting_body_id"))

    op.drop_table("meeting")
    op.drop_table("body")
    op.drop_table("person")
