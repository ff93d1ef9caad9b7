"""A family's journey: its stages over time as named answers, and as a picture (SVG)."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Any

from fastapi import APIRouter, Depends
from fastapi.responses import Response

from api.deps import FamilyRead, FamilyReaderFor, JourneysDep
from api.permissions import Action
from api.responses import READS
from api.schemas.journey import JourneyPublic
from domain.access import Route
from infra.bootstrap import Journeys
from projections.base import replay
from projections.journey import JourneyAnswers, JourneyProjection, journey_answers
from projections.journey_picture import journey_svg

router = APIRouter(prefix="/families/{family_id}", tags=["journeys"])

JourneyGraphReader = Annotated[
    FamilyRead, Depends(FamilyReaderFor(Action.READ_JOURNEY, Route.WHOLE, "journey"))
]

SVG: dict[int | str, dict[str, Any]] = {
    **READS,
    200: {"content": {"image/svg+xml": {}}, "description": "The journey as a picture"},
}


def family_journey(journeys: Journeys, read: FamilyRead) -> tuple[int, JourneyAnswers]:
    """The store position the answers reflect, and the answers, as of the store's clock."""
    position, doc = journeys.views.read("journey", str(read.family_id))
    if doc is None:  # not projected yet: the family's own events are the authority
        position = journeys.app.position()
        events = journeys.app.family_events(read.family_id)
        doc = replay(JourneyProjection(), events).docs[str(read.family_id)]
    return position, journey_answers(doc, as_of=journeys.app.clock())


@router.get("/journey", responses=READS)
def read_journey(read: JourneyGraphReader, journeys: JourneysDep) -> JourneyPublic:
    position, answers = family_journey(journeys, read)
    return JourneyPublic.model_validate({**asdict(answers), "position": position})


@router.get("/journey.svg", response_class=Response, responses=SVG)
def journey_picture(read: JourneyGraphReader, journeys: JourneysDep) -> Response:
    _, answers = family_journey(journeys, read)
    picture = journey_svg(answers, labels=journeys.app.codes)
    return Response(picture, media_type="image/svg+xml")
