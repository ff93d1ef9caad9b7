"""The family directory as the families list reads it: each family's current stage (the
journey's own answer), level of need, lead and lead agency, and latest activity, with
today's knowledge (corrections applied, retractions gone), and no personal data."""

from __future__ import annotations

import json
from datetime import datetime

import pytest

from domain.values import FieldChange
from projections.base import Doc, replay
from projections.families import FamilyDirectory
from projections.journey import JourneyProjection, journey_answers
from tests.support.journey import (
    CHILD,
    NOTES,
    NOW,
    PARENT,
    Journey,
    every_kind_of_entry,
    new_journey,
)
from tests.support.stories import on, planned


def directory(journey: Journey) -> Doc:
    doc: Doc = replay(FamilyDirectory(), journey.stream()).docs[str(journey.family_id)]
    return doc


@pytest.fixture
def journey() -> Journey:
    j = new_journey()
    j.register(occurred_at=on(0), area="strood")
    return j


def test_a_family_in_its_plan_shows_the_stage_the_need_the_lead_and_the_latest_entry(
    journey: Journey,
) -> None:
    planned(journey, day=1)  # lead u-lead-1 of early help on day 3, plan on day 15
    journey.record_contact(occurred_at=on(20), agency="police")

    found = directory(journey)

    assert (found["stage"], found["stage_since"]) == ("plan", on(15).isoformat())
    assert found["level_of_need"] == "partnership_plus"
    assert (found["lead_practitioner_id"], found["lead_agency"]) == ("u-lead-1", "early_help")
    assert found["last_activity_at"] == on(20).isoformat()
    assert (found["area"], found["leads"]) == ("strood", ["u-lead-1"])


def test_the_stage_is_the_journeys_current_stage_after_a_handover(journey: Journey) -> None:
    planned(journey, day=1)
    journey.assign_lead_practitioner(
        occurred_at=on(30), practitioner_id="u-lead-2", agency="school"
    )

    found = directory(journey)
    journey_doc = replay(JourneyProjection(), journey.stream()).docs[str(journey.family_id)]
    answers = journey_answers(journey_doc, as_of=NOW)

    assert (found["stage"], found["stage_since"]) == (
        answers.current_stage,
        answers.current_stage_since.isoformat() if answers.current_stage_since else None,
    )
    assert (found["stage"], found["lead_practitioner_id"]) == ("plan", "u-lead-2")
    assert found["lead_agency"] == "school"
    assert found["leads"] == ["u-lead-1", "u-lead-2"]


def test_a_closed_family_is_closed_since_its_closure_and_led_by_no_one(journey: Journey) -> None:
    planned(journey, day=1)
    journey.close_episode(occurred_at=on(40), reason="outcomes_met")

    found = directory(journey)

    assert (found["stage"], found["stage_since"]) == ("closed", on(40).isoformat())
    assert found["lead_practitioner_id"] is None
    assert found["lead_agency"] == "early_help"  # who led the episode
    assert found["level_of_need"] == "partnership_plus"


def test_corrections_and_retractions_change_the_latest_activity_and_the_area(
    journey: Journey,
) -> None:
    planned(journey, day=1)
    evidence = journey.evidence_outcome(occurred_at=on(25)).ids["entry_id"]
    contact = journey.record_contact(occurred_at=on(30), agency="police").ids["entry_id"]

    journey.retract_entry(target_entry_id=contact, reason="duplicate")
    journey.correct_entry(
        target_entry_id=evidence, changes=(FieldChange("occurred_at", on(26).isoformat()),)
    )
    journey.correct_entry(
        target_entry_id=journey.ids["registration"],
        changes=(FieldChange("area", "chatham"),),
        reason="wrong_code",
    )
    built = replay(FamilyDirectory(), journey.stream())
    found = built.docs[str(journey.family_id)]

    assert found["last_activity_at"] == on(26).isoformat()
    assert found["area"] == "chatham"
    assert built.changed[str(journey.family_id)][0] == "chatham"  # the tag, to filter by


def test_a_family_just_registered(journey: Journey) -> None:
    found = directory(journey)

    assert (found["stage"], found["stage_since"]) == ("registered", on(0).isoformat())
    assert (found["lead_practitioner_id"], found["lead_agency"]) == (None, None)
    assert found["last_activity_at"] == on(0).isoformat()
    assert datetime.fromisoformat(found["registered_at"]) == on(0)


def test_the_directory_holds_no_personal_data(journey: Journey) -> None:
    every_kind_of_entry(journey)

    stored = json.dumps(directory(journey))

    for person in (CHILD, PARENT):
        assert person.given_name is not None
        assert person.given_name not in stored
        assert person.family_name is not None
        assert person.family_name not in stored
    assert str(NOTES.notes) not in stored
