"""GET /health: is the process up, and can it reach its event store? (No token needed.)"""

from __future__ import annotations

from fastapi import APIRouter

from api.deps import JourneysDep
from api.responses import ERRORS
from api.schemas.reads import HealthPublic

router = APIRouter(tags=["health"])


@router.get("/health", responses={503: ERRORS[503]})
def health(journeys: JourneysDep) -> HealthPublic:
    position = journeys.app.position()  # reads the store: 503 when it cannot be reached
    return HealthPublic(status="ok", store=journeys.settings.store_description(), position=position)
