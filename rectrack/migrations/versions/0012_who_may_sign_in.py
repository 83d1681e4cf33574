"""Who may sign in to the web app, and what officers send from the links in reminders.

- `credential`: a person's password, as an argon2 hash, and its generation;
- `token`: the SHA-256 of each secret handed out (API tokens, invitations, calendar
  feeds, update links), with when it expires, was used or was revoked;
- `submitted_update`: a progress update sent from a link, until the clerk decides;
- `sign_in_failure`: failed sign-ins, which hold an email off for a while.

Revision ID: 0012
Revises: 0011
Create Date: 2027-04-01 10:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def _instant(name: str, nullable: bool = True) -> sa.Column[object]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "credential",
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("password_hash", sa.String(), nullable=False),
        _instant("changed_at", nullable=False),
        sa.Column("generation", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["person_id"], ["person.id"], name=op.f("fk_credential_person_id_person")
        ),
        sa.PrimaryKeyConstraint("person_id", name=op.f("pk_credential")),
    )
    _tokens()
    _submitted_updates()
    op.create_table(
        "sign_in_failure",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(), nullable=False),
        _instant("at", nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sign_in_failure")),
    )
    with op.batch_alter_table("sign_in_failure", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_sign_in_failure_email"), ["email"], unique=False)


def _tokens() -> None:
    op.create_table(
        "token",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("purpose", sa.String(length=16), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("recommendation_id", sa.Integer(), nullable=True),
        sa.Column("label", sa.String(), nullable=True),
        _instant("created_at", nullable=False),
        _instant("expires_at"),
        _instant("used_at"),
        _instant("revoked_at"),
        sa.ForeignKeyConstraint(
            ["person_id"], ["person.id"], name=op.f("fk_token_person_id_person")
        ),
        sa.ForeignKeyConstraint(
            ["recommendation_id"],
            ["recommendation.id"],
            name=op.f("fk_token_recommendation_id_recommendation"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_token")),
        sa.UniqueConstraint("digest", name=op.f("uq_token_digest")),
    )
    with op.batch_alter_table("token", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_token_person_id"), ["person_id"], unique=False)


def _submitted_updates() -> None:
    op.create_table(
        "submitted_update",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token_id", sa.Integer(), nullable=False),
        sa.Column("recommendation_id", sa.Integer(), nullable=False),
        sa.Column("by_id", sa.Integer(), nullable=False),
        sa.Column("note", sa.String(), nullable=False),
        sa.Column("rag", sa.String(length=8), nullable=True),
        sa.Column("proposed_target_date", sa.Date(), nullable=True),
        _instant("at", nullable=False),
        sa.Column("decision", sa.String(length=16), nullable=True),
        sa.Column("reason", sa.String(), nullable=True),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        _instant("decided_at"),
        sa.ForeignKeyConstraint(
            ["token_id"], ["token.id"], name=op.f("fk_submitted_update_token_id_token")
        ),
        sa.ForeignKeyConstraint(
            ["recommendation_id"],
            ["recommendation.id"],
            name=op.f("fk_submitted_update_recommendation_id_recommendation"),
        ),
        sa.ForeignKeyConstraint(
            ["by_id"], ["person.id"], name=op.f("fk_submitted_update_by_id_person")
        ),
        sa.ForeignKeyConstraint(
            ["decided_by_id"], ["person.id"], name=op.f("fk_submitted_update_decided_by_id_person")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_submitted_update")),
        sa.UniqueConstraint("token_id", name=op.f("uq_submitted_update_token_id")),
    )
    with op.batch_alter_table("submitted_update", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_submitted_update_recommendation_id"), ["recommendation_id"], unique=False
        )


def downgrade() -> None:
    op.drop_table("sign_in_failure")
    op.drop_table("submitted_update")
    op.drop_table("token")
    op.drop_table("credential")
