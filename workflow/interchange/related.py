"""The rows of what recommendations carry (responses, updates, history ...), gathered per table."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from workflow.interchange.records import Related
from workflow.models import RELATED_MODELS

# The model each of Related's lists is written to, in Related's order.
MODELS: tuple[type[Any], ...] = tuple(RELATED_MODELS.values())


class RelatedRows:
    """Rows for each related table, references resolved with the maps given."""

    def __init__(self, people: dict[str, int], bodies: dict[str, int]) -> None:
        self.people, self.bodies = people, bodies
        self.rows: dict[type[Any], list[dict[str, Any]]] = {model: [] for model in MODELS}
        # Each indicator's readings, in the order the indicators are written: its id is
        # known only once it is in.
        self.readings: list[tuple[int, list[dict[str, Any]]]] = []

    def add(self, rec_id: int, related: Related) -> None:
        for model, records in zip(MODELS, related, strict=True):
            self.rows[model] += (self._row(rec_id, record) for record in records)

    def tables(self) -> Iterator[tuple[type[Any], list[dict[str, Any]]]]:
        return ((model, rows) for model, rows in self.rows.items() if rows)

    def _row(self, rec_id: int, record: Any) -> dict[str, Any]:
        row: dict[str, Any] = record._asdict()
        row["recommendation_id"] = rec_id
        if "readings" in row:
            readings = [self._reading(reading) for reading in row.pop("readings")]
            self.readings.append((rec_id, readings))
        for key, column in (("by", "by_id"), ("actor", "actor_id")):
            if key in row:
                row[column] = self._person(row.pop(key))
        if "endorsed_by" in row:
            row["endorsed_by_id"] = self.bodies[row.pop("endorsed_by")]
        return row

    def _reading(self, reading: Any) -> dict[str, Any]:
        row: dict[str, Any] = reading._asdict()
        row["by_id"] = self._person(row.pop("by"))
        return row

    def _person(self, email: str | None) -> int | None:
        return self.people[email] if email is not None else None
