"""Commands that move data in and out: init, import, export."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

import click

from rectrack.cli.app import App, pass_app
from rectrack.cli.options import importer_option, json_option
from rectrack.cli.output import counted, emit_json
from workflow.interchange.shapes import FORMATS

if TYPE_CHECKING:
    from sqlmodel import Session

    from notifications.recipients import Missing


@click.command()
@json_option
@pass_app
def init(app: App, as_json: bool) -> None:
    """Create the database, or upgrade it to the newest schema."""
    from rectrack.schema import upgrade

    before, after = upgrade(app.engine)
    url = app.engine.url.render_as_string(hide_password=True)
    status = (
        "created"
        if before is None
        else ("already current" if before == after else f"upgraded from {before}")
    )
    if as_json:
        emit_json({"database": url, "schema": after, "status": status})
    else:
        click.echo(f"{url}: schema {after} ({status})")


@click.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--format",
    "fmt",
    type=click.Choice((*FORMATS, "xlsx")),
    help="Default: from the file's extension.",
)
@click.option(
    "--sheet", metavar="S", help="XLSX: the sheet to read (default: the map's, or the first)."
)
@click.option(
    "--map",
    "map_path",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    metavar="MAP.toml",
    help="XLSX: which column holds which field, and which words mean which state or RAG.",
)
@click.option(
    "--update",
    is_flag=True,
    help="Add what is new and correct what exists (matched by email, name, reference, code).",
)
@click.option("--dry-run", is_flag=True, help="Check everything, write nothing.")
@importer_option
@json_option
@pass_app
def import_(
    app: App,
    file: Path,
    fmt: str | None,
    sheet: str | None,
    map_path: Path | None,
    update: bool,
    dry_run: bool,
    by: str | None,
    as_json: bool,
) -> None:
    """Load the JSON interchange document, a CSV of recommendations, or a council's
    tracker spreadsheet (XLSX, read through --map). All or nothing.

    Then, unless a dry run, say what will not be sent for want of a chair or an owner.
    """
    from workflow import services

    spreadsheet = services.format_of(file, fmt) == "xlsx"
    if (sheet or map_path) and not spreadsheet:
        raise click.BadParameter(
            "only a spreadsheet (.xlsx) has sheets and a map", param_hint="--map"
        )
    if spreadsheet:
        if update:
            raise click.BadParameter(
                "a spreadsheet is imported, not compared", param_hint="--update"
            )
        _import_xlsx(app, file, sheet, map_path, dry_run, by, as_json)
        return
    if update:
        _update(app, file, fmt, dry_run, by, as_json)
        return
    from notifications import transfer

    with app.session() as session, _progress("Importing") as progress:
        summary = transfer.import_file(
            session,
            file,
            table=app.table,
            period=app.settings.reports_response_period,
            tz=app.settings.timezone,
            by=by,
            now=app.clock.now(),
            fmt=fmt,
            dry_run=dry_run,
            progress=progress,
        )
        missing = [] if dry_run else _missing_recipients(app, session)
    _imported(file, summary.counts(), missing, dry_run, as_json)


def _import_xlsx(
    app: App,
    file: Path,
    sheet: str | None,
    map_path: Path | None,
    dry_run: bool,
    by: str | None,
    as_json: bool,
) -> None:
    from workflow import services

    with app.session() as session:
        summary = services.import_tracker_xlsx(
            session, file, table=app.table, tz=app.settings.timezone, by=by,
            now=app.clock.now(), sheet=sheet, map_path=map_path, dry_run=dry_run,
        )  # fmt: skip
        missing = [] if dry_run else _missing_recipients(app, session)
    _imported(file, summary.counts(), missing, dry_run, as_json)


def _imported(
    file: Path, summary: dict[str, int], missing: list[Missing], dry_run: bool, as_json: bool
) -> None:
    counts = {name: count for name, count in summary.items() if count}
    if as_json:
        unsendable = [{"about": m.about, "why": m.why} for m in missing]
        emit_json({"dry_run": dry_run, **counts, "unsendable": unsendable})
        return
    verb = "would import" if dry_run else "imported"
    click.echo(f"{file}: {verb} {counted(counts)}")
    for line in _not_sent(missing):
        click.echo(f"not sent: {line}")


SHOWN_AT_MOST = 20  # lines of what will not be sent; an import of thousands says how many more


def _missing_recipients(app: App, session: Session) -> list[Missing]:
    from notifications.planning import Rules
    from notifications.recipients import missing_recipients

    rules = Rules.from_settings(app.settings, app.table)
    return missing_recipients(session=session, rules=rules, now=app.clock.now())


def _not_sent(missing: list[Missing]) -> list[str]:
    lines = [m.line for m in missing[:SHOWN_AT_MOST]]
    if len(missing) > SHOWN_AT_MOST:
        lines.append(f"and {len(missing) - SHOWN_AT_MOST:,} more (--json lists them all)")
    return lines


def _update(
    app: App, file: Path, fmt: str | None, dry_run: bool, by: str | None, as_json: bool
) -> None:
    from notifications import transfer

    with app.session() as session:
        summary = transfer.update_file(
            session,
            file,
            table=app.table,
            period=app.settings.reports_response_period,
            tz=app.settings.timezone,
            by=by,
            now=app.clock.now(),
            fmt=fmt,
            dry_run=dry_run,
        )
        missing = [] if dry_run else _missing_recipients(app, session)
    added = {name: count for name, count in summary.added.counts().items() if count}
    if as_json:
        changes = [
            {
                "record": e.record,
                "key": e.key,
                "changes": {k: list(v) for k, v in e.changes.items()},
            }
            for e in summary.edits
        ]
        unsendable = [{"about": m.about, "why": m.why} for m in missing]
        updated = summary.updated()
        emit_json(
            {"dry_run": dry_run, "added": added, "updated": updated, "changes": changes}
            | {"unsendable": unsendable}
        )
        return
    if dry_run:
        for edit in summary.edits:
            click.echo(f"{edit.record} {edit.key}: {edit.described()}")
    verbs = ("would add", "would update") if dry_run else ("added", "updated")
    click.echo(f"{file}: {verbs[0]} {counted(added)}; {verbs[1]} {counted(summary.updated())}")
    for line in _not_sent(missing):
        click.echo(f"not sent: {line}")


@contextmanager
def _progress(label: str) -> Iterator[Callable[[int], None] | None]:
    """A progress line on a terminal's stderr; nothing when piped."""
    if not sys.stderr.isatty():
        yield None
        return

    def show(done: int) -> None:
        click.echo(f"\r{label}: {done:,} recommendations", nl=False, err=True)

    try:
        yield show
    finally:
        click.echo(err=True)


@click.command()
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Default: standard output.",
)
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="json", show_default=True)
@pass_app
def export(app: App, output: Path | None, fmt: str) -> None:
    """Write the whole database as the interchange document (or recommendations as CSV)."""
    from notifications import transfer

    with app.session() as session, _open(output) as stream:
        transfer.export(session, stream, fmt)


@contextmanager
def _open(output: Path | None) -> Iterator[TextIO]:
    """Standard output, or a file that appears whole or not at all."""
    if output is None:
        yield sys.stdout
        return
    partial = output.with_name(output.name + ".partial")
    try:
        with partial.open("w", encoding="utf-8", newline="") as stream:
            yield stream
        partial.replace(output)
    finally:
        partial.unlink(missing_ok=True)
