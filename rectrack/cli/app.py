"""The application object every command is handed."""

from __future__ import annotations

import click

from rectrack.app import App

__all__ = ["App", "pass_app"]

pass_app = click.make_pass_decorator(App)
