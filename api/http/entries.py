"""Timeline entries as the API shows them, with the personal data of each read from its
events (`personal_details`, the one place it is): for the timeline and the shared view.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from api.http.schemas.timeline import TimelineEntryPublic
from api.http.serialize import to_json
from projections.base import Doc
from projections.timeline import personal_parts


def personal_details(events: Iterable[Any]) -> dict[str, dict[str, Any]]:
    """Entry id -> the personal data its event holds, laid out as the timeline's
    `personal_fields` name it: `{"notes": ..., "members": {member_id: {"given_name": ...}}}`.

    The one place the timeline reads personal data, so that decrypting it, or finding it
    erased, happens here."""
    found: dict[str, dict[str, Any]] = {}
    for event in events:
        details: dict[str, Any] = {}
        for member_id, personal in personal_parts(event):
            shown = to_json(personal, personal=True).items()
            values = {k: v for k, v in shown if v is not None and k != "erased"}
            if member_id is None:
                details.update(values)
            else:
                details.setdefault("members", {})[member_id] = values
        if details:
            found[str(event.entry_id)] = details
    return found


def entry_public(entry: Doc, personal: Mapping[str, Doc] | None) -> TimelineEntryPublic:
    """An entry of the timeline with the personal data of it and its corrections, if given."""

    def with_personal(record: Doc) -> Doc:
        return {
            **record,
            "personal": None if personal is None else personal.get(record["entry_id"]),
        }

    shown = with_personal(entry)
    shown["corrections"] = [with_personal(c) for c in entry["corrections"]]
    return TimelineEntryPublic.model_validate(shown)
