"""`rectrack demo` through the real entry point: the story, its timeline and its mail."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from contextlib import redirect_stderr, redirect_stdout
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from io import StringIO
from pathlib import Path
from typing import NamedTuple

import pytest

from config.settings import KEYS
from notifications.notices import Kind
from rectrack.cli import main


class Run(NamedTuple):
    status: int
    out: str
    err: str
    mail: Path


def run_demo(directory: Path) -> Run:
    out, err = StringIO(), StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        status = main(["demo", "--dir", str(directory)])
    return Run(status, out.getvalue(), err.getvalue(), directory / "mail")


@pytest.fixture(scope="module")
def clean_env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A working directory of its own, and no RECTRACK_* setting from outside."""
    with pytest.MonkeyPatch.context() as patch:
        for key in KEYS:
            patch.delenv(key.env, raising=False)
        patch.delenv("RECTRACK_CONFIG", raising=False)
        home = tmp_path_factory.mktemp("demo")
        patch.chdir(home)
        yield home


@pytest.fixture(scope="module")
def demo(clean_env: Path) -> Run:
    return run_demo(Path("tmp"))  # relative, as a user would write it


def emails(mail: Path) -> list[EmailMessage]:
    parser = BytesParser(policy=policy.default)
    return [parser.parsebytes(path.read_bytes()) for path in sorted(mail.glob("*.eml"))]


def mail_lines(out: str) -> list[str]:
    return [line for line in out.splitlines() if "  mail: " in line]


def test_it_exits_0_and_prints_the_tracker(demo: Run) -> None:
    assert (demo.status, demo.err) == (0, "")
    assert "The tracker on 2027-04-27:" in demo.out
    assert re.search(r"^CCS/09/b +closed \(implemented\)", demo.out, re.MULTILINE)


def test_it_says_who_is_who_before_the_story(demo: Run) -> None:
    cast = demo.out.split("What happened next", 1)[0]
    assert re.search(r"^Cllr Bob Price +chair of the City Executive Board$", cast, re.MULTILINE)
    assert re.search(r"^Helen Bishop +officer, the owner of CCS/09/b$", cast, re.MULTILINE)


@pytest.mark.parametrize(
    ("kind", "to"),
    [
        (Kind.RESPONSE_DUE, "Cllr Bob Price"),
        (Kind.TARGET_OVERDUE, "Helen Bishop"),
        (Kind.MONITORING_REMINDER, "Helen Rowlands"),
        (Kind.CHAIR_DIGEST, "Cllr Mary Armitage"),
        (Kind.MILESTONE_DUE, "Helen Bishop"),
    ],
)
def test_the_timeline_shows_each_kind_of_notice_to_its_person(
    demo: Run, kind: Kind, to: str
) -> None:
    assert any(
        f"mail: {kind.value} " in line and f"to {to} " in line for line in mail_lines(demo.out)
    )


def test_the_board_is_not_chased_for_the_response_it_gave_as_a_note(demo: Run) -> None:
    assert not any(f"mail: {Kind.RESPONSE_OVERDUE.value} " in line for line in mail_lines(demo.out))


def test_the_timeline_interleaves_the_notices_with_what_people_did(demo: Run) -> None:
    overdue = demo.out.index("Thu 01 Apr  08:00  mail: target-overdue")
    assert demo.out.index("CCS/09/b agree ") < overdue < demo.out.index("CCS/09/b sign_off")


def test_it_leaves_one_eml_file_per_message_sent_and_says_where(demo: Run) -> None:
    count = len(list(demo.mail.glob("*.eml")))
    assert count == len(mail_lines(demo.out)) == 10
    assert f"the {count} messages it sent are .eml files in {demo.mail}." in demo.out


def test_each_email_is_plain_text_and_html_with_a_message_id(demo: Run) -> None:
    for email in emails(demo.mail):
        assert email.get_content_type() == "multipart/alternative"
        parts = [part.get_content_type() for part in email.iter_parts()]
        assert parts == ["text/plain", "text/html"]
        assert re.fullmatch(r"<[^<>@\s]+@[^<>@\s]+>", str(email["Message-ID"]))


def test_each_email_goes_to_the_person_it_is_for(demo: Run) -> None:
    sent = Counter(
        (email["To"].addresses[0].addr_spec, str(email["Subject"]).strip().split(":")[0])
        for email in emails(demo.mail)
    )
    assert sent == {
        ("cllr.price@oxford.example", "Response due by Thursday 4 March 2027"): 1,
        ("helen.bishop@oxford.example", "Target date passed"): 3,
        ("helen.bishop@oxford.example", "Monitoring reminder"): 2,
        ("helen.bishop@oxford.example", "Milestones due"): 1,
        ("helen.rowlands@oxford.example", "Monitoring reminder"): 2,
        (
            "cllr.armitage@oxford.example",
            "Agenda for Value and Performance Scrutiny Committee on Tuesday 20 April 2027",
        ): 1,
    }


def test_it_names_the_commands_to_look_around_with(demo: Run) -> None:
    for command in ("recs list", "recs show CCS/09/c", "outbox list", "simulate --from 2027-04-28"):
        assert f" rectrack {command}" in demo.out
    assert " rectrack annex --format pdf -o " in demo.out


def test_a_second_run_starts_afresh_and_tells_the_same_tale(clean_env: Path) -> None:
    directory = clean_env / "twice"
    first = run_demo(directory)
    first_files = sorted(first.mail.glob("*.eml"))
    second = run_demo(directory)
    assert (second.status, second.out) == (0, first.out)
    assert len(list(second.mail.glob("*.eml"))) == len(first_files) == 10
    assert not any(path.exists() for path in first_files)  # new messages, new names


# `demo --web`: the story stops the morning the board meets; the rest is the user's.


@pytest.fixture(scope="module")
def web_demo(clean_env: Path) -> Run:
    out, err = StringIO(), StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        status = main(["demo", "--web", "--dir", "web"])
    return Run(status, out.getvalue(), err.getvalue(), Path("web") / "mail")


def test_for_the_web_it_stops_before_the_board_responds(web_demo: Run) -> None:
    from config import load_settings
    from rectrack.app import App
    from workflow import services

    assert (web_demo.status, web_demo.err) == (0, "")
    app = App(load_settings(Path("web") / "rectrack.toml"))
    with app.session() as session:
        rows = services.list_recommendations(session, app.table, app.today())
    assert {row["state"] for row in rows} == {"proposed"}


def test_for_the_web_every_persona_signs_in_with_the_password_shown(web_demo: Run) -> None:
    from datetime import UTC, datetime

    from config import load_settings
    from rectrack.app import App
    from rectrack.cli.demo import DEMO_PASSWORD, demo_document
    from workflow.services.accounts import sign_in

    assert repr(DEMO_PASSWORD) in web_demo.out
    app = App(load_settings(Path("web") / "rectrack.toml"))
    with app.session() as session:
        for person in demo_document()["people"]:
            signed = sign_in(session, person["email"], DEMO_PASSWORD, datetime.now(UTC))
            assert signed.actor.email == person["email"]


def test_for_the_web_its_settings_serve_the_app(web_demo: Run) -> None:
    from config import load_settings
    from rectrack.app import App
    from rectrack.web import create_app

    settings = load_settings(Path("web") / "rectrack.toml")
    assert settings.web_secret_key and settings.mail_file_directory == Path("web") / "mail"
    create_app(App(settings))  # a secret key of its own: the app starts


def test_for_the_web_it_says_each_step_and_its_command(web_demo: Run) -> None:
    from rectrack.cli.demo_story import WEB_STEPS

    for step in WEB_STEPS:
        assert f"--config {Path('web') / 'rectrack.toml'} {step.command}" in web_demo.out
