"""GET /families/{family_id}/timeline: a family's entries in the order they happened, each
with its corrections and retraction, as the record stood at an instant and as of what had
happened by an instant (the case audit panel's two questions).

The entries come from the timeline view (projections.timeline), which holds no personal
data; for readers entitled to it, personal data is read from the events, in
`personal_details` only.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime, time
from typing import Annotated, Any

from fastapi import APIRouter, Query

from api.deps import JourneysDep, TimelineReader, shown_to
from api.responses import READS
from api.schemas.timeline import TimelineEntryPublic, TimelinePublic
from api.serialize import to_json
from domain.errors import InvalidValueError
from projections.base import Doc, replay
from projections.timeline import (
    DEFAULT_LIMIT,
    MAX_LIMIT,
    TimelineProjection,
    page,
    personal_parts,
    timeline,
)

router = APIRouter(prefix="/families/{family_id}", tags=["timeline"])

INSTANT = (
    "ISO 8601 with a time zone (2025-03-03T09:30:00Z), or a date alone (2025-03-03), "
    "meaning the end of that day, UTC."
)
RecordedAt = Annotated[
    str | None,
    Query(
        max_length=64,
        description="The record as it stood at this instant: only entries, corrections and "
        f"retractions recorded by then. {INSTANT}",
    ),
]
OccurredBy = Annotated[
    str | None,
    Query(
        max_length=64,
        description="Only what had happened by this instant, each entry at its time as "
        f"corrected. {INSTANT}",
    ),
]
After = Annotated[str | None, Query(max_length=200, description="The `next` of the previous page.")]
Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT, description="Entries per page.")]


@router.get("/timeline", responses=READS)
def family_timeline(
    read: TimelineReader,
    journeys: JourneysDep,
    *,
    as_recorded_at: RecordedAt = None,
    as_occurred_by: OccurredBy = None,
    after: After = None,
    limit: Limit = DEFAULT_LIMIT,
) -> TimelinePublic:
    recorded_by = instant("as_recorded_at", as_recorded_at)
    occurred_by = instant("as_occurred_by", as_occurred_by)
    position, doc = journeys.views.read("timeline", str(read.family_id))
    shown = shown_to(journeys, read)
    events = journeys.app.family_events(read.family_id) if doc is None or shown.personal else []
    if doc is None:  # the view has not reached this family yet: build its document here
        doc = replay(TimelineProjection(), events).docs[str(read.family_id)]
    entries = timeline(doc, as_recorded_at=recorded_by, as_occurred_by=occurred_by)
    entries = [entry for entry in entries if shown.shows(entry["entry_id"])]
    answered, next_page = page(entries, after=after, limit=limit)
    personal = personal_details(events) if shown.personal else None
    return TimelinePublic(
        family_id=read.family_id,
        entries=[entry_public(entry, personal) for entry in answered],
        next=next_page,
        position=position,
    )


def instant(field: str, text: str | None) -> datetime | None:
    """A query parameter as an aware time in UTC; a date alone is the end of that day."""
    if text is None:
        return None
    try:
        day = date.fromisoformat(text)
    except ValueError:
        pass
    else:
        return datetime.combine(day, time.max, tzinfo=UTC)
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        # Not the parser's message: it repeats the value sent.
        raise InvalidValueError(
            field, f"not a valid date or time; give {INSTANT[0].lower()}{INSTANT[1:]}"
        ) from None
    if moment.utcoffset() is None:
        raise InvalidValueError(field, "give a time zone, e.g. 2025-03-03T09:30:00Z")
    try:
        return moment.astimezone(UTC)
    except OverflowError:
        raise InvalidValueError(field, "the time is out of range") from None


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
