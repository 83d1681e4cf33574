"""`rectrack web`: serve the web app on uvicorn."""

from __future__ import annotations

import click

from rectrack.cli.app import App, pass_app
from rectrack.cli.service import instant
from workflow.clock import ShiftedClock


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="The address to listen on.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535))
@click.option(
    "--now",
    metavar="ISO-8601",
    help="Serve as if it were this time, the clock going on from it (the demo, training).",
)
@pass_app
def web(app: App, host: str, port: int, now: str | None) -> None:
    """Serve the web app: sign-in, the tracker, the forms, the papers and the API."""
    import uvicorn

    from rectrack.web import create_app

    if now is not None:
        app.clock = ShiftedClock(app.clock, instant(now, "--now"))
    web_app = create_app(app)  # refuses a missing secret key before the database is touched
    app.ensure_ready()  # here too, so a database not ready is one line, not a traceback
    click.echo(f"rectrack web on http://{host}:{port} (mail links use {app.settings.web_base_url})")
    uvicorn.run(web_app, host=host, port=port, log_level="info", proxy_headers=True)
