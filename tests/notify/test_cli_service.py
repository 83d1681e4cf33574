"""The service's commands through the real entry point: tick, simulate, outbox, mail test."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable, Iterator
from datetime import date
from email.message import EmailMessage
from pathlib import Path
from typing import Protocol

import pytest
from factories import CLERK, OFFICER, World, make_recommendation, make_world
from locks import WriteLock
from runner import Cli

from workflow.db import make_engine, new_session
from workflow.models import Person

RECTRACK = str(Path(sys.executable).with_name("rectrack"))
DUE = "2027-06-01T08:00:00+01:00"  # 08:00 in London, when the 14-day reminder goes
MISTYPED = "2072-06-01T08:00:00+01:00"  # 2027, with two digits the wrong way round


Refuse = Callable[..., None]


class HasPort(Protocol):
    port: int


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    monkeypatch.chdir(tmp_path)
    for name in ("RECTRACK_CONFIG", "RECTRACK_ACTOR"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("RECTRACK_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    monkeypatch.setenv("RECTRACK_MAIL_TRANSPORT", "file")
    monkeypatch.setenv("RECTRACK_MAIL_FILE_DIRECTORY", str(tmp_path / "mail"))
    return monkeypatch


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str], env: pytest.MonkeyPatch) -> Cli:
    return Cli(capsys)


@pytest.fixture
def world(cli: Cli, tmp_path: Path) -> Iterator[World]:
    """An initialised database with the personas and one report."""
    assert cli("init")[0] == 0
    engine = make_engine(f"sqlite:///{tmp_path / 'cli.db'}")
    with new_session(engine) as session:
        yield make_world(session)
    engine.dispose()


def watched(world: World, owner: str = OFFICER) -> str:
    return make_recommendation(
        world, "a", "in_progress", owner=owner, monitoring_date=date(2027, 6, 15)
    )


def use_smtp(env: pytest.MonkeyPatch, port: int) -> None:
    env.setenv("RECTRACK_MAIL_TRANSPORT", "smtp")
    env.setenv("RECTRACK_MAIL_SMTP_HOST", "127.0.0.1")
    env.setenv("RECTRACK_MAIL_SMTP_PORT", str(port))
    env.setenv("RECTRACK_MAIL_SMTP_STARTTLS", "false")
    env.setenv("RECTRACK_MAIL_SMTP_TIMEOUT", "5")


# tick


def test_tick_json_says_what_it_planned_and_sent(cli: Cli, world: World, tmp_path: Path) -> None:
    watched(world)
    report = cli.json("tick", "--now", DUE)
    assert report["at"] == "2027-06-01T08:00:00+01:00"
    assert {k: report[k] for k in ("planned", "queued", "sent", "failed", "missed")} == {
        "planned": 1,
        "queued": 1,
        "sent": 1,
        "failed": 0,
        "missed": 0,
    }
    assert len(list((tmp_path / "mail").glob("*.eml"))) == 1


def test_tick_prints_one_line_for_people(cli: Cli, world: World) -> None:
    watched(world)
    status, out, _ = cli("tick", "--now", DUE)
    assert status == 0
    assert out.strip().endswith(
        "planned 1, queued 1, sent 1, retried 0, failed 0, missed 0, cancelled 0"
    )


@pytest.mark.parametrize("now", ["2027-06-01T08:00:00", "2027-06-01", "tomorrow"])
def test_tick_refuses_a_time_without_a_zone_in_one_line(cli: Cli, world: World, now: str) -> None:
    status, out, err = cli("tick", "--now", now)
    assert (status, out) == (2, "")
    assert err.startswith("rectrack: error: ") and err.count("\n") == 1
    assert cli.json("outbox", "list") == []


def test_tick_with_the_mail_server_down_exits_3_saying_so_in_one_line(
    cli: Cli,
    env: pytest.MonkeyPatch,
    world: World,
    smtp_later: tuple[Callable[..., HasPort], Callable[[], list[EmailMessage]]],
) -> None:
    watched(world)
    use_smtp(env, smtp_later[0]().port)
    status, out, err = cli("tick", "--now", DUE)
    assert status == 3
    assert err.startswith("rectrack: error: cannot reach the mail server: ")
    assert err.endswith("; the messages wait in the outbox\n") and err.count("\n") == 1
    assert "sent 0, retried 1" in out
    assert [m["status"] for m in cli.json("outbox", "list")] == ["queued"]


def test_tick_as_a_process_prints_its_error_alone_on_stderr(
    cli: Cli,
    env: pytest.MonkeyPatch,
    world: World,
    smtp_later: tuple[Callable[..., HasPort], Callable[[], list[EmailMessage]]],
) -> None:
    watched(world)
    use_smtp(env, smtp_later[0]().port)
    done = subprocess.run([RECTRACK, "tick", "--now", DUE], capture_output=True, text=True)
    assert done.returncode == 3
    assert done.stderr.startswith("rectrack: error: cannot reach") and done.stderr.count("\n") == 1


def test_tick_says_loudly_when_sending_is_paused(
    cli: Cli, env: pytest.MonkeyPatch, world: World, plain_login_server: HasPort
) -> None:
    watched(world)
    use_smtp(env, plain_login_server.port)
    env.setenv("RECTRACK_MAIL_SMTP_STARTTLS", "auto")
    env.setenv("RECTRACK_MAIL_SMTP_USERNAME", "rectrack")
    env.setenv("RECTRACK_MAIL_SMTP_PASSWORD", "s3cret")
    status, _, err = cli("tick", "--now", DUE)
    assert status == 2
    assert err.startswith("rectrack: error: paused: mail.smtp.username is set but the")
    assert err.count("\n") == 1


def test_tick_on_a_database_another_writer_holds_fails_in_one_line(
    cli: Cli, env: pytest.MonkeyPatch, world: World, tmp_path: Path
) -> None:
    watched(world)
    env.setenv("RECTRACK_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}?timeout=0.05")
    lock = WriteLock(tmp_path / "cli.db")
    lock.take()
    try:
        status, _, err = cli("tick", "--now", DUE)
    finally:
        lock.close()
    assert status == 2
    assert err.startswith("rectrack: error: ") and "database is locked" in err
    assert err.count("\n") == 1


def test_tick_far_ahead_on_a_swept_database_is_refused_naming_now_and_force(
    cli: Cli, world: World
) -> None:
    watched(world)
    assert cli("tick", "--now", DUE)[0] == 0  # the first: nothing to lose yet
    status, out, err = cli("tick", "--now", MISTYPED)
    assert (status, out) == (2, "")
    assert err.startswith(f"rectrack: error: {MISTYPED} is more than a day ahead of the clock")
    assert err.endswith("(--now, or --force to tick then anyway)\n") and err.count("\n") == 1
    assert [m["status"] for m in cli.json("outbox", "list")] == ["sent"]


def test_tick_far_ahead_goes_when_forced(cli: Cli, world: World) -> None:
    cli("tick", "--now", DUE)
    assert cli("tick", "--now", MISTYPED, "--force")[0] == 0


def test_a_tick_after_a_later_one_says_on_stderr_its_sweep_was_skipped_and_exits_4(
    cli: Cli, world: World
) -> None:
    cli("tick", "--now", MISTYPED)  # into a database never swept: it goes
    status, out, err = cli("tick")  # now, by the wall clock
    assert status == 4
    assert "sweep skipped" in out
    assert err == (
        "rectrack: error: the sweep was skipped: one ran already at 2072-06-01T07:00:00+00:00,"
        " and nothing is planned until the clock passes it\n"
    )


# simulate


def test_simulate_json_lists_each_day_with_recipients_and_subjects(cli: Cli, world: World) -> None:
    code = watched(world)
    days = cli.json("simulate", "--from", "2027-06-01", "--to", "2027-06-30")
    assert [day["day"] for day in days] == ["2027-06-01", "2027-06-12"]
    [message] = days[0]["messages"]
    assert (message["to"], message["kind"]) == (OFFICER, "monitoring-reminder")
    assert code in message["subject"]


def test_simulate_says_when_nothing_would_be_sent(cli: Cli, world: World) -> None:
    status, out, _ = cli("simulate", "--from", "2027-06-01", "--to", "2027-06-30")
    assert (status, out) == (0, "Nothing would be sent from 2027-06-01 to 2027-06-30.\n")


def test_simulate_refuses_a_range_that_ends_before_it_starts(cli: Cli, world: World) -> None:
    status, _, err = cli("simulate", "--from", "2027-06-30", "--to", "2027-06-01")
    assert status == 2 and "before the first, 2027-06-30 (--to)" in err


# outbox


def test_outbox_list_shows_the_sent_message(cli: Cli, world: World) -> None:
    watched(world)
    cli("tick", "--now", DUE)
    status, out, _ = cli("outbox", "list", "--status", "sent")
    assert status == 0
    assert "sent" in out and OFFICER in out
    assert cli.json("outbox", "list", "--status", "failed") == []


def test_outbox_list_refuses_an_unknown_status(cli: Cli, world: World) -> None:
    status, _, err = cli("outbox", "list", "--status", "lost")
    assert status == 2
    assert err.endswith(
        "is not one of queued, sending, partly-sent, sent, failed, cancelled (--status)\n"
    )


def test_outbox_retry_queues_a_failed_message_again(
    cli: Cli, env: pytest.MonkeyPatch, world: World, smtp_server: HasPort
) -> None:
    world.session.add(Person(name="Pat", email="perm@council.example", roles=["officer"]))
    world.session.commit()
    watched(world, owner="perm@council.example")  # the server refuses "perm…" for good
    use_smtp(env, smtp_server.port)
    cli("tick", "--now", DUE)
    [failed] = cli.json("outbox", "list", "--status", "failed")
    status, out, _ = cli("outbox", "retry", "--failed")
    assert (status, out) == (0, "queued 1 message again\n")
    assert [m["id"] for m in cli.json("outbox", "list", "--status", "queued")] == [failed["id"]]


def overdue_with_the_clerk_copied(world: World, env: pytest.MonkeyPatch, port: int) -> None:
    """A target-overdue notice due at DUE, to the officer and copied to the clerk, by SMTP."""
    make_recommendation(world, "b", "in_progress", target_date=date(2027, 5, 31))
    use_smtp(env, port)
    env.setenv("RECTRACK_MAIL_CLERK", CLERK)


def test_outbox_list_shows_where_a_copied_message_stands_for_each_recipient(
    cli: Cli, env: pytest.MonkeyPatch, world: World, smtp_server: HasPort, refuse: Refuse
) -> None:
    overdue_with_the_clerk_copied(world, env, smtp_server.port)
    refuse(CLERK, "451 4.3.0 mailbox busy")
    cli("tick", "--now", DUE)
    [message] = cli.json("outbox", "list")
    assert message["status"] == "partly-sent"
    recipients = [(r["to"], r["status"], r["error"]) for r in message["recipients"]]
    assert recipients == [(OFFICER, "sent", None), (CLERK, "queued", "451 4.3.0 mailbox busy")]
    assert f"{OFFICER} (sent), {CLERK} (queued)" in cli("outbox", "list")[1]


def test_outbox_retry_queues_a_failed_copy_for_its_recipient_alone(
    cli: Cli, env: pytest.MonkeyPatch, world: World, smtp_server: HasPort, refuse: Refuse
) -> None:
    overdue_with_the_clerk_copied(world, env, smtp_server.port)
    refuse(CLERK, "550 5.1.1 no such user")
    cli("tick", "--now", DUE)
    assert cli("outbox", "retry", "--failed")[1] == "queued 1 message again\n"
    [message] = cli.json("outbox", "list")
    assert message["status"] == "partly-sent"
    assert [r["status"] for r in message["recipients"]] == ["sent", "queued"]


def test_outbox_retry_needs_ids_or_failed(cli: Cli, world: World) -> None:
    status, _, err = cli("outbox", "retry")
    assert status == 2 and "--failed" in err


# mail test


def test_mail_test_sends_one_message_to_the_server(
    cli: Cli,
    env: pytest.MonkeyPatch,
    world: World,
    smtp_server: HasPort,
    received: list[EmailMessage],
) -> None:
    use_smtp(env, smtp_server.port)
    status, out, _ = cli("mail", "test", "--to", OFFICER)
    assert status == 0 and out.startswith(f"sent a test message to {OFFICER} by smtp")
    [email] = received
    assert email["To"].addresses[0].addr_spec == OFFICER


def test_mail_test_comes_from_the_senders_display_name_and_bare_address(
    cli: Cli,
    env: pytest.MonkeyPatch,
    world: World,
    smtp_server: HasPort,
    received: list[EmailMessage],
    envelopes: list[tuple[str, list[str]]],
) -> None:
    use_smtp(env, smtp_server.port)
    env.setenv("RECTRACK_MAIL_SENDER", "Scrutiny Team <scrutiny@council.example>")
    assert cli("mail", "test", "--to", OFFICER)[0] == 0
    assert received[0]["From"] == "Scrutiny Team <scrutiny@council.example>"
    assert envelopes == [("scrutiny@council.example", [OFFICER])]


def test_mail_test_to_a_closed_port_fails_in_one_line(
    cli: Cli,
    env: pytest.MonkeyPatch,
    world: World,
    smtp_later: tuple[Callable[..., HasPort], Callable[[], list[EmailMessage]]],
) -> None:
    use_smtp(env, smtp_later[0]().port)
    status, _, err = cli("mail", "test", "--to", OFFICER)
    assert status == 2
    assert err.startswith("rectrack: error: the test message was not sent: cannot reach")
    assert err.count("\n") == 1


# what cannot be sent


def test_tick_prints_each_notice_that_cannot_go_and_counts_them(cli: Cli, world: World) -> None:
    watched(world, owner=None)  # type: ignore[arg-type]
    status, out, _ = cli("tick", "--now", DUE)
    assert status == 0
    summary, line = out.splitlines()
    assert summary.endswith("cancelled 0, unsendable 1")
    assert line == "not sent: monitoring-reminder about CCS/09/a: CCS/09/a has no owner"


def test_tick_json_lists_what_cannot_go(cli: Cli, world: World) -> None:
    watched(world, owner=None)  # type: ignore[arg-type]
    [unsent] = cli.json("tick", "--now", DUE)["unsendable"]
    assert (unsent["kind"], unsent["why"], unsent["due_day"]) == (
        "monitoring-reminder",
        "CCS/09/a has no owner",
        "2027-06-01",
    )


def test_simulate_gives_the_reasons_when_nothing_can_be_sent(cli: Cli, world: World) -> None:
    watched(world, owner=None)  # type: ignore[arg-type]
    status, out, _ = cli("simulate", "--from", "2027-06-01", "--to", "2027-06-30")
    assert status == 0
    assert out.splitlines() == [
        "not sent: 2027-06-01: monitoring-reminder about CCS/09/a: CCS/09/a has no owner",
        "not sent: 2027-06-12: monitoring-reminder about CCS/09/a: CCS/09/a has no owner",
        "Nothing would be sent from 2027-06-01 to 2027-06-30; 2 notices cannot be sent.",
    ]


def test_simulate_lists_what_cannot_go_after_what_would_be_sent(cli: Cli, world: World) -> None:
    watched(world)
    make_recommendation(world, "b", "in_progress", owner=None, target_date=date(2027, 6, 15))
    out = cli("simulate", "--from", "2027-06-01", "--to", "2027-06-30")[1].splitlines()
    assert out[-5:] == [
        "",
        *(
            f"not sent: 2027-06-{day}: target-overdue about CCS/09/b: CCS/09/b has no owner"
            for day in (16, 23, 30)
        ),
        "2 messages would be sent on 2 days from 2027-06-01 to 2027-06-30;"
        " 3 notices cannot be sent.",
    ]
