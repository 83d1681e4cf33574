"""Who may sign in, and the secrets handed out: passwords, tokens and links.

A password is kept as an argon2 hash (pwdlib). A token is 32 random bytes, URL-safe;
only its SHA-256 is kept, so a copy of the database hands nothing out. Failed sign-ins
are rows, so that every worker of the web app holds an email off alike.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache

from pwdlib import PasswordHash
from sqlalchemy import delete, func, update
from sqlmodel import Session, col, select

from config.errors import RectrackError
from config.workflow_table import WorkflowTable
from workflow import store
from workflow.db import transaction
from workflow.errors import BadInput, NotFound, WorkflowError
from workflow.models import Credential, Person, SignInFailure, Token
from workflow.records import TOKEN_PURPOSES, Actor
from workflow.services.directory import _allowed, audit

PASSWORD_MIN, PASSWORD_MAX = 10, 1024  # characters
SIGN_IN_TRIES = 5  # failures of one email within the window, before it is held off
SIGN_IN_WINDOW = timedelta(minutes=15)


class SignInRefused(RectrackError):
    """The email and password do not match an account; which of them is never said."""

    field = "password"

    def __init__(self) -> None:
        super().__init__("the email or the password is not right")


class SignInHeldOff(RectrackError):
    """Too many failed sign-ins for one email: try again once `until` has passed."""

    field = "email"

    def __init__(self, until: datetime) -> None:
        self.until = until
        super().__init__("too many failed sign-ins for this email: try again in a few minutes")


class TokenRefused(WorkflowError):
    """A token or link that cannot be used: unknown, expired, used or revoked.

    `gone` says it was a real one that no longer works, rather than one never made.
    """

    def __init__(self, reason: str, gone: bool = False) -> None:
        self.reason, self.gone = reason, gone
        super().__init__(reason)


@dataclass(frozen=True)
class SignedIn:
    """Who a session is for: the person, and the generation of their password it saw."""

    actor: Actor
    name: str
    generation: int


@cache
def _hasher() -> PasswordHash:
    return PasswordHash.recommended()


@cache
def _decoy_hash() -> str:
    """A hash to check an unknown email's password against, so both take as long."""
    return _hasher().hash(secrets.token_urlsafe(16))


def check_password(password: str, email: str) -> str:
    """The password, if it can be one; raise BadInput (field `password`) if not."""
    if len(password) < PASSWORD_MIN:
        raise BadInput("password", f"a password has at least {PASSWORD_MIN} characters")
    if len(password) > PASSWORD_MAX:
        raise BadInput("password", f"a password has at most {PASSWORD_MAX} characters")
    if password.strip().lower() == email.lower():
        raise BadInput("password", "a password is not the email")
    return password


def set_password(
    session: Session, table: WorkflowTable, actor: Actor, now: datetime, email: str, password: str
) -> None:
    """Give `email` a new password (the clerk's act); their sessions end."""
    _allowed(table, actor)
    person = store.get_person(session=session, email=email)
    _store_password(session, actor, now, person, check_password(password, person.email))


def _store_password(
    session: Session, actor: Actor, now: datetime, person: Person, password: str
) -> None:
    with transaction(session):
        keep_password(session, actor, now, person, password)


def keep_password(
    session: Session, actor: Actor, now: datetime, person: Person, password: str
) -> Credential:
    """Keep the hash of `password` as `person`'s, in the caller's transaction; audited."""
    assert person.id is not None
    row = session.get(Credential, person.id)
    digest = _hasher().hash(password)
    if row is None:
        row = Credential(person_id=person.id, password_hash=digest, changed_at=now)
    else:
        row.password_hash, row.changed_at = digest, now
        row.generation += 1
    session.add(row)
    audit(session, actor, now, "person", person.email, "edit", None, {"password": "set"})
    return row


def sign_in(session: Session, email: str, password: str, now: datetime) -> SignedIn:
    """The person whose email and password these are; raise SignInRefused if none is, or
    SignInHeldOff after too many failures for this email.
    """
    address = email.strip().lower()
    _not_held_off(session, address, now)
    person = session.exec(select(Person).where(Person.email == address)).first()
    row = session.get(Credential, person.id) if person is not None else None
    if person is None or row is None:
        _hasher().verify(password, _decoy_hash())
        return _failed(session, address, now)
    valid, rehashed = _hasher().verify_and_update(password, row.password_hash)
    if not valid:
        return _failed(session, address, now)
    with transaction(session):
        session.execute(delete(SignInFailure).where(col(SignInFailure.email) == address))
        if rehashed is not None:  # hashed with older parameters: keep the stronger hash
            row.password_hash = rehashed
            session.add(row)
    return signed_in(person, row.generation)


def _not_held_off(session: Session, email: str, now: datetime) -> None:
    since = now - SIGN_IN_WINDOW
    query = select(func.count(), func.min(SignInFailure.at)).where(
        col(SignInFailure.email) == email, col(SignInFailure.at) > since
    )
    count, first = session.exec(query).one()
    if count >= SIGN_IN_TRIES:
        raise SignInHeldOff(first + SIGN_IN_WINDOW)


def _failed(session: Session, email: str, now: datetime) -> SignedIn:
    with transaction(session):
        session.add(SignInFailure(email=email, at=now))
    raise SignInRefused


def signed_in(person: Person, generation: int) -> SignedIn:
    assert person.id is not None
    return SignedIn(
        Actor(person.email, frozenset(person.roles), person.id), person.name, generation
    )


def session_person(session: Session, person_id: int, generation: int) -> SignedIn | None:
    """Who a session cookie names, if their password has not changed since; else None."""
    query = (
        select(Person, Credential.generation)
        .join(Credential, col(Credential.person_id) == col(Person.id))
        .where(Person.id == person_id)
    )
    found = session.exec(query).first()
    if found is None or found[1] != generation:
        return None
    return signed_in(found[0], generation)


# Tokens


def digest_of(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_token() -> str:
    """A new random token (32 bytes, URL-safe), not yet kept anywhere."""
    return secrets.token_urlsafe(32)


def issue_token(
    session: Session,
    purpose: str,
    person_id: int,
    now: datetime,
    *,
    expires_at: datetime | None = None,
    recommendation_id: int | None = None,
    label: str | None = None,
) -> str:
    """A new token for `purpose`, kept as its digest in the caller's transaction."""
    token = new_token()
    keep_token(
        session, token, purpose, person_id, now,
        expires_at=expires_at, recommendation_id=recommendation_id, label=label,
    )  # fmt: skip
    return token


def keep_token(
    session: Session,
    token: str,
    purpose: str,
    person_id: int,
    now: datetime,
    *,
    expires_at: datetime | None = None,
    recommendation_id: int | None = None,
    label: str | None = None,
) -> None:
    """Keep the digest of `token`, made earlier (a message holds it), in the caller's
    transaction: until that commits, the token opens nothing.
    """
    assert purpose in TOKEN_PURPOSES
    row = Token(
        purpose=purpose, digest=digest_of(token), person_id=person_id, label=label,
        recommendation_id=recommendation_id, created_at=now, expires_at=expires_at,
    )  # fmt: skip
    session.add(row)


def find_token(session: Session, token: str, purpose: str, now: datetime) -> Token:
    """The token's row, if it may be used now; raise TokenRefused, saying why, if not."""
    row = session.exec(select(Token).where(Token.digest == digest_of(token))).first()
    if row is None or row.purpose != purpose:
        raise TokenRefused("this link is not one rectrack made, or it has been mistyped")
    if row.revoked_at is not None:
        raise TokenRefused("this link has been withdrawn", gone=True)
    if row.used_at is not None:
        raise TokenRefused("this link has been used already: each link is used once", gone=True)
    if row.expires_at is not None and row.expires_at <= now:
        raise TokenRefused("this link has expired", gone=True)
    return row


def use_up(session: Session, row: Token, now: datetime) -> None:
    """Mark a single-use token used, in the caller's transaction; raise TokenRefused if
    another request used or withdrew it since it was found (a conditional update).
    """
    statement = (
        update(Token)
        .where(col(Token.id) == row.id, col(Token.used_at).is_(None))
        .where(col(Token.revoked_at).is_(None))
        .values(used_at=now)
    )
    if session.connection().execute(statement).rowcount != 1:
        raise TokenRefused("this link has been used already: each link is used once", gone=True)


def api_token(
    session: Session, table: WorkflowTable, actor: Actor, now: datetime, email: str, label: str
) -> str:
    """A new API token for `email` (the clerk's act): shown once, kept as its digest."""
    _allowed(table, actor)
    person = store.get_person(session=session, email=email)
    assert person.id is not None
    with transaction(session):
        token = issue_token(session, "api", person.id, now, label=label or None)
        audit(session, actor, now, "person", person.email, "edit", None, {"api_token": label})
    return token


def revoke_tokens(
    session: Session, table: WorkflowTable, actor: Actor, now: datetime, email: str, purpose: str
) -> int:
    """Withdraw every live token of `purpose` that `email` holds; return how many."""
    _allowed(table, actor)
    person = store.get_person(session=session, email=email)
    live = select(Token).where(
        Token.person_id == person.id, Token.purpose == purpose, col(Token.revoked_at).is_(None)
    )
    with transaction(session):
        rows = list(session.exec(live))
        for row in rows:
            row.revoked_at = now
            session.add(row)
        if rows:
            audit(session, actor, now, "person", person.email, "edit", None, {"revoked": purpose})
    return len(rows)


def api_actor(session: Session, token: str, now: datetime) -> Actor:
    """The person an API token is for; raise TokenRefused if it cannot be used."""
    row = find_token(session, token, "api", now)
    person = session.get(Person, row.person_id)
    if person is None:
        raise NotFound("person", "id", str(row.person_id))
    return signed_in(person, 0).actor
