"""The pages, each module a router over the services."""

from __future__ import annotations

from rectrack.web.pages import (
    calendar,
    downloads,
    health,
    home,
    invite,
    links,
    meetings,
    papers,
    pending,
    public,
    recs,
    reports,
    signin,
)

ROUTERS = (
    health.router,
    signin.router,
    home.router,
    downloads.router,
    recs.router,
    reports.router,
    meetings.router,
    papers.router,
    calendar.router,
    public.router,
    links.router,
    pending.router,
    invite.router,
)
