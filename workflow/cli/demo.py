"""`rectrack demo`: load the example panel report and take it through its first months."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, date, datetime
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from workflow.cli.app import App, pass_app
from workflow.cli.output import detail, tracker
from workflow.records import Change

if TYPE_CHECKING:
    from sqlmodel import Session

# (day, recommendation, who, event, data): the executive responds as the seed report's
# board did, the owners start, and the panel re-bases a target the business case moved.
STORY: tuple[tuple[date, int, str, str, dict[str, Any]], ...] = (
    (
        date(2027, 2, 24),
        0,
        "executive",
        "note",
        {
            "note": (
                "Officers will keep an open mind as implementation unfolds, using libraries and "
                "advice centres where that is cost effective."
            )
        },
    ),
    (
        date(2027, 2, 24),
        1,
        "executive",
        "agree",
        {
            "timescale": date(2027, 3, 31),
            "note": ("The business cases and the action plan will set these objectives down."),
        },
    ),
    (
        date(2027, 2, 24),
        2,
        "executive",
        "agree",
        {
            "timescale": date(2027, 3, 31),
            "note": ("We welcome the panel's involvement in the implementation phase."),
        },
    ),
    (date(2027, 3, 1), 1, "owner", "start", {}),
    (date(2027, 3, 1), 2, "owner", "start", {}),
    (
        date(2027, 3, 20),
        1,
        "owner",
        "progress_update",
        {
            "note": (
                "Draft action plan agreed with the Executive Director; quarterly objectives set."
            ),
            "rag": "amber",
        },
    ),
    (
        date(2027, 3, 26),
        2,
        "chair",
        "amend",
        {
            "note": "The contact centre business case moved the time base.",
            "endorsed_on": date(2027, 3, 25),
            "changes": {"target_date": date(2027, 6, 30)},
        },
    ),
)


def demo_document() -> dict[str, Any]:
    text = resources.files("workflow").joinpath("data/demo.json").read_text("utf-8")
    document: dict[str, Any] = json.loads(text)
    return document


@click.command()
@click.option(
    "--dir",
    "directory",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("rectrack-demo"),
    show_default=True,
    help="Where the demo database is made (anew each run).",
)
@pass_app
def demo(app: App, directory: Path) -> None:
    """Load the example data set into a fresh database and show what rectrack does with it."""
    from workflow import services
    from workflow.db import new_session, upgrade

    url = _fresh_database(directory)
    demo_app = App(replace(app.settings, database_url=url))
    upgrade(demo_app.engine)
    document = demo_document()
    with new_session(demo_app.engine) as session:
        _load(demo_app, session, document)
        codes = [rec_code(rec) for rec in document["recommendations"]]
        click.echo("\nWhat happened next:")
        _tell(demo_app, session, document, codes)
        click.echo("\nThe tracker now:\n")
        click.echo(tracker(services.list_recommendations(session)))
        click.echo("\nOne recommendation in full:\n")
        click.echo(detail(services.show_recommendation(session, codes[-1])))
    demo_app.engine.dispose()
    click.echo(
        f"\nThe demo database is {directory / 'rectrack.db'}. Look around with, for example:"
    )
    click.echo(f"  RECTRACK_DATABASE_URL={url} rectrack recs list")
    click.echo(f"  RECTRACK_DATABASE_URL={url} rectrack recs show {codes[-1]}")


def _fresh_database(directory: Path) -> str:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / "rectrack.db"
    for name in (path.name, path.name + "-wal", path.name + "-shm"):
        (directory / name).unlink(missing_ok=True)
    return f"sqlite:///{path}"


def _load(app: App, session: Session, document: dict[str, Any]) -> None:
    from workflow import interchange

    summary = interchange.import_document(
        session,
        document,
        table=app.table,
        period=app.settings.reports_response_period,
        actor=None,
        now=_morning(date(2027, 1, 6)),
    )
    loaded = ", ".join(f"{n} {name}" for name, n in summary.counts().items() if n)
    click.echo(f"Loaded the example panel report: {loaded}.")


def _tell(app: App, session: Session, document: dict[str, Any], codes: list[str]) -> None:
    from workflow import services

    panel = document["reports"][0]["from_body"]
    for day, index, who, event, data in STORY:
        code = codes[index]
        email = _owner(session, code) if who == "owner" else _first_with_role(document, who)
        actor = services.find_actor(session, email)
        if event == services.PROGRESS_UPDATE:
            services.add_update(
                session, app.lifecycle, code, actor, data["note"], data["rag"], _morning(day)
            )
            click.echo(f"  {day}  {code}: progress update ({data['rag']}) by {email}")
            continue
        fields = {**data, "endorsed_by": panel} if "endorsed_on" in data else data
        outcome = services.fire(
            session, app.lifecycle, code, Change(event, actor, **fields), _morning(day)
        )
        click.echo(f"  {day}  {code}: {event}, {outcome.before} -> {outcome.after} by {email}")


def _owner(session: Session, code: str) -> str:
    from workflow import services

    owner: str = services.show_recommendation(session, code)["owner"]
    return owner


def _first_with_role(document: dict[str, Any], role: str) -> str:
    return next(str(p["email"]) for p in document["people"] if role in p["roles"])


def rec_code(rec: dict[str, Any]) -> str:
    return str(rec.get("code") or f"{rec['report']}/{rec['reference']}")


def _morning(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 10, 0, tzinfo=UTC)
