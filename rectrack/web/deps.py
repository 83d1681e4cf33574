"""What routes are handed: the application, a database session and who is signed in."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from sqlmodel import Session

from rectrack.app import App
from workflow.db import new_session
from workflow.services.accounts import SignedIn, session_person


class SignInRequired(Exception):
    """The page is for people who have signed in: they are sent to sign in first."""


class Forbidden(Exception):
    """Signed in, but the person's roles do not reach this page."""

    def __init__(self, needs: str) -> None:
        self.needs = needs
        super().__init__(f"this page is for {needs}")


# Dependencies that do no I/O are `async def`: FastAPI runs them on the event loop
# rather than handing each to a worker thread and back.


async def get_app(request: Request) -> App:
    app: App = request.app.state.rectrack
    return app


def get_session(app: Annotated[App, Depends(get_app)]) -> Iterator[Session]:
    """A session on the app's database; its schema was checked when the app started."""
    with new_session(app.engine) as session:
        yield session


Rectrack = Annotated[App, Depends(get_app)]
Db = Annotated[Session, Depends(get_session)]


def get_viewer(request: Request, session: Db) -> SignedIn | None:
    """Who the session is for, if anyone; a session from before a new password is over."""
    person_id, generation = request.session.get("person"), request.session.get("generation")
    if not isinstance(person_id, int) or not isinstance(generation, int):
        return None
    return session_person(session, person_id, generation)


async def get_signed_in(viewer: Annotated[SignedIn | None, Depends(get_viewer)]) -> SignedIn:
    if viewer is None:
        raise SignInRequired
    return viewer


Viewer = Annotated[SignedIn | None, Depends(get_viewer)]
Person = Annotated[SignedIn, Depends(get_signed_in)]


def requires(*roles: str) -> object:
    """A dependency that lets in the people holding one of `roles`."""
    needs = " or ".join(f"the {role}" for role in roles)

    async def check(person: Person) -> SignedIn:
        if not person.actor.roles & set(roles):
            raise Forbidden(needs)
        return person

    return Depends(check)
