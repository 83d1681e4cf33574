"""Running the command line in-process through its real entry point, as the tests do."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import pytest
from factories import CURRENT_TIME

from rectrack.cli import main
from workflow.clock import FixedClock


class Cli:
    """Call `rectrack ARGS...`; get back the exit status, standard output and standard error.

    The command line's clock stands still at `now` (the tests' day of 2027 by default).
    """

    def __init__(self, capsys: pytest.CaptureFixture[str], now: datetime = CURRENT_TIME) -> None:
        self.capsys, self.clock = capsys, FixedClock(now)

    def __call__(self, *args: str) -> tuple[int, str, str]:
        status = main(list(args), self.clock)
        out, err = self.capsys.readouterr()
        return status, out, err

    def json(self, *args: str) -> Any:
        """Run with --json; the command must succeed; return what it printed, parsed."""
        status, out, err = self(*args, "--json")
        assert status == 0, err
        return json.loads(out)
