"""A family's journey: its stages over time as named answers, and as a picture (SVG)."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends
from fastapi.responses import Response

from api.common.deps import FamilyRead, FamilyReaderFor, JourneysDep
from api.common.permissions import Action
from api.http.instants import RecordedAt, instant
from api.http.responses import READS
from api.http.schemas.journey import JourneyPublic
from domain.access import Route
from domain.errors import InvalidValueError
from infra.bootstrap import Journeys
from projections.journey import JourneyAnswers, JourneyProjection, journey_answers
from projections.journey_picture import journey_svg
from projections.reads import answers_as_recorded, family_doc

router = APIRouter(prefix="/families/{family_id}", tags=["journeys"])

JourneyGraphReader = Annotated[
    FamilyRead, Depends(FamilyReaderFor(Action.READ_JOURNEY, Route.WHOLE, "journey"))
]

SVG: dict[int | str, dict[str, Any]] = {
    **READS,
    200: {"content": {"image/svg+xml": {}}, "description": "The journey as a picture"},
}


def family_journey(
    journeys: Journeys, read: FamilyRead, as_recorded_at: datetime | None = None
) -> tuple[int, JourneyAnswers]:
    """The store position the answers reflect, and the answers: as of the store's clock, or
    as the record showed them at `as_recorded_at` (replayed from the events stored by then)."""
    if as_recorded_at is not None:
        position = journeys.app.position()
        events = journeys.app.family_events(read.family_id)
        now = journeys.app.clock()
        answers = answers_as_recorded(events, at=as_recorded_at, as_of=min(as_recorded_at, now))
        if answers is None:
            raise InvalidValueError("as_recorded_at", "the family was not yet recorded then")
        return position, answers
    found = family_doc(journeys.views, journeys.app, JourneyProjection(), read.family_id)
    return found.position, journey_answers(found.doc, as_of=journeys.app.clock())


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
