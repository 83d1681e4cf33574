"""Build the web app from the application object: pages, API, sessions, security."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from starlette.middleware.sessions import SessionMiddleware

from config import ConfigError
from rectrack.app import App
from rectrack.web import errors, pages
from rectrack.web.api import PREFIX, create_api
from rectrack.web.security import SecurityHeaders

STATIC = Path(__file__).parent / "static"
SESSION_COOKIE = "rectrack_session"
SESSION_HOURS = 12  # a working day: a session is signed in again each morning


def create_app(app: App) -> FastAPI:
    """The web app over `app`; raise ConfigError if `[web] secret_key` is not set."""
    secret = app.settings.web_secret_key
    if secret is None:
        raise ConfigError(
            "web.secret_key",
            app.settings.sources.get("web.secret_key", "default"),
            "is not set: the web app signs its sessions with it (at least 32 characters,"
            " in rectrack.toml or RECTRACK_WEB_SECRET_KEY)",
        )

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        # Checked once, not on each request: a schema changed under a running app is
        # found by /healthz, which checks every time.
        app.ensure_ready()
        yield

    web = FastAPI(
        title="rectrack", docs_url=None, redoc_url=None, openapi_url=None, lifespan=lifespan
    )
    web.state.rectrack = app
    web.mount("/static", StaticFiles(directory=STATIC), name="static")
    web.mount(PREFIX, create_api(app))
    for router in pages.ROUTERS:
        web.include_router(router)
    errors.install(web)
    web.add_middleware(SecurityHeaders)
    web.add_middleware(
        SessionMiddleware,
        secret_key=secret,
        session_cookie=SESSION_COOKIE,
        max_age=SESSION_HOURS * 3600,
        same_site="lax",
        https_only=app.settings.web_base_url.startswith("https://"),
    )
    return web
