"""GET /health: is the process up, can it reach its event store, and are its views keeping
up? (No token needed.) A failing view makes the status `degraded`, still 200: the process
serves, but some reads are stale; the view says which event stopped it. Until every view has
started reading the log (just after start-up, or while no `journeys project` has run), the
status is `starting` and those views say `not started`. A view fed from Kafka is measured in
offsets of journeys.events.v1. With Kafka publishing on, `relay` shows how far the relay has
published: commands and reads never wait for the broker, but partners hear of escalations
only through it, so a relay whose oldest unpublished event is older than
JOURNEYS_RELAY_LAG_ALERT_SECONDS makes the status `degraded` too; `dead_letters` counts the
messages parked on journeys.deadletter.v1, waiting for someone to look."""

from __future__ import annotations

from fastapi import APIRouter, Request

from api.common.deps import JourneysDep
from api.http.operations import dead_letters, relay_of, view_statuses
from api.http.responses import ERRORS
from api.http.schemas.reads import HealthPublic, ViewHealthPublic
from api.http.schemas.relay import RelayHealthPublic

router = APIRouter(tags=["health"])


@router.get("/health", responses={503: ERRORS[503]})
def health(request: Request, journeys: JourneysDep) -> HealthPublic:
    position = journeys.app.position()  # reads the store: 503 when it cannot be reached
    relay_found = relay_of(journeys)
    views = [
        ViewHealthPublic(
            name=s.name, version=s.version, state=s.state, source=s.source, position=s.position,
            lag_events=s.lag_events, lag_seconds=s.lag_seconds, health=s.health,
            failures=s.failures, last_error=s.last_error,
        )
        for s in view_statuses(request, journeys)
    ]  # fmt: skip
    stalled = relay_found is not None and relay_found.stalled(
        journeys.settings.relay_lag_alert_seconds
    )
    if any(v.failures for v in views) or stalled:
        status = "degraded"
    elif any(v.health == "not started" for v in views):
        status = "starting"
    else:
        status = "ok"
    store = journeys.settings.store_description()
    relay = None
    if (r := relay_found) is not None:
        relay = RelayHealthPublic(
            position=r.position, head=r.head, lag_events=r.lag_events,
            lag_seconds=r.lag_seconds, health=r.health,
        )  # fmt: skip
    return HealthPublic(
        status=status, store=store, position=position, views=views, relay=relay,
        dead_letters=dead_letters(request),
    )  # fmt: skip
