"""Options shared by several commands."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any, TypeVar

import click

from workflow.limits import out_of_range

F = TypeVar("F", bound=Callable[..., Any])


class DateType(click.ParamType[date, Any]):
    name = "DATE"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> date:
        if isinstance(value, date):
            return value
        try:
            day = date.fromisoformat(str(value))
        except ValueError:
            self.fail(f"{value!r} is not a date like 2027-03-31", param, ctx)
        reason = out_of_range(day)
        if reason:
            self.fail(reason, param, ctx)
        return day


DATE = DateType()


def json_option(function: F) -> F:
    return click.option("--json", "as_json", is_flag=True, help="Print JSON instead of text.")(
        function
    )


def importer_option(function: F) -> F:
    return click.option(
        "--by",
        "by",
        envvar="RECTRACK_ACTOR",
        metavar="EMAIL",
        help="The clerk who loads it (or RECTRACK_ACTOR); may be one of the document's people.",
    )(function)


def by_option(function: F) -> F:
    return click.option(
        "--by",
        "by",
        envvar="RECTRACK_ACTOR",
        metavar="EMAIL",
        help="The person on whose behalf this is done (or RECTRACK_ACTOR).",
    )(function)
