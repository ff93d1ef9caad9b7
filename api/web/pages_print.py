"""A family's chronology as recorded at a chosen day, as a page to print for a case audit
panel's pack: `/web/families/{family_id}/print?as_recorded_at=YYYY-MM-DD`. The same entries,
under the same rules and logged the same way, as the family page's timeline for that day;
no navigation, and a print stylesheet that keeps each entry on one page."""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter
from fastapi.responses import HTMLResponse

from api.common.access import AccessRecording
from api.common.deps import JourneyReader, JourneysDep
from api.web.pages import PageRoute
from api.web.pages_family import MAX_ENTRIES, day_asked, entries_by
from api.web.pages_text import label
from api.web.templating import render

router = APIRouter(prefix="/web", include_in_schema=False, route_class=PageRoute)


@router.get("/families/{family_id}/print")
def family_print(
    read: JourneyReader,
    journeys: JourneysDep,
    access: AccessRecording,
    as_recorded_at: date | None = None,
) -> HTMLResponse:
    day = day_asked(journeys, read, as_recorded_at)
    codes = journeys.app.codes
    return render(
        "print.html",
        read.identity,
        title="A family's chronology",
        family_id=str(read.family_id),
        area=label(codes, "area", read.directory["area"]),
        day=day,
        entries=entries_by(journeys, read, day),
        max_entries=MAX_ENTRIES,
        printed_at=journeys.app.clock(),
        reason=label(codes, "access_reason", access.reason) if access.reason else None,
    )
