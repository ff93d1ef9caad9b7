"""Events as JSON: every field, generically, with personal data withheld from readers not
entitled to it (each PersonalData value becomes null, wherever it sits)."""

from __future__ import annotations

import dataclasses
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from domain.values import PersonalData

# Fields every event has, shown at the top level of an item rather than in `data`.
ENVELOPE = frozenset(
    {"originator_id", "originator_version", "timestamp", "originator_topic", "occurred_at", "actor"}
)


ERASED = "erased"


def to_json(value: Any, *, personal: bool, withheld: str | None = None) -> Any:
    """A JSON-ready copy of `value`; PersonalData only when `personal` is true, as its
    details (each detail it held reads "erased" once the family's data is erased), else
    `withheld` in its place."""
    if isinstance(value, PersonalData):
        if not personal:
            return withheld
        if value.erased:
            erased = dict.fromkeys(value.erased_fields, ERASED)
            return {name: erased.get(name) for name in PersonalData.DETAILS} | {"erased": True}
        return {name: to_json(getattr(value, name), personal=True) for name in value.DETAILS}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {
            f.name: to_json(getattr(value, f.name), personal=personal, withheld=withheld)
            for f in dataclasses.fields(value)
        }
    if isinstance(value, UUID | Decimal):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return [to_json(v, personal=personal, withheld=withheld) for v in value]
    if isinstance(value, dict):
        return {str(k): to_json(v, personal=personal, withheld=withheld) for k, v in value.items()}
    return value


def event_json(event: Any, *, personal: bool, withheld: str | None = None) -> dict[str, Any]:
    """One stored event: its type, version, both times, actor and the rest as `data`
    (PersonalData values `withheld` unless `personal`)."""
    fields = {f.name: getattr(event, f.name) for f in dataclasses.fields(event)}
    occurred_at = fields.get("occurred_at")
    return {
        "type": type(event).__name__,
        "version": event.originator_version,
        "recorded_at": to_json(event.timestamp, personal=personal),
        "occurred_at": to_json(occurred_at, personal=personal),
        "actor": to_json(fields.get("actor"), personal=personal),
        "data": {
            name: to_json(value, personal=personal, withheld=withheld)
            for name, value in fields.items()
            if name not in ENVELOPE
        },
    }
