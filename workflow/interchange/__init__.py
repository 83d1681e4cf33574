"""The interchange format: the JSON document of DESIGN.md and a CSV of recommendations.

Imports validate everything first (pure checks into frozen records), then write in one
transaction: all or nothing, every refusal naming the record's path.

The names below are loaded on first use, so that importing one of the pure modules
(`validate`, `checks`, `records` ...) does not bring in the storage that loading and
exporting need.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from workflow.interchange.csvfile import export_csv, import_csv
    from workflow.interchange.export import export_document
    from workflow.interchange.jsonfile import read_json, write_json
    from workflow.interchange.load import import_document
    from workflow.interchange.records import ImportSummary

_HOMES = {
    "ImportSummary": "records",
    "export_csv": "csvfile",
    "export_document": "export",
    "import_csv": "csvfile",
    "import_document": "load",
    "read_json": "jsonfile",
    "write_json": "jsonfile",
}

__all__ = [
    "ImportSummary",
    "export_csv",
    "export_document",
    "import_csv",
    "import_document",
    "read_json",
    "write_json",
]


def __getattr__(name: str) -> object:
    if name not in _HOMES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(import_module(f"{__name__}.{_HOMES[name]}"), name)
