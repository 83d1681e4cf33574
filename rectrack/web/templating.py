"""The pages' templates: Jinja2, escaped, strict; a council may override any of them.

A file of the same name in `<[templates] directory>/web/` is used before the built-in one.
"""

from __future__ import annotations

from datetime import date
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from jinja2 import ChoiceLoader, Environment, FileSystemLoader, PackageLoader, StrictUndefined

from rectrack.web.security import CSRF_FIELD, csrf_token
from reports import wording
from workflow.services.accounts import SignedIn


@cache
def templates(directory: Path | None) -> Jinja2Templates:
    loaders: list[Any] = [PackageLoader("rectrack.web", "templates")]
    if directory is not None:
        loaders.insert(0, FileSystemLoader(directory / "web"))
    env = Environment(
        loader=ChoiceLoader(loaders),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(pageless=_pageless, day=_day, long_day=_long_day, sentence=_sentence)
    # The annex's own words for the papers' pages (`reports.wording`), the dates as above.
    env.filters.update({n: getattr(wording, n) for n in wording.FILTERS if n not in env.filters})
    env.globals.update(CSRF_FIELD=CSRF_FIELD, DECISIONS=wording.DECISIONS)
    return Jinja2Templates(env=env)


def _as_date(value: date | str | None) -> date | None:
    """A date, from the ISO text the services' views give or a date itself."""
    if isinstance(value, str):
        return date.fromisoformat(value[:10])
    return value


def _sentence(text: object) -> str:
    """A refusal as a page says it: the services' sentences begin in lower case, as a
    command line prints them after "error:".
    """
    words = str(text)
    return words[:1].upper() + words[1:]


def _pageless(params: Any) -> str:
    """The query of an address without its page: the pager adds its own."""
    return urlencode([(key, value) for key, value in params.multi_items() if key != "page"])


def _day(value: date | str | None) -> str:
    return wording.day(_as_date(value))


def _long_day(value: date | str) -> str:
    day = _as_date(value)
    return wording.long_day(day) if day else wording.NONE


def render(
    request: Request,
    name: str,
    viewer: SignedIn | None,
    status_code: int = 200,
    **context: Any,
) -> HTMLResponse:
    """The page `name`, for `viewer`, with the session's CSRF token in reach of its forms."""
    app = request.app.state.rectrack
    context = {"nav": None, **context, "viewer": viewer, "today": app.today()}
    context |= {"csrf_token": csrf_token(request), "flash": request.session.pop("flash", None)}
    return templates(app.settings.templates_directory).TemplateResponse(
        request, name, context, status_code=status_code
    )
