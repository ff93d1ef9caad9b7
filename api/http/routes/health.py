"""GET /health: is the process up, can it reach its event store, and are its views keeping
up? (No token needed.) A failing view makes the status `degraded`, still 200: the process
serves, but some reads are stale; the view says which event stopped it. Until every view has
started reading the log (just after start-up, or while no `journeys project` has run), the
status is `starting` and those views say `not started`. With Kafka publishing on, `relay`
shows how far the relay has published (its lag does not change the status: commands and
reads do not wait for the broker)."""

from __future__ import annotations

from fastapi import APIRouter

from api.common.deps import JourneysDep
from api.http.responses import ERRORS
from api.http.schemas.reads import HealthPublic, ViewHealthPublic
from api.http.schemas.relay import RelayHealthPublic
from infra.kafka.relay import relay_status

router = APIRouter(tags=["health"])


@router.get("/health", responses={503: ERRORS[503]})
def health(journeys: JourneysDep) -> HealthPublic:
    position = journeys.app.position()  # reads the store: 503 when it cannot be reached
    views = [
        ViewHealthPublic(
            name=s.name, version=s.version, state=s.state, position=s.position,
            lag_events=s.lag_events, lag_seconds=s.lag_seconds, health=s.health,
            failures=s.failures, last_error=s.last_error,
        )
        for s in journeys.runner.status()
    ]  # fmt: skip
    if any(v.failures for v in views):
        status = "degraded"
    elif any(v.health == "not started" for v in views):
        status = "starting"
    else:
        status = "ok"
    store = journeys.settings.store_description()
    relay = None
    if journeys.settings.kafka_bootstrap and journeys.relay_positions is not None:
        s = relay_status(journeys.app, journeys.relay_positions)
        relay = RelayHealthPublic(
            position=s.position, head=s.head, lag_events=s.lag_events,
            lag_seconds=s.lag_seconds, health=s.health,
        )  # fmt: skip
    return HealthPublic(status=status, store=store, position=position, views=views, relay=relay)
