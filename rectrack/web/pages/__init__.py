"""The pages, each module a router over the services."""

from __future__ import annotations

from rectrack.web.pages import health, home, invite, links, pending, recs, signin

ROUTERS = (
    health.router,
    signin.router,
    home.router,
    recs.router,
    links.router,
    pending.router,
    invite.router,
)
