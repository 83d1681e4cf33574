"""Who is acting: the person on whose behalf a change is made."""

from __future__ import annotations

from sqlmodel import Session

from workflow import store
from workflow.errors import BadInput
from workflow.records import Actor


def find_actor(session: Session, email: str) -> Actor:
    """Return the person of `email`, with their roles; raise NotFound if nobody has it."""
    person = store.get_person(session=session, email=email)
    return Actor(person.email, frozenset(person.roles), person.id)


def actor_for(session: Session, email: str | None) -> Actor:
    """The person named as acting, who must be named: every change says on whose behalf."""
    if not email:
        raise BadInput("by", "say on whose behalf this is done")
    return find_actor(session, email)
