"""The sweep: plan what is due, record it, and queue one message a group; or preview it.

A notice goes one way: the planner gives Notices, the ledger records them, and the
sweep claims each group's into the message made of them; rendering makes a Message
of each group, the email is composed once, and the outbox stores it for the
dispatcher to send.

A sweep writes in short transactions, batch by batch, so that a clerk's edit waits
for one batch at most, never for the whole sweep; and no transaction is open while
it reads the snapshot or makes messages. What one transaction for all of it used to
give, the steps keep so:

- Sweeps take turns (`notifications.turns`): the turn is taken in a short
  transaction of its own and held by the sweep's row until the sweep ends. A sweep
  older than one already recorded does nothing, as does one while another runs.
  Each plans `since` the last sweep done, so a notice that lapsed unsent is
  recorded missed once, however the sweeps between ended.
- The snapshot is read once the sweep before has ended, so what no longer holds is
  cancelled by the newest plan: first the stale messages, each batch cancelling its
  messages and planning their notices again, then the planned notices not valid.
- Each notice is recorded once, by its key.
- A batch of messages is queued in one transaction, each message with the claim of
  its notices: a message is stored only if every one of its notices was still
  planned, so none is in two messages and none is claimed without one.
- Each batch begins by checking that the turn is still this sweep's: one that
  stalled past its lease and was taken over writes nothing more and stops.

A sweep that stops part way (the database too busy, a crash) leaves whole batches;
the next sweep plans from the last sweep done, and does the rest.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from typing import TypeVar

from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError
from sqlmodel import Session

from notifications import emails, ledger, links, outbox, planning, turns
from notifications.items import DayRange, Snapshot, Window
from notifications.ledger import NoticeStatus
from notifications.links import Linking
from notifications.notices import Email, Message, Notice, Unsendable
from notifications.planning import Rules
from notifications.rendering import Renderer
from notifications.snapshot import load_snapshot
from workflow.db import busy_as_error, new_session, transaction
from workflow.services.accounts import new_token

log = logging.getLogger(__name__)

# Notices a transaction writes at most, but for one message's, which go with it whole:
# a few milliseconds of SQLite's write lock.
BATCH_SIZE = 500
# Storing a message costs about as much as recording twenty notices (two statements
# and its bytes, against a share of one), so a batch of messages counts each so.
MESSAGE_WEIGHT = 20
Write = Callable[[Sequence[Notice]], Email]  # one group of notices, as the email to queue
T = TypeVar("T")


@dataclass(frozen=True)
class SweepReport:
    """What one sweep did. Counts are of notices, except `cancelled` and `queued` (messages)."""

    at: datetime
    since: datetime | None = None  # the previous sweep done; when skipped, the later one
    planned: int = 0  # newly due
    missed: int = 0  # lapsed unsent since the previous sweep: recorded, not sent
    cancelled: int = 0  # queued messages that no longer held
    queued: int = 0  # messages put in the outbox
    skipped: bool = False  # a later sweep had run, or another was running: this one did nothing
    errors: tuple[str, ...] = ()  # groups no message could be made of; tried again next time
    running: datetime | None = None  # when skipped for a sweep still running: that sweep's time
    unsendable: tuple[Unsendable, ...] = ()  # due, but with nobody to go to, and why

    @property
    def why_skipped(self) -> str:
        """Why the sweep did nothing, in a few words; empty if it did its work."""
        if not self.skipped:
            return ""
        if self.running is not None:
            return f"another, at {self.running}, is still running"
        return f"a later one ran at {self.since}"


def sweep(
    engine: Engine,
    now: datetime,
    *,
    rules: Rules,
    renderer: Renderer,
    sender: str,
    batch_size: int = BATCH_SIZE,
    linking: Linking | None = None,
) -> SweepReport:
    """Plan what is due at `now` and put it in the outbox, in batches of `batch_size` notices.

    Cancels queued messages that no longer hold (and withdraws their links), records
    new notices (and missed ones), groups the notices not yet in a message per kind
    and recipient, and queues each group as one email from `sender`, dated `now`,
    with signed links for the owner made by `linking` (none without it). A group no
    email can be made of (a template fails, a name would break a header) is logged
    and left for the next sweep; it does not stop the others.

    Raises DatabaseBusy if the database stays locked past its busy timeout, and
    SweepOvertaken if the turn ran out and a later sweep took over; what the batches
    before wrote stands, and the next sweep does the rest.
    """
    with busy_as_error(), new_session(engine) as session:
        taken = _take_turn(session, now)
        if isinstance(taken, turns.Refusal):
            return SweepReport(now, taken.later, skipped=True, running=taken.running)
        writer = _Writer(session, taken, batch_size)
        try:
            errors, unsendable = _plan_and_queue(writer, rules, renderer, sender, linking)
            with transaction(session):
                turns.finish(session=session, turn=taken, tally=writer.tally)
        except BaseException:
            _stop(session, taken, writer.tally)
            raise
    return replace(writer.report(errors), unsendable=tuple(unsendable))


def _take_turn(session: Session, now: datetime) -> turns.Turn | turns.Refusal:
    with transaction(session):
        taken = turns.take(session=session, now=now)
        if isinstance(taken, turns.Refusal):
            session.rollback()  # a sweep that does nothing leaves no row
        return taken


def _stop(session: Session, turn: turns.Turn, tally: turns.Tally) -> None:
    """Give up the turn of a sweep that failed; if even that fails, its lease runs out."""
    try:
        with transaction(session):
            turns.stop(session=session, turn=turn, tally=tally)
    except DBAPIError as error:
        until = turn.at + turns.TURN_LEASE
        log.error("the sweep at %s holds its turn until %s: %s", turn.at, until, error.orig)


def _plan_and_queue(
    writer: _Writer, rules: Rules, renderer: Renderer, sender: str, linking: Linking | None
) -> tuple[list[str], list[Unsendable]]:
    """Plan and queue; return why any group could not be made, and what has nobody to go to."""
    session, now, since = writer.session, writer.turn.at, writer.turn.since
    with _reading(session):
        snapshot = load_snapshot(session, planning.window(rules, now, since), rules)
    plan = planning.plan(snapshot, rules, now, since)
    _cancel_stale(writer, {notice.key for notice in plan.due})
    writer.record(plan.due, NoticeStatus.PLANNED)
    writer.record(plan.missed, NoticeStatus.MISSED)
    write = _writing(snapshot, rules, renderer, sender, now, linking)
    errors = _queue(writer, plan.due, write)
    return errors, plan.unsendable


def _writing(
    snapshot: Snapshot,
    rules: Rules,
    renderer: Renderer,
    sender: str,
    now: datetime,
    linking: Linking | None,
) -> Write:
    def write(group: Sequence[Notice]) -> Email:
        made = links.links_for(group, snapshot, rules, linking, new_token) if linking else ()
        message = renderer.render(group, snapshot, rules, made)
        return emails.compose(message, sender=sender, now=now)

    return write


@contextmanager
def _reading(session: Session) -> Iterator[None]:
    """Reads, in a transaction ended as soon as they are done: the sweep keeps none open."""
    try:
        yield
    finally:
        session.rollback()


class _Writer:
    """A sweep's writes, each batch in a transaction of its own under the sweep's turn."""

    def __init__(self, session: Session, turn: turns.Turn, batch_size: int) -> None:
        self.session, self.turn, self.batch_size = session, turn, batch_size
        self.tally = turns.Tally()

    @contextmanager
    def batch(self) -> Iterator[turns.Tally]:
        """One batch's transaction; the block adds what it did to the tally it is given.

        It begins by checking that the turn is still this sweep's (else SweepOvertaken,
        and nothing is written), and commits the block's writes whole, or none of them
        if the block raises; the tally is kept only if it commits.
        """
        tally = replace(self.tally)
        with transaction(self.session):
            if not turns.advance(session=self.session, turn=self.turn, tally=self.tally):
                raise turns.SweepOvertaken(self.turn.at)
            yield tally
        self.tally = tally

    def record(self, notices: Sequence[Notice], status: NoticeStatus) -> None:
        for chunk in _batches(((notice, 1) for notice in notices), self.batch_size):
            with self.batch() as tally:
                count = ledger.record(
                    session=self.session, notices=chunk, now=self.turn.at, status=status
                )
                if status is NoticeStatus.MISSED:
                    tally.missed += count
                else:
                    tally.planned += count

    def queue(self, composed: Sequence[tuple[Sequence[Notice], Email]]) -> None:
        """Queue each email with its notices, in one transaction, or none of them."""
        with self.batch() as tally:
            for group, email in composed:
                ident = outbox.enqueue(session=self.session, email=email)
                claimed = ledger.claim(session=self.session, keys=_keys(group), outbox_id=ident)
                if claimed != len(group):
                    raise _ClaimedElsewhere(group)
                # In the message's transaction: a message never queued leaves no link that works.
                links.keep_links(
                    session=self.session, message=email.message, outbox_id=ident, now=self.turn.at
                )
            tally.queued += len(composed)

    def report(self, errors: Sequence[str]) -> SweepReport:
        done = self.tally
        return SweepReport(
            self.turn.at,
            self.turn.since,
            planned=done.planned,
            missed=done.missed,
            cancelled=done.cancelled,
            queued=done.queued,
            errors=tuple(errors),
        )


class _ClaimedElsewhere(Exception):
    """Another sweep claimed notices of a group this one was queueing: not this sweep's to send."""

    def __init__(self, group: Sequence[Notice]) -> None:
        super().__init__(f"{_about(group)}: another sweep claimed some of its notices")


def _cancel_stale(writer: _Writer, valid: set[str]) -> None:
    """Cancel the queued messages and planned notices that are not in `valid`, the plan's."""
    session = writer.session
    with _reading(session):
        stale = ledger.stale_messages(session=session, valid_keys=valid)
    for ids in _batches(stale.items(), writer.batch_size):
        with writer.batch() as tally:
            tally.cancelled += ledger.cancel_messages(session=session, ids=ids)
            links.withdraw_links(session=session, outbox_ids=ids, now=writer.turn.at)
    with _reading(session):  # after the messages: their notices are planned again
        unwanted = sorted(ledger.claimable(session=session) - valid)
    for keys in _batches(((key, 1) for key in unwanted), writer.batch_size):
        with writer.batch():
            ledger.cancel_notices(session=session, keys=keys)


def _queue(writer: _Writer, due: Sequence[Notice], write: Write) -> list[str]:
    """Queue one email a group of the claimable notices of `due`; say why any could not go."""
    with _reading(writer.session):
        claimable = ledger.claimable(session=writer.session)
    groups = planning.group(notice for notice in due if notice.key in claimable)
    errors: list[str] = []
    weighed = ((group, len(group) + MESSAGE_WEIGHT) for group in groups)
    for batch in _batches(weighed, writer.batch_size):
        composed = []
        for group in batch:  # made before the batch's transaction, which stays short
            try:
                composed.append((group, write(group)))
            except Exception as error:  # one bad name or template must not hold up the rest
                errors.append(_cannot_make(group, error))
        try:
            if composed:
                writer.queue(composed)
        except _ClaimedElsewhere as error:
            log.warning("a batch of messages is left for the next sweep: %s", error)
            errors.append(str(error))
    return errors


def _cannot_make(group: Sequence[Notice], error: Exception) -> str:
    """Log why no email could be made of `group`: its notices wait for the next sweep."""
    reason = f"{_about(group)}: {error}"
    log.error("cannot make the message %s", reason)
    return reason


def _about(group: Sequence[Notice]) -> str:
    return f"{group[0].kind.value} to {group[0].recipient}"


def _batches(sized: Iterable[tuple[T, int]], size: int) -> Iterator[list[T]]:
    """Split items, each given with its size, into batches of `size` in all; a larger one alone."""
    batch: list[T] = []
    total = 0
    for item, weight in sized:
        if batch and total + weight > size:
            yield batch
            batch, total = [], 0
        batch.append(item)
        total += weight
    if batch:
        yield batch


def _keys(notices: Sequence[Notice]) -> list[str]:
    return [notice.key for notice in notices]


@dataclass(frozen=True)
class SimulatedDay:
    """The messages a sweep at `send_at`, the day's send time, would queue and send."""

    day: date
    send_at: datetime
    messages: tuple[Message, ...]
    unsendable: tuple[Unsendable, ...] = ()  # first due that day, with nobody to go to


def simulate(
    engine: Engine,
    start: date,
    end: date,
    *,
    rules: Rules,
    renderer: Renderer,
    linking: Linking | None = None,
) -> list[SimulatedDay]:
    """Return the days from `start` to `end` on which something would be sent, and what.

    Reads only, and makes no link that works: a message shows each of its links with
    `links.PREVIEW_TOKEN` in place of a token. The snapshot is loaded once for the whole
    range; each day is planned
    at its send time, and a notice counts once: not if the outbox holds it already
    (sent, queued or missed; a cancelled one is sent if due again), nor on a later
    day of the simulation.
    """
    days = [start + timedelta(days=n) for n in range((end - start).days + 1)]
    if not days:
        return []
    times = [rules.send_time(day) for day in days]
    with new_session(engine) as session:
        windows = (planning.window(rules, at, None) for at in (times[0], times[-1]))
        snapshot = load_snapshot(session, _hull(*windows), rules)
        plans = [planning.plan(snapshot, rules, at, None) for at in times]
        keys = {notice.key for each in plans for notice in each.due}
        done = ledger.settled_keys(session=session, keys=keys)
    simulated, told = [], set[tuple[str, str, date]]()
    for day, at, planned in zip(days, times, plans, strict=True):
        new = [notice for notice in planned.due if notice.key not in done]
        done.update(notice.key for notice in new)
        messages = tuple(
            _preview(group, snapshot, rules, renderer, linking) for group in planning.group(new)
        )
        unsent = _first_told(planned.unsendable, told)
        if messages or unsent:
            simulated.append(SimulatedDay(day, at, messages, unsent))
    return simulated


def _preview(
    group: Sequence[Notice],
    snapshot: Snapshot,
    rules: Rules,
    renderer: Renderer,
    linking: Linking | None,
) -> Message:
    def placeholder() -> str:
        return links.PREVIEW_TOKEN

    made = links.links_for(group, snapshot, rules, linking, placeholder) if linking else ()
    return renderer.render(group, snapshot, rules, made)


def _first_told(
    unsendable: Sequence[Unsendable], told: set[tuple[str, str, date]]
) -> tuple[Unsendable, ...]:
    """Those not told of on an earlier day: each counts once, as a notice would."""
    new = [u for u in unsendable if (u.kind.value, u.item, u.due_day) not in told]
    told.update((u.kind.value, u.item, u.due_day) for u in new)
    return tuple(new)


def _hull(first: Window, last: Window) -> Window:
    """The window covering both: a sweep's window only moves forward with its time."""

    def span(a: DayRange, b: DayRange) -> DayRange:
        return DayRange(min(a.first, b.first), max(a.last, b.last))

    return Window(
        monitoring_dates=span(first.monitoring_dates, last.monitoring_dates),
        meeting_days=span(first.meeting_days, last.meeting_days),
        response_due_dates=span(first.response_due_dates, last.response_due_dates),
        targets_until=max(first.targets_until, last.targets_until),
        milestone_dates=span(first.milestone_dates, last.milestone_dates),
    )
