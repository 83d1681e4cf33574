"""Update links: what an owner sends from the link in a reminder, and the clerk's decision.

A link opens one recommendation for its owner without a password. Reading it
(`open_link`) writes nothing, since mail scanners follow every link they see;
`submit_update` keeps what the owner sent as a `SubmittedUpdate`, uses the link up and
mails the owner a confirmation, all in one transaction. The clerk then accepts it
(it becomes the owner's progress update, dated the day it was sent) or rejects it
with a reason that is mailed to the owner.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import update
from sqlmodel import Session, col, select

from workflow.db import transaction
from workflow.errors import BadInput, NotAllowed, NotFound, WorkflowError
from workflow.letters import Letter, Postbox
from workflow.limits import TEXT_MAX, out_of_range, too_long
from workflow.models import Person, Recommendation, SubmittedUpdate, Token
from workflow.records import RAGS, Actor
from workflow.services.accounts import TokenRefused, find_token, use_up
from workflow.services.changes import add_update_in, choices
from workflow.services.people import find_actor
from workflow.services.reading import show_recommendation

if TYPE_CHECKING:
    from workflow.lifecycle import Lifecycle

PURPOSE = "update"
DECIDES = "clerk"  # the role that accepts or rejects what links send
LAST_MOMENT = timedelta(microseconds=1)  # a link expires at midnight: it works the day before


class UpdateDecided(WorkflowError):
    """The update sent from a link was accepted or rejected already: it is decided once."""

    def __init__(self, update_id: int, decision: str) -> None:
        self.update_id, self.decision = update_id, decision
        super().__init__(f"this update was {decision} already: each is decided once")


class LinkNotNeeded(TokenRefused):
    """A link for a recommendation that no longer wants an update from its holder."""

    def __init__(self, code: str) -> None:
        super().__init__(
            f"{code} no longer needs an update from you: it is closed or has a new owner",
            gone=True,
        )


@dataclass(frozen=True)
class Proposed:
    """What the owner typed into the link's form, as read (each None if left empty)."""

    note: str | None
    rag: str | None
    target_date: date | None


@dataclass(frozen=True)
class LinkView:
    """What a link shows: the recommendation, its latest update, whose link it is, until when."""

    recommendation: dict[str, Any]
    latest_update: dict[str, Any] | None
    person: str
    until: date | None  # the last local day it works


@dataclass(frozen=True)
class Pending:
    """An update sent from a link, as the clerk weighs it."""

    id: int
    code: str
    text: str
    officer: str
    officer_email: str
    note: str
    rag: str | None
    proposed_target_date: date | None
    at: datetime
    decision: str | None


def open_link(session: Session, lifecycle: Lifecycle, token: str, now: datetime) -> LinkView:
    """What the link `token` opens; raise TokenRefused if it cannot be used now. Reads only."""
    row, rec, person = _usable(session, lifecycle, token, now)
    shown = show_recommendation(session, rec.code)
    updates = [line for line in shown["updates"] if not line.get("undone")]
    until = lifecycle.today(row.expires_at - LAST_MOMENT) if row.expires_at else None
    return LinkView(shown, updates[-1] if updates else None, person.name, until)


def submit_update(
    session: Session,
    lifecycle: Lifecycle,
    postbox: Postbox,
    token: str,
    proposed: Proposed,
    now: datetime,
) -> Pending:
    """Keep what the link's owner sent for the clerk to decide on, use the link up and mail
    the owner a confirmation: all of it, or (on a refusal) none.

    Raises TokenRefused for a link that cannot be used, and BadInput naming the field for
    a note left empty or too long, a RAG that is not one, or a proposed target date that
    is out of range or not after today.
    """
    row, rec, person = _usable(session, lifecycle, token, now)
    note = _checked(proposed, lifecycle.today(now))
    assert row.id is not None and rec.id is not None and person.id is not None
    with transaction(session):
        use_up(session, row, now)
        sent = SubmittedUpdate(
            token_id=row.id, recommendation_id=rec.id, by_id=person.id, note=note,
            rag=proposed.rag, proposed_target_date=proposed.target_date, at=now,
        )  # fmt: skip
        session.add(sent)
        session.flush()
        pending = _pending(sent, rec, person)
        postbox.post(session, _letter("update-received", pending, lifecycle), now)
    return pending


def _usable(
    session: Session, lifecycle: Lifecycle, token: str, now: datetime
) -> tuple[Token, Recommendation, Person]:
    row = find_token(session, token, PURPOSE, now)
    rec = session.get(Recommendation, row.recommendation_id or 0)
    person = session.get(Person, row.person_id)
    if rec is None or person is None:
        raise TokenRefused("this link is for a recommendation rectrack no longer holds", gone=True)
    owner = Actor(person.email, frozenset(person.roles), person.id)
    if not choices(session, lifecycle, rec.code, owner).may_update:
        raise LinkNotNeeded(rec.code)
    return row, rec, person


def _checked(proposed: Proposed, today: date) -> str:
    """The note, once everything sent is one rectrack takes; raise BadInput if not."""
    if proposed.note is None:
        raise BadInput("note", "say what has been done: an update needs a note")
    reason = too_long(proposed.note, TEXT_MAX)
    if reason:
        raise BadInput("note", f"the note {reason}")
    if proposed.rag is not None and proposed.rag not in RAGS:
        raise BadInput("rag", f"the RAG status must be one of {', '.join(RAGS)}")
    day = proposed.target_date
    reason = out_of_range(day) if day else None
    if day and reason:
        raise BadInput("target_date", f"the new target date {reason}")
    if day and day <= today:
        raise BadInput("target_date", f"a new target date is after today; {day} is not")
    return proposed.note


# The clerk's decision


def pending_updates(session: Session) -> list[Pending]:
    """The updates sent from links and not yet decided on, oldest first."""
    query = (
        select(SubmittedUpdate, Recommendation, Person)
        .join(Recommendation, col(Recommendation.id) == SubmittedUpdate.recommendation_id)
        .join(Person, col(Person.id) == SubmittedUpdate.by_id)
        .where(col(SubmittedUpdate.decision).is_(None))
        .order_by(col(SubmittedUpdate.at), col(SubmittedUpdate.id))
    )
    return [_pending(sent, rec, person) for sent, rec, person in session.exec(query)]


def accept_update(
    session: Session,
    lifecycle: Lifecycle,
    postbox: Postbox,
    actor: Actor,
    update_id: int,
    now: datetime,
) -> Pending:
    """Make the update a progress update by its officer, dated the day it was sent, and
    mail the officer: all of it, or none. A proposed target date is not applied: it is
    for the committee to decide, by amending the recommendation.

    Raises NotAllowed unless `actor` is a clerk, UpdateDecided if it was decided already,
    and whatever refuses the progress update itself (the recommendation closed since).
    """
    with transaction(session):
        pending = _decide(session, actor, update_id, "accepted", None, now)
        officer = find_actor(session, pending.officer_email)
        day = lifecycle.today(pending.at)
        add_update_in(
            session, lifecycle, pending.code, officer, pending.note, pending.rag, now, day
        )
        postbox.post(session, _letter("update-accepted", pending, lifecycle), now)
    return pending


def reject_update(
    session: Session,
    lifecycle: Lifecycle,
    postbox: Postbox,
    actor: Actor,
    update_id: int,
    reason: str | None,
    now: datetime,
) -> Pending:
    """Reject the update and mail the officer why: all of it, or none.

    Raises BadInput (field `reason`) without a reason, NotAllowed unless `actor` is a
    clerk, and UpdateDecided if it was decided already.
    """
    if not reason or not reason.strip():
        raise BadInput("reason", "say why the update is rejected: the officer is told")
    if too_long(reason, TEXT_MAX):
        raise BadInput("reason", f"the reason {too_long(reason, TEXT_MAX)}")
    with transaction(session):
        pending = _decide(session, actor, update_id, "rejected", reason.strip(), now)
        letter = _letter("update-rejected", pending, lifecycle, reason=reason.strip())
        postbox.post(session, letter, now)
    return pending


def _decide(
    session: Session, actor: Actor, update_id: int, decision: str, reason: str | None, now: datetime
) -> Pending:
    """Record the decision, once: a conditional update, so two clerks cannot both decide."""
    if DECIDES not in actor.roles:
        roles = sorted(actor.roles)
        raise NotAllowed(actor.email, "decide on updates sent from links", "a clerk", roles)
    found = _one(session, update_id)
    if found.decision is not None:
        raise UpdateDecided(update_id, found.decision)
    statement = (
        update(SubmittedUpdate)
        .where(col(SubmittedUpdate.id) == update_id, col(SubmittedUpdate.decision).is_(None))
        .values(decision=decision, reason=reason, decided_by_id=actor.person_id, decided_at=now)
    )
    if session.connection().execute(statement).rowcount != 1:
        raise UpdateDecided(update_id, "decided")
    return found


def _one(session: Session, update_id: int) -> Pending:
    query = (
        select(SubmittedUpdate, Recommendation, Person)
        .join(Recommendation, col(Recommendation.id) == SubmittedUpdate.recommendation_id)
        .join(Person, col(Person.id) == SubmittedUpdate.by_id)
        .where(col(SubmittedUpdate.id) == update_id)
    )
    found = session.exec(query).first()
    if found is None:
        raise NotFound("update sent from a link", "number", str(update_id))
    return _pending(*found)


def _pending(sent: SubmittedUpdate, rec: Recommendation, person: Person) -> Pending:
    assert sent.id is not None
    return Pending(
        sent.id, rec.code, rec.text, person.name, person.email, sent.note, sent.rag,
        sent.proposed_target_date, sent.at, sent.decision,
    )  # fmt: skip


def _letter(kind: str, pending: Pending, lifecycle: Lifecycle, reason: str | None = None) -> Letter:
    """The officer's mail about their update: plain values only, for the templates."""
    about = {
        "code": pending.code,
        "text": pending.text,
        "note": pending.note,
        "rag": pending.rag,
        "proposed_target_date": pending.proposed_target_date,
        "sent_on": lifecycle.today(pending.at),
    }
    return Letter(kind, pending.officer_email, pending.officer, {"update": about, "reason": reason})
