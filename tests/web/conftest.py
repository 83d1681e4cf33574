"""Fixtures for the web app: the demo's people and report in a real database, a client."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from websupport import BOARD_DAY, PASSWORD, MovingClock, seed, web_settings

from rectrack.app import App
from rectrack.web import create_app
from workflow.db import make_engine
from workflow.services.accounts import _hasher


@pytest.fixture(scope="session")
def password_hash() -> str:
    return _hasher().hash(PASSWORD)


@pytest.fixture
def clock() -> MovingClock:
    return MovingClock(BOARD_DAY)


@pytest.fixture
def site_engine(tmp_path: Path, sqlite_template: Path, password_hash: str) -> Iterator[Engine]:
    """A SQLite file holding the demo's document."""
    path = tmp_path / "site.db"
    shutil.copy(sqlite_template, path)
    engine = make_engine(f"sqlite:///{path}")
    seed(engine, password_hash)
    yield engine
    engine.dispose()


@pytest.fixture
def rectrack(site_engine: Engine, tmp_path: Path, clock: MovingClock) -> App:
    app = App(web_settings(site_engine.url.render_as_string(False), tmp_path), clock)
    app.engine = site_engine
    return app


@pytest.fixture
def client(rectrack: App) -> Iterator[TestClient]:
    with TestClient(create_app(rectrack), follow_redirects=False) as test_client:
        yield test_client
