"""The pages, each module a router over the services."""

from __future__ import annotations

from rectrack.web.pages import calendar, downloads, health, home, papers, public, recs, signin

ROUTERS = (
    health.router,
    signin.router,
    home.router,
    downloads.router,
    recs.router,
    papers.router,
    calendar.router,
    public.router,
)
