"""A family's journey as GET /families/{family_id}/journey (and its picture) answers it and
the family page shows it: its stages over time as named answers, now or as the record showed
them at an instant."""

from __future__ import annotations

from datetime import datetime

from api.common.deps import FamilyRead
from domain.errors import InvalidValueError
from infra.bootstrap import Journeys
from projections.journey import JourneyAnswers, JourneyProjection, journey_answers
from projections.reads import answers_as_recorded, family_doc


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
