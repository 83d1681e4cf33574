"""The layout holds: packages import one way, and the pure core loads no I/O library.

Each module is imported in a fresh interpreter and what that loaded is checked
(`sys.modules`, so everything it pulled in, not only its own import statements).
Each file is also parsed, so that an import inside a function or behind
TYPE_CHECKING, which the fresh import does not run, breaks no rule either.

The rules (DESIGN.md, Architecture; STYLE.md, Layout):
- Layers: config < workflow < notifications, reports < rectrack. A module imports its
  own package and lower layers only. notifications and reports stand side by side and
  import neither each other.
- No module of config, workflow, notifications or reports imports a front end (click,
  fastapi, starlette, uvicorn); rectrack, the top layer, is already out of reach.
- A pure module loads no I/O library: sqlmodel, sqlalchemy, alembic, psycopg and
  sqlite3 (storage), aiosmtplib and smtplib (mail), apscheduler (the scheduler). Nor
  jinja2, except in notifications/rendering.py and reports/html.py: a template engine
  is not I/O, but those are the pure modules with templates to render. socket is not on the
  list: the standard library's email package loads it to name the host in a Message-ID.
"""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

import workflow

ROOT = Path(__file__).resolve().parent.parent
LAYER = {"config": 0, "workflow": 1, "notifications": 2, "reports": 2, "rectrack": 3}
CHECKED = ("config", "workflow", "notifications", "reports")  # reports/ may not exist yet
FRONT_ENDS = frozenset({"click", "fastapi", "starlette", "uvicorn"})
IO_LIBRARIES = frozenset(
    {"sqlmodel", "sqlalchemy", "alembic", "psycopg", "sqlite3"}
    | {"aiosmtplib", "smtplib", "apscheduler", "jinja2"}
)
PURE_PACKAGES = frozenset({"config"})
PURE_MODULES = frozenset(
    {"workflow.lifecycle", "workflow.guards", "workflow.records", "workflow.clock"}
    | {"workflow.errors", "workflow.interchange.validate", "workflow.interchange.checks"}
    | {"workflow.interchange.scope", "workflow.interchange.shapes"}
    | {"workflow.interchange.recommendations", "workflow.interchange.records"}
    | {"workflow.interchange.replay"}
    | {"notifications.planning", "notifications.notices", "notifications.rendering"}
    | {"notifications.emails", "notifications.deliveries"}
    | {"workflow.papers", "reports.stats", "reports.calendar"}
    | {"workflow.interchange.tracker_map", "workflow.interchange.sheet_rows"}
    | {"workflow.annex_records", "reports", "reports.annex", "reports.wording", "reports.html"}
    | {"reports.pdf", "reports.xlsx"}
)
ALLOWED_IO = {
    "notifications.rendering": frozenset({"jinja2"}),
    "reports.html": frozenset({"jinja2"}),  # the annex's templates, as the mail's
}

# Nearly all the cost of a fresh import of an edge module is SQLModel's (pydantic and
# SQLAlchemy). Edge modules may load it, so their probes import it once before forking.
EDGE_PRELOAD = "sqlmodel"
PROBE = Path(__file__).with_name("import_probe.py")


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def source_files() -> dict[str, Path]:
    packages = (ROOT / package for package in CHECKED)
    paths = (path for package in packages if package.is_dir() for path in package.rglob("*.py"))
    return {module_name(path): path for path in sorted(paths)}


MODULES = source_files()


def is_pure(module: str) -> bool:
    return module in PURE_MODULES or module.partition(".")[0] in PURE_PACKAGES


def forbidden(module: str) -> frozenset[str]:
    """Return the top-level names that `module` must not import, even indirectly."""
    package = module.partition(".")[0]
    above = {other for other in LAYER if other != package and LAYER[other] >= LAYER[package]}
    io = IO_LIBRARIES - ALLOWED_IO.get(module, frozenset()) if is_pure(module) else frozenset()
    return frozenset(above) | FRONT_ENDS | io


def probe(preload: str, modules: list[str]) -> dict[str, frozenset[str] | str]:
    """Return what importing each module loads, or why it could not be imported."""
    # -I: no environment variables, no user site, and the current directory is not on
    # the path, so that the installed project is what gets imported.
    done = subprocess.run(
        [sys.executable, "-I", str(PROBE), preload, *modules],
        capture_output=True,
        text=True,
        check=True,
    )
    reports = map(json.loads, done.stdout.splitlines())
    return {found["module"]: found.get("error") or frozenset(found["loaded"]) for found in reports}


def batches(workers: int) -> list[tuple[str, list[str]]]:
    """Split the modules into one batch per worker, pure and edge apart."""
    pure = [module for module in MODULES if is_pure(module)]
    edge = [module for module in MODULES if not is_pure(module)]
    groups = (("", pure), (EDGE_PRELOAD, edge))
    return [(preload, group[i::workers]) for preload, group in groups for i in range(workers)]


@pytest.fixture(scope="session")
def loaded() -> dict[str, frozenset[str] | str]:
    # A fresh interpreter per module (a fork of one that has imported nothing, or only
    # the preload for edge modules), spread over the CPUs: a few seconds for them all.
    workers = os.cpu_count() or 1
    with ThreadPoolExecutor(max_workers=workers) as pool:
        found = list(pool.map(lambda batch: probe(*batch), batches(workers)))
    return {module: what for batch in found for module, what in batch.items()}


def imported_names(path: Path) -> Iterator[str]:
    """Yield every absolute import in the file, wherever it stands."""
    # Relative imports are left out: ruff (TID252) refuses them beyond the own package.
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            yield node.module


def test_every_package_of_the_layout_is_walked() -> None:
    assert {module.partition(".")[0] for module in MODULES} >= {
        "config",
        "workflow",
        "notifications",
    }


def test_the_fresh_interpreters_import_what_the_tests_import() -> None:
    where = "import workflow; print(workflow.__file__)"
    done = subprocess.run([sys.executable, "-I", "-c", where], capture_output=True, text=True)
    assert done.stdout.strip() == workflow.__file__


@pytest.mark.parametrize("module", MODULES)
def test_importing_it_loads_nothing_it_must_not(
    module: str, loaded: dict[str, frozenset[str] | str]
) -> None:
    found = loaded[module]
    if isinstance(found, str):
        pytest.fail(f"{module} cannot be imported on its own: {found}", pytrace=False)
    if pulled := sorted(found & forbidden(module)):
        pytest.fail(f"importing {module} loads {', '.join(pulled)}", pytrace=False)


@pytest.mark.parametrize("module", MODULES)
def test_no_import_in_its_source_goes_the_wrong_way(module: str) -> None:
    names = {name.partition(".")[0]: name for name in imported_names(MODULES[module])}
    if wrong := sorted(names[top] for top in names.keys() & forbidden(module)):
        pytest.fail(f"{module} imports {', '.join(wrong)}", pytrace=False)


def test_the_services_load_the_document_code_only_when_it_is_used() -> None:
    # Every command imports workflow.services; only import and export read or write a file.
    code = "import sys, workflow.services; print(' '.join(sys.modules))"
    done = subprocess.run([sys.executable, "-I", "-c", code], capture_output=True, text=True)
    edge = {f"workflow.interchange.{name}" for name in ("load", "export", "csvfile", "bulk")}
    assert not edge & set(done.stdout.split())
