"""What routes are handed: the application, a database session and who is signed in."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from sqlmodel import Session

from rectrack.app import App
from workflow.services.accounts import SignedIn, session_person


class SignInRequired(Exception):
    """The page is for people who have signed in: they are sent to sign in first."""


class Forbidden(Exception):
    """Signed in, but the person's roles do not reach this page."""

    def __init__(self, needs: str) -> None:
        self.needs = needs
        super().__init__(f"this page is for {needs}")


def get_app(request: Request) -> App:
    app: App = request.app.state.rectrack
    return app


def get_session(app: Annotated[App, Depends(get_app)]) -> Iterator[Session]:
    with app.session() as session:
        yield session


Rectrack = Annotated[App, Depends(get_app)]
Db = Annotated[Session, Depends(get_session)]


def get_viewer(request: Request, session: Db) -> SignedIn | None:
    """Who the session is for, if anyone; a session from before a new password is over."""
    person_id, generation = request.session.get("person"), request.session.get("generation")
    if not isinstance(person_id, int) or not isinstance(generation, int):
        return None
    return session_person(session, person_id, generation)


def get_signed_in(viewer: Annotated[SignedIn | None, Depends(get_viewer)]) -> SignedIn:
    if viewer is None:
        raise SignInRequired
    return viewer


Viewer = Annotated[SignedIn | None, Depends(get_viewer)]
Person = Annotated[SignedIn, Depends(get_signed_in)]


def requires(*roles: str) -> object:
    """A dependency that lets in the people holding one of `roles`."""
    needs = " or ".join(f"the {role}" for role in roles)

    def check(person: Person) -> SignedIn:
        if not person.actor.roles & set(roles):
            raise Forbidden(needs)
        return person

    return Depends(check)
