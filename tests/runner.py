"""Running the command line in-process through its real entry point, as the tests do."""

from __future__ import annotations

import json
from typing import Any

import pytest

from rectrack.cli import main


class Cli:
    """Call `rectrack ARGS...`; get back the exit status, standard output and standard error."""

    def __init__(self, capsys: pytest.CaptureFixture[str]) -> None:
        self.capsys = capsys

    def __call__(self, *args: str) -> tuple[int, str, str]:
        status = main(list(args))
        out, err = self.capsys.readouterr()
        return status, out, err

    def json(self, *args: str) -> Any:
        """Run with --json; the command must succeed; return what it printed, parsed."""
        status, out, err = self(*args, "--json")
        assert status == 0, err
        return json.loads(out)
