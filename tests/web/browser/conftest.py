"""Fixtures for the browser tests: the app on a real uvicorn, Debian's Chromium driven by
Playwright (no browser is downloaded: `.ci/run` installs `chromium` with apt).

Without Chromium these tests skip on a user's machine; under CI (`CI=true`) they fail.
"""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn
from playwright.sync_api import Browser, Page, sync_playwright

from rectrack.app import App
from rectrack.web import create_app

CHROMIUM = Path(shutil.which("chromium") or "/usr/bin/chromium")


# A module's: while Playwright's sync API runs, its event loop holds the main thread, and
# code that starts its own (the service's tick) could not run in the tests after it.
@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        if os.environ.get("CI"):
            pytest.fail(f"CI needs Chromium at {CHROMIUM}: apt-get install -y chromium")
        pytest.skip("Chromium is not installed (apt-get install chromium)")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=["--no-sandbox", "--disable-gpu"]
        )
        yield launched
        launched.close()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@pytest.fixture
def site(rectrack: App) -> Iterator[str]:
    """The web app of `rectrack`, served by uvicorn on a loopback port: its address."""
    port = _free_port()
    base_url = f"http://127.0.0.1:{port}"
    from dataclasses import replace

    rectrack.settings = replace(rectrack.settings, web_base_url=base_url)
    config = uvicorn.Config(create_app(rectrack), host="127.0.0.1", port=port, log_level="warning")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:  # a readiness wait on the real server, not a sleep for time
        if time.monotonic() > deadline or not thread.is_alive():
            pytest.fail("uvicorn did not start")
        time.sleep(0.01)
    yield base_url
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture
def page(browser: Browser, site: str) -> Iterator[Page]:
    context = browser.new_context(base_url=site, viewport={"width": 1100, "height": 900})
    opened = context.new_page()
    yield opened
    context.close()
