"""Large sweeps: short transactions, sweeps that take turns, a busy database, bounded messages."""

from __future__ import annotations

import sqlite3
import threading
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from factories import OFFICER, World, make_recommendation, rules
from sqlalchemy import Engine, event, func, insert, update
from sqlmodel import Session, col, select

from notifications import emails, ledger, outbox, turns
from notifications.items import Snapshot
from notifications.models import NoticeRow, OutboxRow, SweepRow
from notifications.notices import Kind, Link, Message, Notice
from notifications.planning import Rules
from notifications.rendering import Renderer
from notifications.sweep import BATCH_SIZE, MESSAGE_WEIGHT, SweepReport, sweep
from workflow import services
from workflow.db import busy_as_error, make_engine, new_session, transaction
from workflow.errors import DatabaseBusy
from workflow.lifecycle import Lifecycle
from workflow.models import Person, ProgressUpdate, Recommendation

LONDON = ZoneInfo("Europe/London")
NOW = datetime.combine(date(2027, 6, 1), time(8), tzinfo=LONDON)  # 14 days before monitoring
MONITORING = date(2027, 6, 15)
RULES = rules(tz=LONDON)
ONE_MESSAGE_A_BATCH = 1 + MESSAGE_WEIGHT  # a message of one notice fills a batch
SQLITE_ONLY = pytest.mark.parametrize("engine", ["sqlite"], indirect=True)
POSTGRESQL_ONLY = pytest.mark.parametrize(
    "engine", [pytest.param("postgresql", marks=pytest.mark.external_service)], indirect=True
)


class Crash(BaseException):
    """The process dying mid-sweep, as far as the sweep can tell."""


class PausingRenderer(Renderer):
    """rectrack's renderer, which does `meanwhile` before making message number `at`."""

    def __init__(self, meanwhile: Callable[[], object], at: int = 1) -> None:
        super().__init__()
        self.meanwhile, self.count, self.at = meanwhile, 0, at

    def render(
        self,
        notices: Sequence[Notice],
        snapshot: Snapshot,
        rules: Rules,
        links: Sequence[Link] = (),
    ) -> Message:
        self.count += 1
        if self.count == self.at:
            self.meanwhile()
        return super().render(notices, snapshot, rules, links)


def sweep_at(
    engine: Engine,
    now: datetime = NOW,
    renderer: Renderer | None = None,
    batch_size: int = BATCH_SIZE,
) -> SweepReport:
    return sweep(
        engine,
        now,
        rules=RULES,
        renderer=renderer or Renderer(),
        sender="rectrack@council.example",
        batch_size=batch_size,
    )


def add_owners(world: World, count: int) -> list[str]:
    """Add `count` officers, each owning one recommendation due for a reminder at NOW."""
    emails = [f"officer{n}@council.example" for n in range(count)]
    people = [
        {"name": f"Officer {n}", "email": e, "roles": ["officer"]} for n, e in enumerate(emails)
    ]
    world.session.connection().execute(insert(Person), people)
    ids = world.session.exec(select(Person.id).where(col(Person.email).in_(emails))).all()
    add_recommendations(world, [owner for owner in ids if owner is not None])
    return emails


def add_recommendations(world: World, owners: Sequence[int]) -> None:
    """Add one recommendation due for a reminder at NOW for each of `owners` (ids, repeated)."""
    rows = [
        {
            "report_id": world.report_id,
            "reference": f"b{n}",
            "code": f"CCS/09/b{n}",
            "text": "Publish the customer contact figures every quarter.",
            "owner_id": owner,
            "state": "in_progress",
            "monitoring_date": MONITORING,
            "version": 1,
        }
        for n, owner in enumerate(owners)
    ]
    world.session.connection().execute(insert(Recommendation), rows)
    world.session.commit()


def messages_to(engine: Engine) -> Counter[str]:
    with new_session(engine) as session:
        return Counter(session.exec(select(OutboxRow.recipient)))


def claimed_without_a_message(engine: Engine) -> int:
    with new_session(engine) as session:
        unattached = (col(NoticeRow.status) == "queued") & col(NoticeRow.outbox_id).is_(None)
        return session.exec(select(func.count()).where(unattached)).one()


@contextmanager
def impatient(engine: Engine, timeout_ms: int = 50) -> Iterator[Engine]:
    """Another engine on the same database, that waits `timeout_ms` at most for a lock."""
    other = make_engine(engine.url.render_as_string(hide_password=False))

    @event.listens_for(other, "connect")
    def short_wait(dbapi_connection: Any, _record: Any) -> None:
        if other.dialect.name == "sqlite":  # after make_engine's pragmas, so this one wins
            dbapi_connection.execute(f"PRAGMA busy_timeout={timeout_ms}")
        else:
            dbapi_connection.execute(f"SET lock_timeout = {timeout_ms}")
            dbapi_connection.commit()

    yield other
    other.dispose()


@pytest.fixture
def locker(engine: Engine) -> Iterator[sqlite3.Connection]:
    """A plain sqlite3 connection to the test's database file, to hold its write lock."""
    holder = sqlite3.connect(engine.url.database or "", isolation_level=None)
    yield holder
    holder.close()


# A clerk's edit waits for one batch at most


def clerk_updates(engine: Engine, lifecycle: Lifecycle, code: str) -> None:
    """A progress update from another desk, waiting 200 ms at most for the database."""
    with impatient(engine, timeout_ms=200) as desk, new_session(desk) as session:
        officer = services.find_actor(session, OFFICER)
        services.add_update(session, lifecycle, code, officer, "Figures out", "green", NOW)


def updates(engine: Engine) -> int:
    with new_session(engine) as session:
        return session.exec(select(func.count()).select_from(ProgressUpdate)).one()


def test_a_clerk_can_write_while_the_sweep_makes_its_messages(
    engine: Engine, world: World, lifecycle: Lifecycle
) -> None:
    code = make_recommendation(world, "u", "in_progress")
    add_owners(world, 3)
    renderer = PausingRenderer(lambda: clerk_updates(engine, lifecycle, code), at=2)
    assert (sweep_at(engine, renderer=renderer).errors, updates(engine)) == ((), 1)


def test_a_clerk_writing_during_a_large_sweep_waits_one_batch_at_most(
    engine: Engine, world: World, lifecycle: Lifecycle
) -> None:
    code = make_recommendation(world, "u", "in_progress")
    add_owners(world, 300)
    queueing = threading.Event()

    def mid_batch(_c: Any, _cur: Any, sql: str, _p: Any, _ctx: Any, _many: bool) -> None:
        if sql.startswith("INSERT INTO outbox"):
            queueing.set()  # the sweep is inside a batch's transaction

    event.listen(engine, "before_cursor_execute", mid_batch)
    with ThreadPoolExecutor(1) as pool:
        swept = pool.submit(sweep_at, engine)
        assert queueing.wait(timeout=60)
        for _ in range(3):
            clerk_updates(engine, lifecycle, code)
        assert swept.result().queued == 300
    event.remove(engine, "before_cursor_execute", mid_batch)
    assert updates(engine) == 3


# Sweeps take turns


def test_two_sweeps_at_once_put_each_notice_in_one_message(engine: Engine, world: World) -> None:
    owners = add_owners(world, 30)
    start = threading.Barrier(2)

    def run(_: int) -> SweepReport:
        own = make_engine(engine.url.render_as_string(hide_password=False))
        start.wait()
        report = sweep_at(own, batch_size=4 * ONE_MESSAGE_A_BATCH)
        own.dispose()
        return report

    with ThreadPoolExecutor(2) as pool:
        reports = list(pool.map(run, range(2)))
    assert sum(report.queued for report in reports) == 30
    assert messages_to(engine) == Counter(owners)
    assert claimed_without_a_message(engine) == 0


def test_a_sweep_while_another_runs_does_nothing_and_says_so(engine: Engine, world: World) -> None:
    add_owners(world, 2)
    inner: list[SweepReport] = []
    renderer = PausingRenderer(lambda: inner.append(sweep_at(engine, NOW + timedelta(minutes=1))))
    assert sweep_at(engine, renderer=renderer).queued == 2
    [skipped] = inner
    assert (skipped.skipped, skipped.running, skipped.queued) == (True, NOW, 0)
    assert skipped.why_skipped.startswith("another, at 2027-06-01 07:00:00+00:00, is still")


def test_a_sweep_that_died_holds_the_turn_until_its_lease_runs_out(
    engine: Engine, world: World
) -> None:
    add_owners(world, 1)
    with new_session(engine) as session, transaction(session):
        turns.take(session=session, now=NOW)  # and never heard of again
    assert sweep_at(engine, NOW + timedelta(minutes=5)).skipped
    assert sweep_at(engine, NOW + turns.TURN_LEASE).queued == 1


def test_a_sweep_whose_turn_ran_out_stops_once_a_later_one_took_over(
    engine: Engine, world: World
) -> None:
    owners = add_owners(world, 2)
    later = NOW + turns.TURN_LEASE + timedelta(minutes=1)
    inner: list[SweepReport] = []
    renderer = PausingRenderer(lambda: inner.append(sweep_at(engine, later)))
    with pytest.raises(turns.SweepOvertaken):
        sweep_at(engine, renderer=renderer)
    assert inner[0].queued == 2 and messages_to(engine) == Counter(owners)
    assert sweep_statuses(engine) == ["stopped", "done"]


def test_a_batch_whose_notice_was_claimed_meanwhile_is_left_whole_for_later(
    engine: Engine, world: World
) -> None:
    owners = add_owners(world, 2)

    def claim_the_first_elsewhere() -> None:
        with new_session(engine) as session, transaction(session):
            [first] = session.exec(select(NoticeRow.key).where(NoticeRow.recipient == owners[0]))
            ledger.claim(session=session, keys=[first], outbox_id=elsewhere(session))

    report = sweep_at(engine, renderer=PausingRenderer(claim_the_first_elsewhere))
    assert report.queued == 0 and "another sweep claimed some" in report.errors[0]
    assert sweep_at(engine, NOW + timedelta(minutes=5)).queued == 1
    assert messages_to(engine) == Counter(owners)


def elsewhere(session: Session) -> int:
    """A message another sweep queued, to the first owner."""
    message = Message(
        Kind.MONITORING_REMINDER, "officer0@council.example", "", "s", "t", "<p>t</p>"
    )
    email = emails.compose(message, sender="rectrack@council.example", now=NOW)
    return outbox.enqueue(session=session, email=email)


def sweep_statuses(engine: Engine) -> list[str]:
    with new_session(engine) as session:
        return list(session.exec(select(SweepRow.status).order_by(col(SweepRow.at))))


def test_what_lapsed_since_the_last_sweep_done_is_missed_though_one_stopped_between(
    engine: Engine, world: World
) -> None:
    add_owners(world, 1)
    sweep_at(engine, NOW - timedelta(days=1))
    crashing = PausingRenderer(lambda: (_ for _ in ()).throw(Crash()))
    with pytest.raises(Crash):  # the 12 June reminder is recorded, and never queued
        sweep_at(engine, NOW + timedelta(days=12), renderer=crashing)
    assert sweep_at(engine, NOW + timedelta(days=15, hours=2)).missed == 1
    assert sweep_statuses(engine) == ["done", "stopped", "done"]


# A busy database


@SQLITE_ONLY
def test_a_sweep_on_a_locked_database_is_one_sentence_and_writes_nothing(
    engine: Engine, world: World, locker: sqlite3.Connection
) -> None:
    add_owners(world, 1)
    locker.execute("BEGIN IMMEDIATE")
    with impatient(engine) as desk, pytest.raises(DatabaseBusy) as refused:
        sweep_at(desk)
    locker.execute("ROLLBACK")
    assert str(refused.value) == (
        "the database is busy (database is locked): another process is writing to it;"
        " try again in a moment"
    )
    assert (sweep_statuses(engine), messages_to(engine)) == ([], Counter())


@SQLITE_ONLY
def test_a_sweep_stopped_by_a_busy_database_leaves_whole_batches(
    engine: Engine, world: World, locker: sqlite3.Connection
) -> None:
    owners = add_owners(world, 5)
    renderer = PausingRenderer(lambda: locker.execute("BEGIN IMMEDIATE"), at=3)
    with impatient(engine) as desk, pytest.raises(DatabaseBusy):
        sweep_at(desk, renderer=renderer, batch_size=ONE_MESSAGE_A_BATCH)
    locker.execute("ROLLBACK")
    assert (sum(messages_to(engine).values()), claimed_without_a_message(engine)) == (2, 0)
    assert sweep_at(engine, NOW + turns.TURN_LEASE).queued == 3
    assert messages_to(engine) == Counter(owners)


def test_a_lock_held_past_the_wait_is_database_busy(engine: Engine, world: World) -> None:
    code = make_recommendation(world)
    change = update(Recommendation).where(col(Recommendation.code) == code).values(rag="red")
    world.session.connection().execute(change)  # uncommitted: it holds the lock
    with (
        impatient(engine) as desk,
        new_session(desk) as session,
        pytest.raises(DatabaseBusy),
        busy_as_error(),
        transaction(session),
    ):
        session.connection().execute(change)
    world.session.rollback()


# An owner of very many recommendations


def owned_by_one(world: World, count: int) -> None:
    officer = services.find_actor(world.session, OFFICER).person_id
    assert officer is not None
    add_recommendations(world, [officer] * count)


@POSTGRESQL_ONLY
def test_an_owner_of_70000_recommendations_gets_one_message_of_100(
    engine: Engine, world: World
) -> None:
    owned_by_one(world, 70_000)
    report = sweep_at(engine)
    assert (report.planned, report.queued) == (70_000, 1)
    with new_session(engine) as session:
        [email] = session.exec(select(OutboxRow)).all()
    assert email.text_body.count("* CCS/09/b") == 100
    assert "And 69,900 more: see the tracker." in email.text_body
    assert len(email.content) < 500_000
