"""Calendar feeds: each person's secret address for the committee's calendar.

A calendar application polls the address for as long as it is subscribed, so the
token does not expire; making a new address withdraws the old one, which is how a
person stops a copy they no longer trust.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, col, select

from workflow.db import transaction
from workflow.models import Token
from workflow.records import Actor
from workflow.services.accounts import find_token, issue_token
from workflow.services.people import find_actor

CALENDAR = "calendar"  # the tokens' purpose


def new_calendar_token(session: Session, actor: Actor, now: datetime) -> str:
    """A new calendar token for `actor`, their earlier ones withdrawn, in one transaction."""
    person_id = actor.person_id
    if person_id is None:  # an actor built without the database: look them up
        person_id = find_actor(session, actor.email).person_id
    assert person_id is not None
    live = select(Token).where(
        Token.person_id == person_id, Token.purpose == CALENDAR, col(Token.revoked_at).is_(None)
    )
    with transaction(session):
        for row in session.exec(live):
            row.revoked_at = now
            session.add(row)
        return issue_token(session, CALENDAR, person_id, now, label="calendar feed")


def calendar_holder(session: Session, token: str, now: datetime) -> int:
    """The id of the person a calendar token is for; raise TokenRefused if it cannot be used."""
    return find_token(session, token, CALENDAR, now).person_id
