"""Sweeps take turns: a sweep's row in `sweep` holds the turn while it works.

A sweep writes in many short transactions (see `notifications.sweep`), so no
transaction spans its work; its row is what keeps other sweeps out meanwhile. Every
function takes a keyword-only session and never commits: the sweep owns each
transaction.

`take` writes the sweep's row first, as running, with a lease to `now` + TURN_LEASE.
On SQLite that write takes the database's write lock; on PostgreSQL an advisory lock
is taken first. Two sweeps taking the turn at once are so put in order, and each
then reads the other rows as the one before it committed them:

- a sweep whose `now` is older than another's does nothing (`Refusal.later`): with
  the older plan it would cancel what the later one had queued;
- a sweep while another holds an unexpired lease does nothing (`Refusal.running`):
  the running one covers what is due, and the next pass what comes after;
- otherwise the turn is taken, and `since` is the time of the last sweep done.

`advance` is the first statement of each of the sweep's batches: it writes the counts
of the batches before on the row, unless a later sweep has started meanwhile (this
one stalled past its lease and was taken over), when the sweep writes nothing more
and stops. At the end `finish` marks the row done with its counts; a sweep that
failed is marked stopped by `stop`, and the next one plans from the last one done,
so nothing it left undone is lost. A sweep whose process dies holds the turn until
its lease runs out.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import func, insert, text, update
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select

from config.errors import RectrackError
from notifications.models import SweepRow

# Two passes of the service: a sweep takes seconds, and one that died delays the
# sweeps after it by no more than this.
TURN_LEASE = timedelta(minutes=10)
_SWEEP_LOCK = 0x7265_6374_7261_636B  # "rectrack": PostgreSQL's advisory lock for taking turns


class SweepStatus(StrEnum):
    RUNNING = "running"  # holds the turn until lease_until
    DONE = "done"  # finished: its time is the next sweep's `since`
    STOPPED = "stopped"  # failed part way; what its batches committed stands


class SweepOvertaken(RectrackError):
    """A later sweep took the turn from this one, whose lease had run out; this one stopped."""

    def __init__(self, at: datetime) -> None:
        self.at = at
        super().__init__(
            f"the sweep at {at.isoformat()} stopped: its turn ran out and a later sweep"
            " took over; what it had saved stands"
        )


@dataclass(frozen=True)
class Turn:
    """A sweep's hold on the turn: its row, its time, and the time of the last sweep done."""

    id: int
    at: datetime
    since: datetime | None


@dataclass(frozen=True)
class Refusal:
    """Why a sweep may not take the turn: the time of a later sweep, or of a running one."""

    later: datetime | None = None
    running: datetime | None = None


@dataclass
class Tally:
    """What a sweep has done so far: notices planned and missed, messages cancelled and queued.

    Each batch adds to a copy, kept if the batch commits.
    """

    planned: int = 0
    missed: int = 0
    cancelled: int = 0
    queued: int = 0


def take(*, session: Session, now: datetime) -> Turn | Refusal:
    """Take the turn for a sweep at `now`, or say why not; roll back on a Refusal."""
    if session.get_bind().dialect.name == "postgresql":
        session.connection().execute(
            text("SELECT pg_advisory_xact_lock(:key)"), {"key": _SWEEP_LOCK}
        )
    row = {"at": now, "status": SweepStatus.RUNNING.value, "lease_until": now + TURN_LEASE}
    statement = insert(SweepRow).values(**row, **asdict(Tally())).returning(col(SweepRow.id))
    ident = session.connection().execute(statement).scalar_one()  # on SQLite, takes the turn
    others = col(SweepRow.id) != ident
    later = session.exec(select(func.max(SweepRow.at)).where(others)).one()
    if later is not None and later > now:
        return Refusal(later=later)
    running = session.exec(
        select(func.max(SweepRow.at)).where(
            others,
            col(SweepRow.status) == SweepStatus.RUNNING,
            col(SweepRow.lease_until) > now,
        )
    ).one()
    if running is not None:
        return Refusal(running=running)
    done = select(func.max(SweepRow.at)).where(col(SweepRow.status) == SweepStatus.DONE)
    return Turn(ident, now, session.exec(done).one())


def advance(*, session: Session, turn: Turn, tally: Tally) -> bool:
    """Write `tally` on the turn's row; False, writing nothing, if a later sweep has started."""
    later = aliased(SweepRow)
    taken_over = select(later.id).where(col(later.at) > turn.at).exists()
    statement = (
        update(SweepRow).where(col(SweepRow.id) == turn.id, ~taken_over).values(**asdict(tally))
    )
    return session.connection().execute(statement).rowcount == 1


def finish(*, session: Session, turn: Turn, tally: Tally) -> None:
    """Mark the turn's sweep done, with what it did: the next sweep's `since` is its time."""
    _end(session, turn, SweepStatus.DONE, tally)


def stop(*, session: Session, turn: Turn, tally: Tally) -> None:
    """Mark the turn's sweep stopped, giving up the turn now rather than at its lease's end."""
    _end(session, turn, SweepStatus.STOPPED, tally)


def _end(session: Session, turn: Turn, status: SweepStatus, tally: Tally) -> None:
    statement = (
        update(SweepRow)
        .where(col(SweepRow.id) == turn.id)
        .values(status=status.value, lease_until=None, **asdict(tally))
    )
    session.connection().execute(statement)
