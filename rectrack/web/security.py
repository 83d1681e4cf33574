"""What keeps the web app's users safe: headers on every response, and CSRF tokens.

Forms work without JavaScript, so the CSRF defence is a synchronizer token of our own:
a random value kept in the signed session, sent back in each form's hidden
`csrf_token` field and compared in constant time; an Origin from elsewhere is refused
too. Sessions are SameSite=Lax cookies besides.
"""

from __future__ import annotations

import secrets
from urllib.parse import urlsplit

from fastapi import Request
from starlette.datastructures import FormData
from starlette.types import ASGIApp, Message, Receive, Scope, Send

CSRF_FIELD = "csrf_token"
# Pages reached by a secret in their address: no Referer may carry it elsewhere.
SECRET_PATHS = ("/u/", "/invite/", "/calendar/")
CSP = "; ".join(
    (
        "default-src 'self'",
        "img-src 'self' data:",
        "style-src 'self'",
        "script-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)
_HEADERS = [
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=()"),
    (b"cross-origin-opener-policy", b"same-origin"),
]


class CsrfRefused(Exception):
    """A form sent without this session's token, or from another site."""


class SecurityHeaders:
    """Adds the security headers to every response (a plain ASGI middleware: no buffering)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        extra = list(_HEADERS)
        secret = path.startswith(SECRET_PATHS)
        extra.append((b"referrer-policy", b"no-referrer" if secret else b"same-origin"))
        if not path.startswith("/static/"):
            extra.append((b"cache-control", b"no-store"))  # pages hold what only some may read

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = list(message.get("headers", [])) + extra
            await send(message)

        await self.app(scope, receive, with_headers)


def csrf_token(request: Request) -> str:
    """This session's CSRF token, made on first use."""
    token = request.session.get("csrf")
    if not isinstance(token, str):
        token = request.session["csrf"] = secrets.token_urlsafe(32)
    return token


def new_session(request: Request, **values: object) -> None:
    """Start the session afresh (on sign-in and out): a new CSRF token, nothing carried over."""
    request.session.clear()
    request.session.update(values)
    request.session["csrf"] = secrets.token_urlsafe(32)


async def checked_form(request: Request) -> FormData:
    """The posted form, once its CSRF token and origin are checked; raise CsrfRefused if not."""
    form = await request.form()
    sent = form.get(CSRF_FIELD)
    kept = request.session.get("csrf")
    if not isinstance(sent, str) or not isinstance(kept, str):
        raise CsrfRefused
    if not secrets.compare_digest(sent.encode(), kept.encode()):
        raise CsrfRefused
    origin = request.headers.get("origin")
    if origin and origin != "null" and not _same_origin(origin, request):
        raise CsrfRefused
    return form


def _same_origin(origin: str, request: Request) -> bool:
    base_url: str = request.app.state.rectrack.settings.web_base_url
    allowed = {_origin(base_url), _origin(str(request.base_url))}
    return _origin(origin) in allowed


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()
