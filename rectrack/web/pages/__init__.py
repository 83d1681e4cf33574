"""The pages, each module a router over the services."""

from __future__ import annotations

from rectrack.web.pages import health, home, meetings, recs, reports, signin

ROUTERS = (
    health.router,
    signin.router,
    home.router,
    recs.router,
    reports.router,
    meetings.router,
)
