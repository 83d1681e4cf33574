"""The `rectrack` group, and the mapping from errors to one line and an exit status.

Exit status: 0 done; 1 refused by the workflow; 2 bad input or usage, settings or a
database that cannot be used; 3 the mail server could not be reached; 4 the sweep
was skipped, because a later one had run.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path

import click

from config import load_settings
from rectrack.cli.annex import annex
from rectrack.cli.app import App
from rectrack.cli.changes import amend, fire, respond, undo, update
from rectrack.cli.data import export, import_, init
from rectrack.cli.demo import demo
from rectrack.cli.directory import audit, bodies, meetings, people
from rectrack.cli.exempt import exempt
from rectrack.cli.monitoring import indicator, milestone
from rectrack.cli.papers import calendar_, stats
from rectrack.cli.reading import config_group, recs, workflow_group
from rectrack.cli.service import mail_group, outbox_group, serve, simulate, tick
from rectrack.cli.web import web
from workflow.clock import Clock
from workflow.errors import RectrackError, WorkflowError

REFUSED, BAD_INPUT, UNREACHABLE, SKIPPED = 1, 2, 3, 4


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--config",
    "config_file",
    type=click.Path(dir_okay=False, path_type=Path),
    metavar="FILE",
    help="The config file (default: $RECTRACK_CONFIG, then ./rectrack.toml).",
)
@click.version_option(package_name="rectrack")
@click.pass_context
def cli(ctx: click.Context, config_file: Path | None) -> None:
    """Track scrutiny recommendations from proposal to sign-off."""
    clock: Clock | None = ctx.obj  # what main() was given, if anything
    settings = load_settings(config_file)
    app = App(settings, clock) if clock is not None else App(settings)
    app.table  # noqa: B018 - a broken workflow table is refused before any command runs
    ctx.obj = app


for command in (
    init,
    demo,
    import_,
    export,
    recs,
    respond,
    fire,
    update,
    amend,
    undo,
    exempt,
    annex,
    people,
    bodies,
    meetings,
    audit,
    milestone,
    indicator,
    stats,
    calendar_,
    workflow_group,
    config_group,
    tick,
    serve,
    simulate,
    outbox_group,
    mail_group,
    web,
):
    cli.add_command(command)


def main(argv: Sequence[str] | None = None, clock: Clock | None = None) -> int:
    """Run the command line; print errors as one line on stderr, never a traceback.

    `clock` stands in for the system's (tests run a day of 2027 whenever they run).
    """
    try:
        cli.main(
            args=list(argv) if argv is not None else None,
            prog_name="rectrack",
            standalone_mode=False,
            obj=clock,
        )
    except click.exceptions.Exit as done:
        return done.exit_code
    except click.Abort:
        return _fail("aborted", BAD_INPUT)
    except click.ClickException as error:
        return _fail(error.format_message(), BAD_INPUT, getattr(error, "ctx", None))
    except RectrackError as error:
        return _fail(_described(error), exit_status(error))
    except Exception as error:  # the last line of defence: still one line, no traceback
        return _fail(_unexpected(error), BAD_INPUT)
    return 0


# How this front end names the fields a refusal is about, where not plainly `--field`.
POINTERS = {
    "by": "--by EMAIL or RECTRACK_ACTOR",
    "decision": "DECISION",
    "codes": "CODE... or --report",
    "code": "CODE",
    "endorsed_on": "--on",
    "changes": "--text, --target-date or --monitoring-date",
    "now": "--now, or --force to tick then anyway",
}


def exit_status(error: RectrackError) -> int:
    """1 when the workflow refused; 3 when the mail server could not be reached (try again
    later); 4 when a sweep was skipped (planning waits for the clock to pass a later one);
    2 for everything else: bad input, settings (sending paused), the database."""
    if isinstance(error, WorkflowError):
        return REFUSED
    from notifications.service import MailServerUnreachable, SweepSkipped  # only on errors

    if isinstance(error, MailServerUnreachable):
        return UNREACHABLE
    return SKIPPED if isinstance(error, SweepSkipped) else BAD_INPUT


def _described(error: RectrackError) -> str:
    """The error's sentence, naming the option it is about."""
    field = error.field
    pointer = POINTERS.get(field, f"--{field.replace('_', '-')}") if field else None
    return error.describe(pointer)


def _fail(message: str, status: int, ctx: click.Context | None = None) -> int:
    hint = f" (see `{ctx.command_path} --help`)" if ctx is not None else ""
    click.echo(f"rectrack: error: {message}{hint}", err=True)
    return status


def _unexpected(error: Exception) -> str:
    from sqlalchemy.exc import OperationalError

    if isinstance(error, OperationalError):
        return f"the database cannot be used: {str(error.orig).strip().splitlines()[0]}"
    return f"{type(error).__name__}: {error}"


if __name__ == "__main__":
    sys.exit(main())
