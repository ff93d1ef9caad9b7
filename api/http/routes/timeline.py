"""GET /families/{family_id}/timeline: a family's entries in the order they happened, each
with its corrections and retraction, as the record stood at an instant and as of what had
happened by an instant (the case audit panel's two questions). The reading is
api.common.reads_timeline's, which the family and case audit pages call too.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from api.common.deps import JourneysDep, TimelineReader
from api.common.instants import OccurredBy, RecordedAt, instant
from api.common.reads_timeline import timeline_page
from api.common.schemas.timeline import TimelinePublic
from api.http.responses import READS
from projections.timeline import DEFAULT_LIMIT, MAX_LIMIT

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
    return timeline_page(
        read, journeys, recorded_by=recorded_by, occurred_by=occurred_by, after=after, limit=limit
    )
