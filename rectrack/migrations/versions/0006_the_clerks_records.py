"""The clerk's records: the day a thing happened, groups, undone changes, audit rows.

- every history line, response and progress update gets `effective_on`, the day it
  happened (a meeting, a board's decision), beside `at`, when it was recorded: those
  already held get the day they were recorded;
- a recommendation may have a group (key, individual) and a parent;
- a response, amendment or progress update whose event was undone is kept, marked;
- a meeting may be cancelled and kept;
- an indicator has a dated series of readings;
- every change to a person, body or meeting is an audit row.

Revision ID: 0006
Revises: 0005
Create Date: 2027-03-01 10:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

DATED = ("event", "response", "progressupdate")  # each gets effective_on, from `at`
UNDOABLE = ("response", "amendment", "progressupdate")


def upgrade() -> None:
    for table in DATED:
        _add_effective_on(table)
    for table in UNDOABLE:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(
                sa.Column("undone", sa.Boolean(), nullable=False, server_default=sa.false())
            )
    _recommendation_groups()
    with op.batch_alter_table("meeting", schema=None) as batch_op:
        batch_op.add_column(sa.Column("cancelled_at", sa.DateTime(timezone=True), nullable=True))
    _readings()
    _audit()


def _add_effective_on(table: str) -> None:
    with op.batch_alter_table(table, schema=None) as batch_op:
        batch_op.add_column(sa.Column("effective_on", sa.Date(), nullable=True))
    day = "date(at)" if op.get_bind().dialect.name == "sqlite" else "CAST(at AS DATE)"
    op.execute(f"UPDATE {table} SET effective_on = {day}")
    with op.batch_alter_table(table, schema=None) as batch_op:
        batch_op.alter_column("effective_on", existing_type=sa.Date(), nullable=False)


def _recommendation_groups() -> None:
    with op.batch_alter_table("recommendation", schema=None) as batch_op:
        batch_op.add_column(sa.Column("group_name", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("parent_id", sa.Integer(), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_recommendation_parent_id"), ["parent_id"], unique=False
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_recommendation_parent_id_recommendation"),
            "recommendation",
            ["parent_id"],
            ["id"],
        )


def _readings() -> None:
    op.create_table(
        "indicator_reading",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("indicator_id", sa.Integer(), nullable=False),
        sa.Column("value", sa.Float(), nullable=False),
        sa.Column("on", sa.Date(), nullable=False),
        sa.Column("by_id", sa.Integer(), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["indicator_id"],
            ["indicator.id"],
            name=op.f("fk_indicator_reading_indicator_id_indicator"),
        ),
        sa.ForeignKeyConstraint(
            ["by_id"], ["person.id"], name=op.f("fk_indicator_reading_by_id_person")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_indicator_reading")),
    )
    with op.batch_alter_table("indicator_reading", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_indicator_reading_indicator_id"), ["indicator_id"], unique=False
        )


def _audit() -> None:
    op.create_table(
        "audit",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("record", sa.String(length=16), nullable=False),
        sa.Column("key", sa.String(), nullable=False),
        sa.Column("action", sa.String(length=16), nullable=False),
        sa.Column("before", sa.JSON(), nullable=True),
        sa.Column("after", sa.JSON(), nullable=True),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["actor_id"], ["person.id"], name=op.f("fk_audit_actor_id_person")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit")),
    )
    with op.batch_alter_table("audit", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_audit_at"), ["at"], unique=False)


def downgrade() -> None:
    op.drop_table("audit")
    op.drop_table("indicator_reading")
    with op.batch_alter_table("meeting", schema=None) as batch_op:
        batch_op.drop_column("cancelled_at")
    with op.batch_alter_table("recommendation", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_recommendation_parent_id_recommendation"), type_="foreignkey"
        )
        batch_op.drop_index(batch_op.f("ix_recommendation_parent_id"))
        batch_op.drop_column("parent_id")
        batch_op.drop_column("group_name")
    for table in UNDOABLE:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column("undone")
    for table in DATED:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column("effective_on")
