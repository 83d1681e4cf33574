"""`rectrack serve`: APScheduler 3.x runs the sweep and the dispatcher on timers.

The only module that imports apscheduler. The database is the schedule: each job is
one pass over what is due, so a run missed while the process was down is simply
covered by the next one. Hence one in-memory job store, misfires coalesced into one
run however late, and never two runs of a job at once.
"""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from types import FrameType

from apscheduler.events import (
    EVENT_JOB_ERROR,
    EVENT_JOB_MAX_INSTANCES,
    EVENT_JOB_MISSED,
    JobExecutionEvent,
)
from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.interval import IntervalTrigger

log = logging.getLogger(__name__)

JOB_DEFAULTS = {"coalesce": True, "max_instances": 1, "misfire_grace_time": None}


@dataclass(frozen=True)
class Job:
    """A unit of work run every `every`, first at start-up."""

    name: str
    run: Callable[[], object]
    every: timedelta


def build_scheduler(
    jobs: Sequence[Job], now: datetime, executor: ThreadPoolExecutor | None = None
) -> BlockingScheduler:
    """Return a scheduler (not started) that runs each job now and then every `job.every`.

    The jobs run in the threads of `executor` (a pool of its own if None).
    """
    executors = {"default": executor or ThreadPoolExecutor()}
    scheduler = BlockingScheduler(timezone=UTC, job_defaults=JOB_DEFAULTS, executors=executors)
    for job in jobs:
        trigger = IntervalTrigger(seconds=job.every.total_seconds(), timezone=UTC)
        scheduler.add_job(job.run, trigger, id=job.name, name=job.name, next_run_time=now)
    scheduler.add_listener(_complain, EVENT_JOB_ERROR | EVENT_JOB_MISSED | EVENT_JOB_MAX_INSTANCES)
    return scheduler


def _complain(event: JobExecutionEvent) -> None:
    # Jobs are passes over the database, so a failed one is retried by the next; but
    # APScheduler only logs job errors, so make sure they are seen.
    if event.exception is not None:
        log.error("job %s failed: %s", event.job_id, event.exception)
    else:
        log.warning("job %s did not run at %s", event.job_id, event.scheduled_run_time)


def serve(jobs: Sequence[Job], now: datetime, stopping: threading.Event) -> None:
    """Run the jobs until SIGTERM or SIGINT; return once no job is running.

    The signal sets `stopping`, which the jobs read as they go (the dispatcher
    between messages), so a job running then finishes what it is doing and stops,
    and no job starts after it. A second signal while they finish is ignored.
    """
    executor = ThreadPoolExecutor()
    scheduler = build_scheduler(jobs, now, executor)

    def stop(signum: int, _frame: FrameType | None) -> None:
        if stopping.is_set():
            return
        log.info("stopping on %s; the jobs running finish what they are at", _name(signum))
        stopping.set()
        scheduler.shutdown(wait=False)  # wakes the main loop; the jobs are waited for below

    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        scheduler.start()
        executor.shutdown(wait=True)  # the jobs' threads, told to stop, end
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _name(signum: int) -> str:
    return signal.Signals(signum).name
