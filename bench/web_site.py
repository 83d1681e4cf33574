"""What the web benchmarks share: a site of 1,000 recommendations and someone to sign in.

The tracker is `bench.annex_data`'s (reports of 15 key and 85 individual
recommendations, most agreed, re-based and updated), written with Core inserts; its
first person, a clerk, gets a password.
"""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, datetime

from sqlalchemy import Engine

from bench.annex_data import seed
from config import Settings
from workflow.db import new_session
from workflow.models import Credential
from workflow.services.accounts import _hasher

RECS = 1_000
EMAIL, PASSWORD = "p0@council.example", "a password for the benchmarks"
SECRET = "a-secret-key-for-the-web-benchmarks-only"
CODE = "CIS.12/03/1"  # a key recommendation in progress: milestones, an indicator, a re-basing
NOW = datetime(2027, 4, 1, 9, 0, tzinfo=UTC)
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def seed_site(engine: Engine) -> None:
    """Load the tracker and give the clerk (person 1) the benchmarks' password."""
    seed(engine, RECS)
    with new_session(engine) as session:
        digest = _hasher().hash(PASSWORD)
        session.add(Credential(person_id=1, password_hash=digest, changed_at=NOW))
        session.commit()


def site_settings(url: str) -> Settings:
    return replace(
        Settings.defaults(),
        database_url=url,
        web_secret_key=SECRET,
        web_base_url="http://testserver",
    )


def csrf_of(page: str) -> str:
    found = _CSRF.search(page)
    assert found, "the page has no form with a CSRF token"
    return found.group(1)
