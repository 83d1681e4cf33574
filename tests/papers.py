"""Known recommendations for the papers' tests, and ways to read the papers back.

Made through the services, as a clerk's week makes them: each value the annex shows
comes from a real response, amendment, update, milestone or indicator.
"""

from __future__ import annotations

import shutil
import subprocess
from datetime import date
from html.parser import HTMLParser
from pathlib import Path

import pytest
from factories import CHAIR, CLERK, CURRENT_TIME, EXECUTIVE, OFFICER, OTHER_OFFICER, PANEL, World
from factories import make_recommendation as make
from sqlmodel import select

from workflow import services
from workflow.lifecycle import Lifecycle
from workflow.models import Person, Recommendation
from workflow.records import Change
from workflow.services import monitoring

JUNE, SEPTEMBER = date(2027, 6, 30), date(2027, 9, 30)
AGREED_ON, ENDORSED_ON, UPDATED_ON = date(2027, 1, 20), date(2027, 1, 25), date(2027, 1, 28)
SECRET = "Sell the depot to Acme Holdings for £2m"
SECRET_NOTE = "Acme's offer is with the valuer"
REASON = "Paragraph 3: information relating to the financial or business affairs of any person"


def make_papers(world: World, lifecycle: Lifecycle) -> dict[str, str]:
    """Four recommendations: agreed and re-based (key), awaiting a response, ready for
    sign-off, and exempt. Return their codes by what they are."""
    codes = {
        "rebased": make(world, "a", monitoring_date=date(2027, 3, 1)),
        "awaiting": make(world, "b"),
        "ready": make(world, "c", state="monitored", monitoring_date=date(2027, 3, 20)),
        "exempt": make(world, "d", owner=OTTO, monitoring_date=date(2027, 4, 30)),
    }
    _lead_members(world, codes)
    _agree_and_rebase(world, lifecycle, codes["rebased"])
    _monitor(world, lifecycle, codes["rebased"])
    _exempt(world, lifecycle, codes["exempt"])
    return codes


OTTO = OTHER_OFFICER


def fire(
    world: World, lifecycle: Lifecycle, code: str, event: str, by: str, **data: object
) -> None:
    change = Change(event, world.actor(by), **data)  # type: ignore[arg-type]
    services.fire(world.session, lifecycle, code, change, CURRENT_TIME)


def _lead_members(world: World, codes: dict[str, str]) -> None:
    session = world.session
    evan = session.exec(select(Person).where(Person.email == EXECUTIVE)).one()
    for rec in session.exec(select(Recommendation)):
        rec.lead_member_id = evan.id
        rec.group_name = "key" if rec.code == codes["rebased"] else "individual"
        session.add(rec)
    session.commit()


def _agree_and_rebase(world: World, lifecycle: Lifecycle, code: str) -> None:
    comment = "Agreed: the action plan will follow the business case."
    fire(world, lifecycle, code, "agree", EXECUTIVE, timescale=JUNE, note=comment, on=AGREED_ON)
    fire(world, lifecycle, code, "start", OFFICER, on=AGREED_ON)
    fire(
        world, lifecycle, code, "amend", CHAIR, note="The time base moved.", endorsed_by=PANEL,
        endorsed_on=ENDORSED_ON, changes={"target_date": SEPTEMBER},
    )  # fmt: skip
    services.add_update(
        world.session, lifecycle, code, world.actor(OFFICER), "Draft action plan agreed",
        "amber", CURRENT_TIME, UPDATED_ON,
    )  # fmt: skip


def _monitor(world: World, lifecycle: Lifecycle, code: str) -> None:
    session, clerk = world.session, world.actor(CLERK)
    monitoring.add_milestone(
        session, lifecycle, code, clerk, CURRENT_TIME, title="Business case", due_on=JUNE
    )
    monitoring.add_indicator(
        session, lifecycle, code, clerk, CURRENT_TIME,
        kind="saving", name="Cashable savings", unit="£", baseline=0, target=50_000,
    )  # fmt: skip
    monitoring.record_indicator(
        session, lifecycle, code, clerk, CURRENT_TIME, number=1, value=12_500, on=UPDATED_ON
    )


def _exempt(world: World, lifecycle: Lifecycle, code: str) -> None:
    session = world.session
    rec = session.exec(select(Recommendation).where(Recommendation.code == code)).one()
    rec.text = SECRET
    session.add(rec)
    session.commit()
    fire(world, lifecycle, code, "agree", EXECUTIVE, timescale=JUNE, note="Agreed in private.")
    services.add_update(
        session, lifecycle, code, world.actor(OTTO), SECRET_NOTE, "red", CURRENT_TIME
    )
    services.exempt(session, lifecycle, code, world.actor(CLERK), REASON, CURRENT_TIME)


class TableReader(HTMLParser):
    """The rows of the annex's tables: each a dict of column header to the cell's text."""

    def __init__(self) -> None:
        super().__init__()
        self.headers: list[str] = []
        self.rows: list[list[str]] = []
        self._cell: list[str] | None = None
        self._in_head = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "thead":
            self._in_head, self.headers = True, []
        elif tag == "tr" and not self._in_head:
            self.rows.append([])
        elif tag in ("td", "th"):
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag == "thead":
            self._in_head = False
        elif tag in ("td", "th") and self._cell is not None:
            text = " ".join(" ".join(self._cell).split())
            (self.headers if self._in_head else self.rows[-1]).append(text)
            self._cell = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)


def annex_rows(html: str) -> dict[str, dict[str, str]]:
    """The annex's recommendation rows, by code (its first cell)."""
    reader = TableReader()
    reader.feed(html)
    headers = reader.headers  # the last table's: every report's table has the same
    return {
        row[0]: dict(zip(headers, row, strict=True))
        for row in reader.rows
        if len(row) == len(headers)
    }


def pdf_text(path: Path) -> str:
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) is not installed: .ci/run installs it")
    done = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, check=True)
    return done.stdout.decode("utf-8")
