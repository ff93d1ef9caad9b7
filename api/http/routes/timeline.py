"""GET /families/{family_id}/timeline: a family's entries in the order they happened, each
with its corrections and retraction, as the record stood at an instant and as of what had
happened by an instant (the case audit panel's two questions).

The entries come from the timeline view (projections.timeline), which holds no personal
data; for readers entitled to it, personal data is read from the events, in
`personal_details` only.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from api.common.deps import JourneysDep, TimelineReader, shown_to
from api.common.schemas.timeline import TimelinePublic
from api.http.entries import entry_public
from api.http.instants import OccurredBy, RecordedAt, instant
from api.http.responses import READS
from projections.reads import family_doc
from projections.shared import personal_details
from projections.timeline import DEFAULT_LIMIT, MAX_LIMIT, TimelineProjection, page, timeline

router = APIRouter(prefix="/families/{family_id}", tags=["timeline"])

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
