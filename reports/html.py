"""The annex as an HTML document, from templates a council may replace.

`reports/templates/annex.html` (with `annex.css`, its stylesheet for screen and
print) is the layout; a file of the same name in the council's `[templates]
directory` is used in its place, as the mail templates are. HTML is autoescaped,
and a name the template uses but the annex lacks is an error, not an empty cell.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from jinja2 import (
    BaseLoader,
    ChoiceLoader,
    Environment,
    FileSystemLoader,
    PackageLoader,
    StrictUndefined,
    select_autoescape,
)

from reports import wording
from reports.annex import Annex

TEMPLATE = "annex.html"
# Columns a table shows, in order: the header a reader sees, and its share of the width.
COLUMNS = (
    ("Code", 7),
    ("Recommendation", 15),
    ("Executive response", 12),
    ("Lead officer and member", 8),
    ("Original target", 6),
    ("Current target", 8),
    ("Latest update", 14),
    ("Milestones and indicators", 12),
    ("RAG", 5),
    ("State", 6),
    ("Proposed action", 7),
)


@cache
def environment(templates_directory: Path | None = None) -> Environment:
    """One environment: a council's templates first, then rectrack's own."""
    # Found from this module, as the mail renderer finds its own: see its note.
    loaders: list[BaseLoader] = [PackageLoader(__name__, "templates")]
    if templates_directory is not None:
        loaders.insert(0, FileSystemLoader(templates_directory))
    env = Environment(
        loader=ChoiceLoader(loaders),
        autoescape=select_autoescape(enabled_extensions=("html",), default=False),
        undefined=StrictUndefined,
        auto_reload=False,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(
        {name: getattr(wording, name) for name in wording.FILTERS}  # "day", "rag", ...
    )
    return env


def render_html(annex: Annex, templates_directory: Path | None = None) -> str:
    """The whole annex as one HTML document."""
    template = environment(templates_directory).get_template(TEMPLATE)
    return template.render(annex=annex, columns=COLUMNS, dash=wording.NONE)
