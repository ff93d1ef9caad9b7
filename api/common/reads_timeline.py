"""A family's timeline as GET /families/{family_id}/timeline answers it and the family and
case audit pages show it: its entries in the order they happened, each with its corrections
and retraction, as the record stood at an instant and as of what had happened by an instant.

The entries come from the timeline view (projections.timeline), which holds no personal
data; for readers entitled to it, personal data is read from the events, in
`personal_details` only.
"""

from __future__ import annotations

from datetime import datetime

from api.common.deps import FamilyRead, shown_to
from api.common.entries import entry_public
from api.common.schemas.timeline import TimelinePublic
from infra.bootstrap import Journeys
from projections.reads import family_doc
from projections.shared import personal_details
from projections.timeline import TimelineProjection, page, timeline


def timeline_page(
    read: FamilyRead,
    journeys: Journeys,
    *,
    recorded_by: datetime | None = None,
    occurred_by: datetime | None = None,
    after: str | None,
    limit: int,
) -> TimelinePublic:
    """One page of the entries the reader may see, as recorded by `recorded_by` and as of
    what had happened by `occurred_by` (None: now); `after`: the `next` of the page before."""
    shown = shown_to(journeys, read)
    events = journeys.app.family_events(read.family_id) if shown.personal else None
    found = family_doc(
        journeys.views, journeys.app, TimelineProjection(), read.family_id, events=events
    )
    entries = timeline(found.doc, as_recorded_at=recorded_by, as_occurred_by=occurred_by)
    entries = [entry for entry in entries if shown.shows(entry["entry_id"])]
    answered, next_page = page(entries, after=after, limit=limit)
    personal = personal_details(events) if events is not None else None
    return TimelinePublic(
        family_id=read.family_id,
        entries=[entry_public(entry, personal) for entry in answered],
        next=next_page,
        position=found.position,
    )
