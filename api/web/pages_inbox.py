"""`/web/escalations`: the escalation inbox of a partner agency, every escalation addressed
to it (received), whether it was answered (accepted or declined, and when), and whether an
answer is overdue past one working day (projections.inbox). A partner sees its own agency's
inbox; a QA officer previews an agency's with `?agency=`, as on the other partner pages.
Read from the sharing view, at least as of the store's position now: ids, codes and times
only, the details a click away on the family's shared page (logged there).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import HTMLResponse

from api.common.deps import JourneysDep, ReadAfter, ReadAfterDep
from api.common.sharing import AgencyQuery, SharedViewer, listing_agency
from api.web.pages import PageRoute
from api.web.templating import render
from projections.base import Doc
from projections.inbox import escalation_inbox
from projections.working_days import local_day

router = APIRouter(prefix="/web", include_in_schema=False, route_class=PageRoute)

STATUS_WORDS = {
    "awaiting": "Awaiting an answer",
    "overdue": "Overdue",
    "accepted": "Accepted",
    "declined": "Declined",
}


@router.get("/escalations")
def escalation_inbox_page(
    *,
    journeys: JourneysDep,
    identity: SharedViewer,
    read_after: ReadAfterDep,
    agency: AgencyQuery = None,
) -> HTMLResponse:
    codes = journeys.app.codes
    viewer = None  # a QA officer first chooses the agency to preview
    rows: list[Doc] = []
    if identity.role == "partner" or agency is not None:
        viewer = listing_agency(identity, agency, codes)
        ReadAfter(journeys.app.position(), read_after.seconds).wait(journeys, "sharing")
        today = local_day(journeys.app.clock())
        _, rows = escalation_inbox(journeys.views, viewer, today=today)
    preview = identity.role != "partner"
    counts = {status: sum(r["status"] == status for r in rows) for status in STATUS_WORDS}
    title = "Escalation inbox" if preview else "Escalations to us"
    page: dict[str, Any] = {"viewer": viewer, "preview": preview, "rows": rows, "counts": counts}
    return render(
        "escalations.html",
        identity,
        title=title,
        current="escalations",
        status_words=STATUS_WORDS,
        codes=codes.lists,
        **page,
    )
