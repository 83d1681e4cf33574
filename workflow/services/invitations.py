"""Invitations: a link by mail with which a person sets their own password and signs in.

The clerk sends one (`invite`); the person opens it (`open_invitation`, which reads
only) and chooses a password (`accept_invitation`), which uses the link up and signs
them in. A link works for INVITATION_DAYS and once.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import Session

from config.workflow_table import WorkflowTable
from workflow import store
from workflow.db import transaction
from workflow.errors import BadInput
from workflow.letters import Letter, Postbox
from workflow.models import Person, Token
from workflow.records import Actor
from workflow.services.accounts import (
    SignedIn,
    TokenRefused,
    check_password,
    find_token,
    issue_token,
    keep_password,
    signed_in,
    use_up,
)
from workflow.services.directory import _allowed, audit

PURPOSE = "invite"
INVITATION_DAYS = 7


def invite(
    session: Session,
    table: WorkflowTable,
    postbox: Postbox,
    actor: Actor,
    now: datetime,
    email: str,
    base_url: str,
    tz: ZoneInfo,
) -> datetime:
    """Mail `email` a link to set their password with (the clerk's act); return when it
    stops working (told in `tz`, the council's zone). The link and its mail are kept
    together, or neither.
    """
    _allowed(table, actor)
    person = store.get_person(session=session, email=email)
    assert person.id is not None
    expires_at = now + timedelta(days=INVITATION_DAYS)
    with transaction(session):
        token = issue_token(session, PURPOSE, person.id, now, expires_at=expires_at)
        url = f"{base_url.rstrip('/')}/invite/{token}"
        link = {"url": url, "until": expires_at.astimezone(tz), "days": INVITATION_DAYS}
        postbox.post(session, Letter("invitation", person.email, person.name, {"link": link}), now)
        audit(session, actor, now, "person", person.email, "edit", None, {"invited": True})
    return expires_at


def open_invitation(session: Session, token: str, now: datetime) -> Person:
    """Whom the invitation `token` is for; raise TokenRefused if it cannot be used. Reads only."""
    return _person(session, find_token(session, token, PURPOSE, now))


def accept_invitation(
    session: Session, token: str, password: str, repeated: str, now: datetime
) -> SignedIn:
    """Set the invited person's password, use the link up, and return them signed in.

    Raises TokenRefused for a link that cannot be used, and BadInput (field `password`
    or `password_again`) for a password that cannot be one or was not typed the same twice.
    """
    row = find_token(session, token, PURPOSE, now)
    person = _person(session, row)
    check_password(password, person.email)
    if password != repeated:
        raise BadInput("password_again", "the two passwords are not the same")
    actor = Actor(person.email, frozenset(person.roles), person.id)
    with transaction(session):
        use_up(session, row, now)
        credential = keep_password(session, actor, now, person, password)
    return signed_in(person, credential.generation)


def _person(session: Session, row: Token) -> Person:
    person = session.get(Person, row.person_id)
    if person is None:
        raise TokenRefused("this invitation is for someone rectrack no longer holds", gone=True)
    return person
