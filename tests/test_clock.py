"""Clocks: time is passed in, and a shifted clock goes on at its clock's pace."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from factories import CURRENT_TIME

from workflow.clock import FixedClock, ShiftedClock


def test_a_shifted_clock_reads_its_time_then_goes_on_at_its_clocks_pace() -> None:
    clock = FixedClock(CURRENT_TIME)
    shifted = ShiftedClock(clock, datetime(2030, 1, 1, tzinfo=UTC))
    assert shifted.now() == datetime(2030, 1, 1, tzinfo=UTC)
    clock.at += timedelta(minutes=7)
    assert shifted.now() == datetime(2030, 1, 1, 0, 7, tzinfo=UTC)
