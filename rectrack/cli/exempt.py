"""`exempt`: which recommendations hold exempt information, kept out of public papers."""

from __future__ import annotations

from datetime import date

import click

from rectrack.app import App
from rectrack.cli.app import pass_app
from rectrack.cli.changes import on_option
from rectrack.cli.options import by_option, json_option
from rectrack.cli.output import done


@click.command()
@click.argument("code")
@click.option("--reason", help="The paragraph of Schedule 12A that makes it exempt.")
@click.option("--clear", is_flag=True, help="It is no longer exempt.")
@on_option
@by_option
@json_option
@pass_app
def exempt(
    app: App,
    code: str,
    reason: str | None,
    clear: bool,
    on: date | None,
    by: str | None,
    as_json: bool,
) -> None:
    """Mark a recommendation exempt (a clerk): public papers show its code, state and reason."""
    from workflow import services
    from workflow.errors import BadInput

    if clear and reason is not None:
        raise BadInput("clear", "give --reason to make it exempt, or --clear, not both")
    with app.session() as session:
        actor = services.actor_for(session, by)
        now = app.clock.now()
        if clear:
            services.clear_exempt(session, app.lifecycle, code, actor, now, on)
        else:
            services.exempt(session, app.lifecycle, code, actor, reason, now, on)
    said = "no longer exempt" if clear else f"exempt ({reason})"
    changed = {"code": code, "exempt": not clear, "exempt_reason": reason, "by": actor.email}
    done(changed, f"{code}: {said} (by {actor.email})", as_json)
