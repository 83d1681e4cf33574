"""Shared by the benchmarks: fresh migrated databases and a way to time a block."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import Engine

from rectrack.schema import upgrade
from workflow.db import make_engine


def fresh_sqlite(path: Path) -> Engine:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    return engine


def timed(block: Callable[[], object]) -> float:
    start = time.perf_counter()
    block()
    return time.perf_counter() - start


def report(title: str, rows: list[tuple[str, float, str]], ratio: float, goal: str) -> None:
    print(f"\n{title}")
    for name, value, unit in rows:
        print(f"  {name:<34} {value:>12,.1f} {unit}")
    print(f"  {'ratio':<34} {ratio:>12.2f}x   goal: {goal}")
