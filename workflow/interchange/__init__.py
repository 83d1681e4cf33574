"""The interchange format: the JSON document of DESIGN.md and a CSV of recommendations.

Imports validate everything first (pure checks into frozen records), then write in one
transaction: all or nothing, every refusal naming the record's path.
"""

from __future__ import annotations

from workflow.interchange.csvfile import export_csv, import_csv
from workflow.interchange.export import export_document
from workflow.interchange.jsonfile import read_json, write_json
from workflow.interchange.load import import_document
from workflow.interchange.records import ImportSummary

__all__ = [
    "ImportSummary",
    "export_csv",
    "export_document",
    "import_csv",
    "import_document",
    "read_json",
    "write_json",
]
