"""GET /families/{family_id}/events: the family's raw event stream, oldest first.

Who may read which family, and how much of it, is domain.access's (api.common.deps.FamilyReaderFor):
a practitioner who sees only what their agency may see gets only those entries (the shared
view's rules), with personal data only where the family's contact details are covered.
Personal data is shown only to readers entitled to it; for others it is null. Every read,
and every refusal for a family that exists, is logged in the access log (api/common/access.py).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends

from api.common.deps import FamilyRead, FamilyReaderFor, JourneysDep, shown_to
from api.common.permissions import Action
from api.http.responses import ERRORS
from api.http.schemas.reads import EventPublic, EventsPublic
from domain.access import Route
from projections.serialize import event_json

router = APIRouter(prefix="/families/{family_id}", tags=["events"])


EventsReader = Annotated[FamilyRead, Depends(FamilyReaderFor(Action.READ_EVENTS, Route.ENTRIES))]


@router.get("/events", responses=ERRORS)
def family_events(read: EventsReader, journeys: JourneysDep) -> EventsPublic:
    events = journeys.app.family_events(read.family_id)
    shown = shown_to(journeys, read)
    return EventsPublic(
        family_id=read.family_id,
        items=[
            EventPublic(**event_json(event, personal=shown.personal))
            for event in events
            if shown.shows(getattr(event, "entry_id", None))
        ],
        next=None,
    )
