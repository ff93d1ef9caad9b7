"""GET /families/{family_id}/events: the family's raw event stream, oldest first.

Personal data is shown only to roles entitled to it; for others it is null. Every read, and
every refusal for a family that exists, is logged in the access log (api/access.py).
"""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter

from api.access import AccessRecording
from api.deps import CurrentIdentity, JourneysDep, check_family_role
from api.permissions import ALLOWED, Action, may
from api.responses import ERRORS
from api.schemas.reads import EventPublic, EventsPublic
from api.serialize import event_json

router = APIRouter(prefix="/families/{family_id}", tags=["events"])


@router.get("/events", responses=ERRORS)
def family_events(
    family_id: UUID, journeys: JourneysDep, identity: CurrentIdentity, access: AccessRecording
) -> EventsPublic:
    roles = ALLOWED[Action.READ_EVENTS]
    check_family_role(identity, roles, family_id=family_id, journeys=journeys, access=access)
    events = journeys.app.family_events(family_id)
    access.record(identity, family_id)  # before the answer: no unlogged reads
    personal = may(identity, Action.READ_PERSONAL_DATA)
    return EventsPublic(
        family_id=family_id,
        items=[EventPublic(**event_json(event, personal=personal)) for event in events],
        next=None,
    )
