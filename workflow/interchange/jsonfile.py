"""Reading and writing the interchange document as a JSON file."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, TextIO

from workflow.errors import InterchangeError


def read_json(path: Path) -> dict[str, Any]:
    """Return the document in `path`; raise InterchangeError if it cannot be read or parsed."""
    try:
        with path.open(encoding="utf-8-sig") as stream:
            document = json.load(stream)
    except OSError as error:
        raise InterchangeError(str(path), f"cannot be read: {error.strerror}") from None
    except UnicodeDecodeError as error:
        reason = f"is not UTF-8 text (byte {error.start}: {error.reason})"
        raise InterchangeError(str(path), reason) from None
    except json.JSONDecodeError as error:
        where = f"line {error.lineno}, column {error.colno}"
        raise InterchangeError(str(path), f"is not valid JSON: {error.msg} at {where}") from None
    if not isinstance(document, dict):
        raise InterchangeError(str(path), 'must hold a JSON object ({"people": [...], ...})')
    return document


def write_json(document: dict[str, Any], stream: TextIO) -> None:
    """Write the document as indented UTF-8 JSON, one trailing newline."""
    json.dump(document, stream, ensure_ascii=False, indent=2)  # streamed: no whole-file string
    stream.write("\n")
