"""The command line: thin commands over the services in workflow.services."""

from __future__ import annotations

from rectrack.cli.main import cli, main

__all__ = ["cli", "main", "run"]


def run() -> None:
    """The console script: exit with main()'s status."""
    import sys

    sys.exit(main())
