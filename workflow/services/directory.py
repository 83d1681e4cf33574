"""People, bodies and meetings, kept with commands; every change to them is an audit row.

Only those the table's `directory` act allows (the clerk) may change them. Each
change is one transaction with its audit row: who, when, what before, what after,
the record named as the interchange document names it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, datetime
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select

from config.workflow_table import BODY_KINDS, ROLES, WorkflowTable
from workflow import store
from workflow.db import transaction
from workflow.errors import BadInput, InterchangeError, NotAllowed
from workflow.interchange import checks
from workflow.models import Audit, Body, Meeting, Person
from workflow.records import Actor

T = TypeVar("T")
DIRECTORY = "directory"  # the act of the workflow table


def checked(check: Callable[[object, str], T], value: object, field: str) -> T:
    """A value through the import's own check, refused naming the command's field."""
    try:
        return check(value, field)
    except InterchangeError as error:
        raise BadInput(field, error.reason) from None


def _allowed(table: WorkflowTable, actor: Actor) -> None:
    rule = table.act(DIRECTORY)
    if not actor.roles & set(rule.roles):
        who = " or ".join(f"a {role}" for role in rule.roles)
        raise NotAllowed(actor.email, rule.action, who, sorted(actor.roles))


def audit(
    session: Session,
    actor: Actor,
    now: datetime,
    record: str,
    key: str,
    action: str,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
) -> None:
    row = Audit(
        record=record, key=key, action=action, before=before, after=after,
        actor_id=actor.person_id, at=now,
    )  # fmt: skip
    session.add(row)


# People


def _person(row: Person) -> dict[str, Any]:
    return {"name": row.name, "email": row.email, "roles": list(row.roles)}


def _roles(roles: Sequence[str]) -> list[str]:
    for role in roles:
        if role not in ROLES:
            raise BadInput("role", f"unknown role {role!r} (one of: {', '.join(sorted(ROLES))})")
    return list(dict.fromkeys(roles))


def add_person(
    session: Session, table: WorkflowTable, actor: Actor, now: datetime,
    *, name: str, email: str, roles: Sequence[str],
) -> dict[str, Any]:  # fmt: skip
    """Add a person; raise BadInput if the email is taken or a value cannot be used."""
    _allowed(table, actor)
    address = checked(checks.email, email, "email")
    if session.exec(select(Person).where(Person.email == address)).first():
        raise BadInput("email", f"a person with email {address!r} exists already")
    row = Person(name=checked(checks.line, name, "name"), email=address, roles=_roles(roles))
    with transaction(session):
        session.add(row)
        audit(session, actor, now, "person", address, "add", None, _person(row))
    return _person(row)


def edit_person(
    session: Session, table: WorkflowTable, actor: Actor, now: datetime, email: str,
    *, name: str | None = None, roles: Sequence[str] | None = None,
) -> dict[str, Any]:  # fmt: skip
    """Change a person's name or roles; the audit row keeps what they were."""
    _allowed(table, actor)
    row = store.get_person(session=session, email=email)
    before = _person(row)
    with transaction(session):
        if name is not None:
            row.name = checked(checks.line, name, "name")
        if roles is not None:
            row.roles = _roles(roles)
        session.add(row)
        audit(session, actor, now, "person", row.email, "edit", before, _person(row))
    return _person(row)


def list_people(session: Session) -> list[dict[str, Any]]:
    return [_person(row) for row in session.exec(select(Person).order_by(col(Person.email)))]


# Bodies


def _body(row: Body, emails: dict[int, str]) -> dict[str, Any]:
    chair = emails.get(row.chair_id) if row.chair_id is not None else None
    return {"name": row.name, "kind": row.kind, "chair": chair}


def _chair_id(session: Session, chair: str | None) -> int | None:
    return store.get_person(session=session, email=chair).id if chair else None


def add_body(
    session: Session, table: WorkflowTable, actor: Actor, now: datetime,
    *, name: str, kind: str, chair: str | None = None,
) -> dict[str, Any]:  # fmt: skip
    """Add a committee, panel, board or council; raise BadInput if the name is taken."""
    _allowed(table, actor)
    title = checked(checks.line, name, "name")
    if session.exec(select(Body).where(Body.name == title)).first():
        raise BadInput("name", f"a body named {title!r} exists already")
    chosen = checked(lambda v, f: checks.choice(v, BODY_KINDS, f, "kind of body"), kind, "kind")
    row = Body(name=title, kind=chosen, chair_id=_chair_id(session, chair))
    with transaction(session):
        session.add(row)
        after = _body(row, store.emails_by_id(session=session))
        audit(session, actor, now, "body", title, "add", None, after)
    return after


def edit_body(
    session: Session, table: WorkflowTable, actor: Actor, now: datetime, name: str,
    *, kind: str | None = None, chair: str | None = None,
) -> dict[str, Any]:  # fmt: skip
    """Change a body's kind or chair; the audit row keeps what they were."""
    _allowed(table, actor)
    row = store.get_body(session=session, name=name)
    emails = store.emails_by_id(session=session)
    before = _body(row, emails)
    with transaction(session):
        if kind is not None:
            row.kind = checked(
                lambda v, f: checks.choice(v, BODY_KINDS, f, "kind of body"), kind, "kind"
            )
        if chair is not None:
            row.chair_id = _chair_id(session, chair)
        session.add(row)
        after = _body(row, emails)
        audit(session, actor, now, "body", row.name, "edit", before, after)
    return after


def list_bodies(session: Session) -> list[dict[str, Any]]:
    emails = store.emails_by_id(session=session)
    return [_body(row, emails) for row in session.exec(select(Body).order_by(col(Body.name)))]


# Meetings


def _meeting(row: Meeting, body: str) -> dict[str, Any]:
    cancelled = row.cancelled_at.isoformat() if row.cancelled_at else None
    start = row.starts_at.isoformat()
    return {"id": row.id, "body": body, "starts_at": start, "title": row.title} | {
        "cancelled_at": cancelled
    }


def _meeting_key(body: str, row: Meeting) -> str:
    return f"{body} at {row.starts_at.isoformat()}"


def add_meeting(
    session: Session, table: WorkflowTable, actor: Actor, now: datetime,
    *, body: str, starts_at: datetime, title: str = "",
) -> dict[str, Any]:  # fmt: skip
    """Add a meeting of a body; its chair's digest goes before it."""
    _allowed(table, actor)
    owner = store.get_body(session=session, name=body)
    assert owner.id is not None
    row = Meeting(
        body_id=owner.id, starts_at=starts_at, title=checked(checks.title, title, "title")
    )
    with transaction(session):
        session.add(row)
        session.flush()
        after = _meeting(row, owner.name)
        audit(session, actor, now, "meeting", _meeting_key(owner.name, row), "add", None, after)
    return after


def _get_meeting(session: Session, meeting_id: int) -> tuple[Meeting, str]:
    row = session.get(Meeting, meeting_id)
    if row is None:
        raise BadInput("id", f"no meeting with id {meeting_id}")
    return row, session.get_one(Body, row.body_id).name


def move_meeting(
    session: Session, table: WorkflowTable, actor: Actor, now: datetime,
    meeting_id: int, starts_at: datetime,
) -> dict[str, Any]:  # fmt: skip
    """Move a meeting; the digest before it is planned again for the new day."""
    _allowed(table, actor)
    row, body = _get_meeting(session, meeting_id)
    before = _meeting(row, body)
    with transaction(session):
        row.starts_at = starts_at
        session.add(row)
        after = _meeting(row, body)
        audit(session, actor, now, "meeting", _meeting_key(body, row), "move", before, after)
    return after


def cancel_meeting(
    session: Session, table: WorkflowTable, actor: Actor, now: datetime, meeting_id: int
) -> dict[str, Any]:
    """Cancel a meeting: it is kept, marked cancelled, and no digest goes before it."""
    _allowed(table, actor)
    row, body = _get_meeting(session, meeting_id)
    if row.cancelled_at is not None:
        raise BadInput("id", f"meeting {meeting_id} was cancelled already")
    before = _meeting(row, body)
    with transaction(session):
        row.cancelled_at = now
        session.add(row)
        after = _meeting(row, body)
        audit(session, actor, now, "meeting", _meeting_key(body, row), "cancel", before, after)
    return after


def list_meetings(session: Session, body: str | None = None) -> list[dict[str, Any]]:
    query = select(Meeting, Body.name).join(Body).order_by(col(Meeting.starts_at))
    if body is not None:
        query = query.where(Body.name == store.get_body(session=session, name=body).name)
    return [_meeting(row, name) for row, name in session.exec(query)]


# The audit


def audit_rows(session: Session, since: date | None, tz: ZoneInfo) -> list[dict[str, Any]]:
    """Every change to the directory, reports, milestones and indicators, oldest first."""
    query = select(Audit).order_by(col(Audit.id))
    if since is not None:
        start = datetime.combine(since, datetime.min.time(), tzinfo=tz)
        query = query.where(col(Audit.at) >= start)
    emails = store.emails_by_id(session=session)
    return [
        {
            "at": row.at.isoformat(),
            "by": emails.get(row.actor_id) if row.actor_id else None,
            "record": row.record,
            "key": row.key,
            "action": row.action,
            "before": row.before,
            "after": row.after,
        }
        for row in session.exec(query)
    ]
