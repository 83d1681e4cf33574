"""The papers on the web: tracker downloads, the annex, the figures and the calendar feed."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from icalendar import Calendar
from openpyxl import load_workbook
from pypdf import PdfReader
from runner import Cli
from websupport import BOARD_DAY, CLERK, EXECUTIVE, OFFICER, csrf_of, sign_in

from rectrack.app import App
from workflow import services

REC = "CCS/09/b"  # owned by OFFICER
PAGES = ["/recs.csv", "/recs.xlsx", "/annex", "/annex.pdf", "/stats", "/stats.json", "/calendar"]


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str], rectrack: App, monkeypatch: pytest.MonkeyPatch) -> Cli:
    """The command line on the web app's database, at the web app's time."""
    monkeypatch.setenv("RECTRACK_DATABASE_URL", rectrack.settings.database_url)
    monkeypatch.delenv("RECTRACK_CONFIG", raising=False)
    monkeypatch.chdir(Path(rectrack.settings.database_url.removeprefix("sqlite:///")).parent)
    return Cli(capsys, BOARD_DAY)


@pytest.fixture
def agreed(rectrack: App) -> None:
    """The executive has agreed REC, so the figures have a decision to count."""
    with rectrack.session() as session:
        executive = services.find_actor(session, EXECUTIVE)
        asked = services.Asked("agree", timescale=BOARD_DAY.date().replace(month=9))
        services.act(session, rectrack.lifecycle, REC, executive, asked, BOARD_DAY)


@pytest.mark.parametrize("path", PAGES)
def test_each_page_is_for_people_signed_in(client: TestClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 303
    assert response.headers["location"].startswith("/login?next=")


@pytest.mark.parametrize("path", PAGES)
def test_each_page_is_open_to_any_officer(client: TestClient, path: str) -> None:
    sign_in(client, OFFICER)
    assert client.get(path).status_code == 200


# The tracker's downloads


def test_the_csv_is_the_interchange_csv_of_the_tracker_filtered(client: TestClient) -> None:
    sign_in(client, CLERK)
    response = client.get("/recs.csv", params={"owner": OFFICER})
    assert response.headers["content-type"].startswith("text/csv")
    assert response.headers["content-disposition"].startswith("attachment;")
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert [row["code"] for row in rows] == [REC]
    assert rows[0]["owner"] == OFFICER


def test_the_csv_takes_the_search_too(client: TestClient) -> None:
    sign_in(client, CLERK)
    rows = list(csv.DictReader(io.StringIO(client.get("/recs.csv?q=09/c").text)))
    assert [row["code"] for row in rows] == ["CCS/09/c"]


def test_the_workbook_holds_the_tracker_filtered(client: TestClient) -> None:
    sign_in(client, CLERK)
    response = client.get("/recs.xlsx", params={"state": "proposed", "owner": OFFICER})
    book = load_workbook(io.BytesIO(response.content), read_only=True, data_only=True)
    rows = list(book.worksheets[0].iter_rows(values_only=True))
    assert rows[0][0] == "Code"
    assert [row[0] for row in rows[1:]] == [REC]


def test_the_tracker_links_its_downloads_with_its_filters(client: TestClient) -> None:
    sign_in(client, CLERK)
    page = client.get("/recs", params={"owner": OFFICER, "page": "1"}).text
    assert 'href="/recs.csv?owner=helen.bishop%40oxford.example"' in page
    assert 'href="/recs.xlsx?owner=helen.bishop%40oxford.example" hx-boost="false"' in page


# The annex


def test_the_annex_page_shows_the_annex_in_the_site(client: TestClient) -> None:
    sign_in(client, CLERK)
    page = client.get("/annex").text
    assert '<nav aria-label="Main">' in page
    assert "Recommendations tracker" in page
    assert f'<a href="/recs/{REC}">{REC}</a>' in page
    assert 'href="/annex.pdf" hx-boost="false"' in page


def test_the_annex_html_is_what_the_command_writes(
    client: TestClient, cli: Cli, tmp_path: Path
) -> None:
    sign_in(client, CLERK)
    downloaded = client.get("/annex.html", params={"report": "CCS/09", "public": "true"})
    written = tmp_path / "annex.html"
    status, _, err = cli(
        "annex", "--report", "CCS/09", "--public", "--format", "html", "-o", str(written)
    )
    assert status == 0, err
    assert downloaded.content == written.read_bytes()


def test_the_annex_xlsx_is_the_annex_workbook(client: TestClient) -> None:
    sign_in(client, CLERK)
    response = client.get("/annex.xlsx")
    book = load_workbook(io.BytesIO(response.content), read_only=True)
    assert book.worksheets[0].title == "Tracker"


def test_the_annex_pdf_is_a_pdf_of_the_report(client: TestClient) -> None:
    sign_in(client, CLERK)
    response = client.get("/annex.pdf", params={"body": "Value and Performance Scrutiny Committee"})
    assert response.headers["content-type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    assert "Recommendations tracker" in text
    assert REC in text


def test_a_meeting_day_that_is_not_a_date_says_so(client: TestClient) -> None:
    sign_in(client, CLERK)
    response = client.get("/annex", params={"meeting": "soon"})
    assert response.status_code == 400
    assert "The meeting &#39;soon&#39; is not a date" in response.text


def test_an_unknown_body_is_not_found(client: TestClient) -> None:
    sign_in(client, CLERK)
    assert client.get("/annex", params={"body": "Nobody"}).status_code == 404
    assert client.get("/annex.pdf", params={"body": "Nobody"}).status_code == 404


def test_an_unknown_format_is_not_found(client: TestClient) -> None:
    sign_in(client, CLERK)
    assert client.get("/annex.docx").status_code == 404


# The figures


@pytest.mark.usefixtures("agreed")
def test_the_figures_json_is_what_stats_json_prints(client: TestClient, cli: Cli) -> None:
    sign_in(client, CLERK)
    response = client.get("/stats.json", params={"from": "2027-01-01"})
    assert response.headers["content-disposition"].startswith("attachment;")
    assert json.loads(response.content) == cli.json("stats", "--from", "2027-01-01")


@pytest.mark.usefixtures("agreed")
def test_the_figures_page_shows_the_same_figures(client: TestClient, cli: Cli) -> None:
    sign_in(client, CLERK)
    page = client.get("/stats").text
    figures = cli.json("stats")
    cells = dict(re.findall(r'<th scope="row">([^<]+)</th><td class="num">([^<]+)</td>', page))
    assert cells["Recommendations made"] == str(figures["made"])
    assert cells["Responded to"] == str(figures["responded"]["count"])
    assert cells["Agreed"] == str(figures["decisions"]["agree"]["count"])
    assert cells["Agreed"] == "1"


def test_a_period_that_ends_before_it_starts_is_refused(client: TestClient) -> None:
    sign_in(client, CLERK)
    response = client.get("/stats", params={"from": "2027-03-01", "to": "2027-01-01"})
    assert response.status_code == 400
    assert "after it ends" in response.text


# The calendar feed


def calendar_address(client: TestClient) -> str:
    token = csrf_of(client.get("/calendar").text)
    page = client.post("/calendar", data={"csrf_token": token}).text
    found = re.search(r'value="http://testserver(/calendar/[^"]+\.ics)"', page)
    assert found, page
    return found.group(1)


def test_the_calendar_page_makes_nothing_on_get(client: TestClient) -> None:
    sign_in(client, OFFICER)
    assert "/calendar/" not in client.get("/calendar").text


def test_the_feed_is_the_calendar_anyone_with_the_address_reads(
    client: TestClient, cli: Cli, tmp_path: Path
) -> None:
    sign_in(client, OFFICER)
    address = calendar_address(client)
    client.post("/logout", data={"csrf_token": csrf_of(client.get("/").text)})
    response = client.get(address)
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/calendar; charset=utf-8"
    assert response.headers["referrer-policy"] == "no-referrer"
    assert Calendar.from_ical(response.content).walk("VEVENT")
    written = tmp_path / "calendar.ics"
    assert cli("calendar", "-o", str(written))[0] == 0
    assert response.content == written.read_bytes()


def test_a_new_address_withdraws_the_old_one(client: TestClient) -> None:
    sign_in(client, OFFICER)
    old = calendar_address(client)
    new = calendar_address(client)
    assert client.get(old).status_code == 404
    assert client.get(new).status_code == 200


def test_an_unknown_address_is_refused(client: TestClient) -> None:
    response = client.get("/calendar/not-a-token.ics")
    assert response.status_code == 404
    assert "There is no calendar at this address" in response.text


def test_making_an_address_needs_the_form_token(client: TestClient) -> None:
    sign_in(client, OFFICER)
    assert client.post("/calendar", data={}).status_code == 403
