"""GET /families/{family_id}/events: the family's raw event stream, oldest first.

Personal data is shown only to roles entitled to it; for others it is null.
"""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter

from api.deps import EventReader, JourneysDep
from api.permissions import Action, may
from api.responses import ERRORS
from api.schemas.reads import EventPublic, EventsPublic
from api.serialize import event_json

router = APIRouter(prefix="/families/{family_id}", tags=["events"])


@router.get("/events", responses=ERRORS)
def family_events(family_id: UUID, journeys: JourneysDep, identity: EventReader) -> EventsPublic:
    events = journeys.app.family_events(family_id)
    personal = may(identity, Action.READ_PERSONAL_DATA)
    return EventsPublic(
        family_id=family_id,
        items=[EventPublic(**event_json(event, personal=personal)) for event in events],
        next=None,
    )
