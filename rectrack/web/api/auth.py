"""Who an API call is for: a bearer token from `rectrack people token EMAIL`, nothing else.

No cookie is read here: a browser sends its session cookie by itself, which is what
makes a form need a CSRF token; a bearer token is only ever sent on purpose.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from rectrack.web.deps import Db, Rectrack
from workflow.records import Actor
from workflow.services.accounts import TokenRefused, api_actor

bearer = HTTPBearer(
    auto_error=False,
    description="An API token: `rectrack people token EMAIL` makes one (shown once).",
)


class Unauthenticated(Exception):
    """No token, or one that cannot be used: answered 401 with WWW-Authenticate."""

    def __init__(self, message: str, challenge: str) -> None:
        self.message, self.challenge = message, challenge
        super().__init__(message)


MISSING = "send an API token as 'Authorization: Bearer <token>' (rectrack people token EMAIL)"
REFUSED = "this API token is not one rectrack issued, or it has been withdrawn"


def get_actor(
    app: Rectrack,
    session: Db,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> Actor:
    if credentials is None:
        raise Unauthenticated(MISSING, "Bearer")
    try:
        return api_actor(session, credentials.credentials, app.clock.now())
    except TokenRefused:
        # The same answer for unknown and withdrawn: a guess learns nothing.
        raise Unauthenticated(REFUSED, 'Bearer error="invalid_token"') from None


Caller = Annotated[Actor, Depends(get_actor)]
