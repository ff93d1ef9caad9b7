"""GET /shared-families: the families one partner agency sees something of (its own
entries, what a consent covers, what was shared with it), each with what it sees, why and
since when. A partner lists its own agency's; a QA officer names an agency (`?agency=`)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from api.common.cursors import AfterQuery, decode, next_cursor
from api.common.deps import JourneysDep, ReadAfterDep
from api.common.schemas.shared_view import SharedFamiliesPublic, SharedFamilyPublic
from api.common.sharing import AgencyQuery, SharedViewer, families_shared, listing_agency
from api.http.responses import READS

router = APIRouter(tags=["consent and sharing"])

LimitQuery = Annotated[int, Query(ge=1, le=200, description="At most this many families.")]


@router.get("/shared-families", responses=READS)
def list_shared_families(
    *,
    journeys: JourneysDep,
    identity: SharedViewer,
    read_after: ReadAfterDep,
    agency: AgencyQuery = None,
    after: AfterQuery = None,
    limit: LimitQuery = 50,
) -> SharedFamiliesPublic:
    """The families an agency sees something of under the sharing rules (see
    `/families/{family_id}/shared-view`), each with the categories of what it sees, the
    kinds of reason, and since when. A partner: its own agency (`agency` another: 403); a
    QA officer: the agency named (required)."""
    viewer = listing_agency(identity, agency, journeys.app.codes)
    place = decode(after) or 0
    items, more = families_shared(
        journeys, viewer, seconds=read_after.seconds, after=place, limit=limit
    )
    return SharedFamiliesPublic(
        agency=viewer,
        items=[SharedFamilyPublic.model_validate(item) for item in items],
        next=next_cursor(more),
    )
