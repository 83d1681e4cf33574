"""A clerk can take the seed panel report through its whole life with the CLI alone.

The journey runs once, through `rectrack.cli.main` and nothing else: load the example
document, the board's responses, the owners' work, the chair's amendment, sign-off and
a withdrawal, the service's passes on dates in 2027 (mail into a folder of .eml
files), and at several points a command that must be refused and change nothing.
The tests read what it recorded.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import redirect_stderr, redirect_stdout
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from importlib import resources
from io import StringIO
from pathlib import Path
from typing import Any, NamedTuple

import pytest

from config.settings import KEYS
from rectrack.cli import main
from workflow.clock import FixedClock

CLERK = "democratic.services@oxford.example"
# The clerk types the life in after it was lived; each change is dated as typed.
CLOCK = FixedClock(datetime(2027, 4, 27, 9, 0, tzinfo=UTC))
EXECUTIVE = "cllr.vannooijen@oxford.example"
CHAIR = "cllr.armitage@oxford.example"  # of the panel that made the report
BOARD_CHAIR = "cllr.price@oxford.example"  # of the board it went to
OWNER_B, OWNER_C = "helen.bishop@oxford.example", "helen.rowlands@oxford.example"
PANEL = "Value and Performance Scrutiny Committee"
REPORT_TITLE = "Scrutiny Panel response to the Customer Contact Strategy Report"
A, B, C = "CCS/09/a", "CCS/09/b", "CCS/09/c"


class Result(NamedTuple):
    status: int
    out: str
    err: str


class Refusal(NamedTuple):
    status: int
    err: str
    unchanged: bool  # the export after it is the export before it


@dataclass
class Journey:
    """The clerk at the command line: every step's result, the refusals, each pass's mail."""

    mail: Path
    steps: list[tuple[tuple[str, ...], Result]] = field(default_factory=list)
    refusals: dict[str, Refusal] = field(default_factory=dict)
    sent: dict[str, list[tuple[str, str]]] = field(default_factory=dict)  # now: (to, subject)

    def call(self, *args: str) -> Result:
        out, err = StringIO(), StringIO()
        with redirect_stdout(out), redirect_stderr(err):
            status = main(list(args), CLOCK)
        return Result(status, out.getvalue(), err.getvalue())

    def run(self, *args: str) -> None:
        """A step of the life: it must succeed, which a test checks."""
        self.steps.append((args, self.call(*args)))

    def json(self, *args: str) -> Any:
        status, out, err = self.call(*args, "--json")
        assert status == 0, err
        return json.loads(out)

    def export(self) -> str:
        return self.call("export").out

    def refuse(self, name: str, *args: str) -> None:
        """A command that must be refused: record how, and whether the data moved."""
        before = self.export()
        status, _, err = self.call(*args)
        self.refusals[name] = Refusal(status, err, self.export() == before)

    def tick(self, now: str) -> None:
        before = set(self.mail.glob("*.eml"))
        self.run("tick", "--now", now, "--force")  # the life is lived ahead of the clock
        new = [read_email(path) for path in set(self.mail.glob("*.eml")) - before]
        self.sent[now] = sorted((to(email), str(email["Subject"]).strip()) for email in new)


def read_email(path: Path) -> EmailMessage:
    return BytesParser(policy=policy.default).parsebytes(path.read_bytes())


def to(email: EmailMessage) -> str:
    return str(email["To"].addresses[0].addr_spec)


def live_the_reports_life(clerk: Journey, document: Path) -> None:
    clerk.run("init")
    clerk.run("import", str(document), "--by", CLERK)  # the clerk is one of its people
    clerk.refuse("wrong state", "fire", B, "sign_off", "--by", CHAIR)
    clerk.tick("2027-02-18T08:00:00+00:00")
    the_board_responds(clerk)
    the_owners_start(clerk)
    clerk.run("amend", C, "--target-date", "2027-06-30", *endorsed("--reason", "Time base moved."))
    clerk.refuse("bad date", "amend", C, "--target-date", "30/06", *endorsed("--reason", "No."))
    clerk.tick("2027-04-01T08:00:00+01:00")
    clerk.tick("2027-04-06T08:00:00+01:00")
    the_work_is_done(clerk)
    clerk.refuse("closed is final", "fire", B, "reopen", "--note", "Not yet.", "--by", CHAIR)
    withdrawn = endorsed("--note", "Overtaken by the Strategy.")
    clerk.run("fire", A, "withdraw", "--outcome", "withdrawn", *withdrawn)
    clerk.tick("2027-04-13T08:00:00+01:00")


def endorsed(note_option: str, note: str) -> tuple[str, ...]:
    """The options of a change the panel endorsed on 25 March, made by its chair."""
    return (note_option, note, "--endorsed-by", PANEL, "--on", "2027-03-25", "--by", CHAIR)


def the_board_responds(clerk: Journey) -> None:
    clerk.refuse("missing reason", "respond", A, "disagree", "--by", EXECUTIVE)
    timescale = ("--timescale", "2027-03-31")
    clerk.refuse("wrong role", "respond", B, "agree", *timescale, "--by", OWNER_B)
    clerk.run("respond", A, "note", "--comment", "With the Strategy.", "--by", EXECUTIVE)
    clerk.run("respond", B, "agree", *timescale, "--by", EXECUTIVE)
    part = ("--comment", "Not the savings target yet.")
    clerk.run("respond", C, "agree-in-part", *timescale, *part, "--by", EXECUTIVE)


def the_owners_start(clerk: Journey) -> None:
    clerk.refuse("not the owner", "fire", C, "start", "--by", OWNER_B)
    clerk.run("fire", B, "start", "--by", OWNER_B)
    clerk.run("fire", C, "start", "--by", OWNER_C)
    clerk.run("update", B, "--note", "Draft plan agreed.", "--rag", "amber", "--by", OWNER_B)
    clerk.refuse("unknown code", "update", "CCS/09/z", "--note", "Done.", "--by", CLERK)


def the_work_is_done(clerk: Journey) -> None:
    clerk.run("fire", C, "start", "--by", OWNER_C)
    clerk.run("update", C, "--note", "Indicators drafted.", "--rag", "green", "--by", OWNER_C)
    clerk.run("fire", B, "report_implemented", "--note", "Plan published.", "--by", OWNER_B)
    clerk.run("fire", B, "sign_off", "--by", CHAIR)
    clerk.run("fire", C, "report_implemented", "--note", "Indicators agreed.", "--by", OWNER_C)


@pytest.fixture(scope="module")
def clerk(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Journey]:
    """The journey, done once in a directory of its own with its own settings."""
    home = tmp_path_factory.mktemp("journey")
    document = home / "demo.json"
    document.write_text(resources.files("rectrack").joinpath("data/demo.json").read_text("utf-8"))
    with pytest.MonkeyPatch.context() as patch:
        for name in [key.env for key in KEYS] + ["RECTRACK_CONFIG", "RECTRACK_ACTOR"]:
            patch.delenv(name, raising=False)
        patch.chdir(home)
        patch.setenv("RECTRACK_DATABASE_URL", f"sqlite:///{home / 'rectrack.db'}")
        patch.setenv("RECTRACK_MAIL_TRANSPORT", "file")
        patch.setenv("RECTRACK_MAIL_FILE_DIRECTORY", str(home / "mail"))
        journey = Journey(home / "mail")
        live_the_reports_life(journey, document)
        yield journey


def test_every_step_of_the_life_is_done(clerk: Journey) -> None:
    failed = [(args, result.err) for args, result in clerk.steps if result.status != 0]
    assert failed == []
    assert len(clerk.steps) == 19  # all of them ran


def test_the_tracker_shows_where_each_recommendation_ended(clerk: Journey) -> None:
    rows = clerk.json("recs", "list")
    assert {row["code"]: (row["state"], row["closure_outcome"]) for row in rows} == {
        A: ("closed", "withdrawn"),
        B: ("closed", "implemented"),
        C: ("monitored", None),
    }


@pytest.mark.parametrize(
    ("code", "history"),
    [
        (
            A,
            [
                ("import", CLERK, None, "proposed"),
                ("note", EXECUTIVE, "proposed", "proposed"),
                ("withdraw", CHAIR, "proposed", "closed"),
            ],
        ),
        (
            B,
            [
                ("import", CLERK, None, "proposed"),
                ("agree", EXECUTIVE, "proposed", "endorsed"),
                ("start", OWNER_B, "endorsed", "in_progress"),
                ("progress_update", OWNER_B, "in_progress", "in_progress"),
                ("report_implemented", OWNER_B, "in_progress", "monitored"),
                ("sign_off", CHAIR, "monitored", "closed"),
            ],
        ),
        (
            C,
            [
                ("import", CLERK, None, "proposed"),
                ("agree_in_part", EXECUTIVE, "proposed", "endorsed"),
                ("start", OWNER_C, "endorsed", "in_progress"),
                ("amend", CHAIR, "in_progress", "amended"),
                ("start", OWNER_C, "amended", "in_progress"),
                ("progress_update", OWNER_C, "in_progress", "in_progress"),
                ("report_implemented", OWNER_C, "in_progress", "monitored"),
            ],
        ),
    ],
)
def test_the_history_has_every_step_with_its_actor_and_states(
    clerk: Journey, code: str, history: list[tuple[str, str | None, str | None, str]]
) -> None:
    shown = clerk.json("recs", "show", code)["history"]
    steps = [(h["event"], h["actor"], h["from_state"], h["to_state"]) for h in shown]
    assert steps == history


def test_the_amendment_keeps_the_original_target_and_who_endorsed_it(clerk: Journey) -> None:
    shown = clerk.json("recs", "show", C)
    assert (shown["original_target_date"], shown["target_date"]) == ("2027-03-31", "2027-06-30")
    amendment = shown["amendments"][0]
    assert (amendment["endorsed_by"], amendment["endorsed_on"]) == (PANEL, "2027-03-25")


def test_the_responses_are_recorded_with_their_decisions(clerk: Journey) -> None:
    decisions = [clerk.json("recs", "show", code)["responses"][0]["decision"] for code in (A, B, C)]
    assert decisions == ["note", "agree", "agree_in_part"]


def test_an_export_imported_into_a_fresh_database_exports_the_same(
    clerk: Journey, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    exported = tmp_path / "export.json"
    exported.write_text(clerk.export(), encoding="utf-8")
    monkeypatch.setenv("RECTRACK_DATABASE_URL", f"sqlite:///{tmp_path / 'fresh.db'}")
    assert clerk.call("init").status == 0
    assert clerk.call("import", str(exported), "--by", CLERK).status == 0
    assert clerk.export() == exported.read_text(encoding="utf-8")


def test_a_moved_database_carries_what_was_sent_and_sends_it_not_again(
    clerk: Journey, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    exported = tmp_path / "export.json"
    exported.write_text(clerk.export(), encoding="utf-8")
    kinds = {notice["kind"] for notice in json.loads(exported.read_text("utf-8"))["notices"]}
    assert {"response-due", "target-overdue", "monitoring-reminder", "chair-digest"} <= kinds
    monkeypatch.setenv("RECTRACK_DATABASE_URL", f"sqlite:///{tmp_path / 'moved.db'}")
    clerk.call("init")
    clerk.call("import", str(exported), "--by", CLERK)
    ticked = clerk.json("tick", "--now", "2027-04-13T08:00:00+01:00")
    assert (ticked["queued"], ticked["sent"]) == (0, 0)


@pytest.mark.parametrize(
    ("now", "sent"),
    [
        (
            "2027-02-18T08:00:00+00:00",
            [(BOARD_CHAIR, f"Response due by Thursday 4 March 2027: CCS/09 {REPORT_TITLE}")],
        ),
        ("2027-04-01T08:00:00+01:00", [(OWNER_B, "Target date passed: CCS/09/b")]),
        (
            "2027-04-06T08:00:00+01:00",
            [
                (OWNER_B, "Monitoring reminder: CCS/09/b on Tuesday 20 April 2027"),
                (OWNER_C, "Monitoring reminder: CCS/09/c on Tuesday 20 April 2027"),
            ],
        ),
        (
            "2027-04-13T08:00:00+01:00",
            [
                (
                    CHAIR,
                    f"Agenda for {PANEL} on Tuesday 20 April 2027:"
                    " 1 due for review, 2 changes since the first report",
                )
            ],
        ),
    ],
)
def test_each_pass_of_the_service_sends_what_is_due_to_whom(
    clerk: Journey, now: str, sent: list[tuple[str, str]]
) -> None:
    assert clerk.sent[now] == sent


@pytest.mark.parametrize(
    ("name", "status", "words"),
    [
        ("wrong state", 1, "sign_off is allowed only from monitored"),
        ("missing reason", 1, "a reason is required"),
        ("wrong role", 1, "only an executive or a clerk may agree"),
        ("not the owner", 1, f"only the owner ({OWNER_C}) or a clerk may start"),
        ("unknown code", 2, "no recommendation with code 'CCS/09/z'"),
        ("bad date", 2, "'30/06' is not a date"),
        ("closed is final", 1, "it is closed"),
    ],
)
def test_bad_input_is_refused_in_one_line_and_changes_nothing(
    clerk: Journey, name: str, status: int, words: str
) -> None:
    refusal = clerk.refusals[name]
    assert (refusal.status, refusal.unchanged) == (status, True)
    assert refusal.err.startswith("rectrack: error: ")
    assert refusal.err.count("\n") == 1
    assert words in refusal.err
