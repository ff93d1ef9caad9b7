"""A family's journey: its stages over time as named answers, and as a picture (SVG)."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Any

from fastapi import APIRouter, Depends
from fastapi.responses import Response

from api.common.deps import FamilyRead, FamilyReaderFor, JourneysDep
from api.common.instants import RecordedAt, instant
from api.common.permissions import Action
from api.common.reads_journey import family_journey
from api.common.schemas.journey import JourneyPublic
from api.http.responses import READS
from domain.access import Route
from projections.journey_picture import journey_svg

router = APIRouter(prefix="/families/{family_id}", tags=["journeys"])

JourneyGraphReader = Annotated[
    FamilyRead, Depends(FamilyReaderFor(Action.READ_JOURNEY, Route.WHOLE, "journey"))
]

SVG: dict[int | str, dict[str, Any]] = {
    **READS,
    200: {"content": {"image/svg+xml": {}}, "description": "The journey as a picture"},
}


@router.get("/journey", responses=READS)
def read_journey(
    read: JourneyGraphReader, journeys: JourneysDep, as_recorded_at: RecordedAt = None
) -> JourneyPublic:
    moment = instant("as_recorded_at", as_recorded_at)
    position, answers = family_journey(journeys, read, moment)
    return JourneyPublic.model_validate({**asdict(answers), "position": position})


@router.get("/journey.svg", response_class=Response, responses=SVG)
def journey_picture(
    read: JourneyGraphReader, journeys: JourneysDep, as_recorded_at: RecordedAt = None
) -> Response:
    moment = instant("as_recorded_at", as_recorded_at)
    _, answers = family_journey(journeys, read, moment)
    picture = journey_svg(answers, labels=journeys.app.codes)
    return Response(picture, media_type="image/svg+xml")
