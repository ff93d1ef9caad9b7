"""A family's journey as a QA officer reads it: the stages it went through and when, how long
it spent in each, how often it went round the step-up / step-down loop, the services around
it and its re-referrals — all with today's knowledge (corrections applied, retractions
gone), on histories made through the real application service."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import cast
from uuid import UUID

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.commands import NewAction, NewOutcome
from domain.values import FieldChange
from projections.base import Doc, replay
from projections.journey import JourneyAnswers, JourneyProjection, journey_answers, journey_graph
from projections.reads import answers_as_recorded
from tests.domain.journey import (
    CHILD,
    NEWBORN,
    NOTES,
    NOW,
    PARENT,
    SOCIAL_CARE,
    Clock,
    FamilyEvent,
    Journey,
    every_kind_of_entry,
    new_journey,
)
from tests.projections.histories import simulated

START = NOW - timedelta(days=200)


def on(day: float) -> datetime:
    """`day` days after the start of these stories (all before the clock's now)."""
    return START + timedelta(days=day)


def view(journey: Journey) -> Doc:
    assert journey.family_id is not None
    doc: Doc = replay(JourneyProjection(), journey.stream()).docs[str(journey.family_id)]
    return doc


def answers(journey: Journey, *, as_of: datetime = NOW) -> JourneyAnswers:
    return journey_answers(view(journey), as_of=as_of)


def stages(found: JourneyAnswers) -> list[str]:
    return [step.stage for step in found.path]


def agree_plan(j: Journey, *, day: float) -> None:
    """A plan for school attendance and housing, with actions owned by school and housing."""
    target = (on(day) + timedelta(days=90)).date()
    j.agree_plan(
        occurred_at=on(day),
        outcomes=(NewOutcome("good_education", target), NewOutcome("housing", target)),
        actions=(NewAction(0, "school", target), NewAction(1, "housing", target)),
    )


def planned(j: Journey, *, day: float = 0, level: str = "partnership_plus") -> Journey:
    """Referred on `day`, agreed a day later, lead the day after, assessed from day +4 to
    +11, plan agreed on day +14."""
    j.request_support(occurred_at=on(day))
    j.decide_support(occurred_at=on(day + 1))
    j.assign_lead_practitioner(occurred_at=on(day + 2))
    j.start_assessment(occurred_at=on(day + 4))
    j.complete_assessment(occurred_at=on(day + 11), level_of_need=level)
    agree_plan(j, day=day + 14)
    return j


def stepped_up(j: Journey, *, day: float) -> Journey:
    """Escalated to children's social care on `day`, accepted the next day."""
    j.raise_escalation(occurred_at=on(day))
    j.respond_to_escalation(occurred_at=on(day + 1))
    return j


@pytest.fixture
def journey() -> Journey:
    j = new_journey()
    j.register(occurred_at=on(0))
    return j


@pytest.fixture
def round_the_loop_twice(journey: Journey) -> Journey:
    """Escalated and taken on by social care, stepped down into early help, escalated again."""
    j = planned(journey, day=1)
    j.hold_review(occurred_at=on(57), decision="step_up")
    stepped_up(j, day=60)
    j.close_episode(occurred_at=on(62), reason="step_up")
    j.step_down(occurred_at=on(120), actor=SOCIAL_CARE)
    j.decide_support(occurred_at=on(121))
    j.assign_lead_practitioner(occurred_at=on(122))
    j.start_assessment(occurred_at=on(123))
    j.complete_assessment(occurred_at=on(130), level_of_need="universal_plus")
    agree_plan(j, day=131)
    return stepped_up(j, day=151)


def test_a_family_escalated_stepped_down_and_escalated_again_went_round_the_loop_twice(
    round_the_loop_twice: Journey,
) -> None:
    found = answers(round_the_loop_twice)

    assert found.step_cycles == 2
    assert found.current_stage == "stepped_up"
    assert found.current_level_of_need == "statutory"
    assert found.episodes == 2
    assert stages(found) == [
        "registered",
        "referred",
        "support_agreed",
        "lead_assigned",
        "assessment",
        "assessed",
        "plan",
        "review",
        "escalated",
        "stepped_up",
        "closed",
        "stepped_down",
        "support_agreed",
        "lead_assigned",
        "assessment",
        "assessed",
        "plan",
        "escalated",
        "stepped_up",
    ]


def test_time_in_stage_sums_the_visits_and_counts_the_current_one_until_now(
    round_the_loop_twice: Journey,
) -> None:
    found = answers(round_the_loop_twice)

    # Stepped up on day 61 until the closure on day 62, and again from day 152 until now.
    assert found.time_in_stage["stepped_up"] == 1 + (200 - 152)
    assert found.time_in_stage["closed"] == 120 - 62  # with social care until stepped down
    assert found.time_in_stage["assessment"] == (12 - 5) + (130 - 123)
    assert found.time_in_stage["plan"] == (57 - 15) + (151 - 131)
    assert "escalation_declined" not in found.time_in_stage
    assert sum(found.time_in_stage.values()) == 200  # registered on day 0, now is day 200


def test_the_clock_stops_when_an_episode_closes(journey: Journey) -> None:
    planned(journey, day=10)
    journey.close_episode(occurred_at=on(40), reason="outcomes_met")

    found = answers(journey)

    assert found.current_stage == "closed"
    assert found.current_level_of_need == "partnership_plus"
    assert "closed" not in found.time_in_stage
    assert found.time_in_stage["plan"] == 40 - 24


def test_the_level_of_need_is_the_episodes_own_and_statutory_once_social_care_accepts(
    round_the_loop_twice: Journey,
) -> None:
    levels = {(s.stage, s.at): s.level_of_need for s in answers(round_the_loop_twice).path}

    assert levels["referred", on(1)] is None  # not assessed yet
    assert levels["plan", on(15)] == "partnership_plus"
    assert levels["stepped_up", on(61)] == "statutory"
    assert levels["closed", on(62)] == "statutory"
    assert levels["stepped_down", on(120)] is None  # a new episode, not assessed yet
    assert levels["plan", on(131)] == "universal_plus"


def test_a_declined_escalation_keeps_the_family_in_early_help(journey: Journey) -> None:
    planned(journey, day=1)
    journey.raise_escalation(occurred_at=on(30))
    journey.respond_to_escalation(occurred_at=on(32), response="declined")

    found = answers(journey)

    assert stages(found)[-2:] == ["escalated", "escalation_declined"]
    assert found.step_cycles == 0
    assert found.current_level_of_need == "partnership_plus"
    assert found.path[-1].agency == "children_social_care"
    assert found.time_in_stage["escalated"] == 2


def test_a_family_stepped_down_from_social_care_counts_one_cycle(journey: Journey) -> None:
    journey.step_down(occurred_at=on(3), actor=SOCIAL_CARE)

    found = answers(journey)

    assert (found.step_cycles, found.episodes, found.current_stage) == (1, 1, "stepped_down")
    assert found.path[-1].agency == "children_social_care"


def test_a_corrected_occurred_at_changes_time_in_stage(journey: Journey) -> None:
    planned(journey, day=1)
    plan = journey.ids["entry_id"]
    before = answers(journey)

    journey.correct_entry(
        target_entry_id=plan, changes=(FieldChange("occurred_at", on(20).isoformat()),)
    )
    after = answers(journey)

    assert before.time_in_stage["assessed"] == 15 - 12
    assert after.time_in_stage["assessed"] == 20 - 12
    assert before.time_in_stage["plan"] - after.time_in_stage["plan"] == 20 - 15
    assert after.path[-1].at == on(20)


def test_a_correction_that_moves_an_entry_earlier_reorders_the_path(journey: Journey) -> None:
    planned(journey, day=1)
    journey.hold_review(occurred_at=on(40))
    journey.hold_review(occurred_at=on(80), decision="revise")
    late_review = journey.ids["entry_id"]
    journey.revise_plan(occurred_at=on(81))

    journey.correct_entry(  # it was held before the other one
        target_entry_id=late_review, changes=(FieldChange("occurred_at", on(30).isoformat()),)
    )
    found = answers(journey)

    assert stages(found)[-4:] == ["plan", "review", "review", "plan"]
    assert [s.detail for s in found.path if s.stage == "review"] == ["revise", "continue"]


def test_a_corrected_level_of_need_and_area_are_what_the_journey_shows(journey: Journey) -> None:
    planned(journey, day=1)
    assessed = next(s for s in answers(journey).path if s.stage == "assessed")

    journey.correct_entry(
        target_entry_id=UUID(assessed.entry_id),
        changes=(FieldChange("level_of_need", "universal_plus"),),
        reason="wrong_code",
    )
    journey.correct_entry(
        target_entry_id=journey.ids["registration"],
        changes=(FieldChange("area", "strood"),),
        reason="wrong_code",
    )
    built = replay(JourneyProjection(), journey.stream())
    found = journey_answers(built.docs[str(journey.family_id)], as_of=NOW)

    assert found.current_level_of_need == "universal_plus"
    assert found.area == "strood"
    assert built.changed[str(journey.family_id)][0] == "strood"  # the tag pathways search by


def test_a_retracted_entry_does_not_appear(journey: Journey) -> None:
    planned(journey, day=1)
    journey.hold_review(occurred_at=on(30))
    journey.hold_review(occurred_at=on(30.01))  # saved twice by mistake
    duplicate = journey.ids["entry_id"]
    contact = journey.record_contact(occurred_at=on(31), agency="police").ids["entry_id"]

    journey.retract_entry(target_entry_id=duplicate, reason="duplicate")
    journey.retract_entry(target_entry_id=contact)
    found = answers(journey)

    assert stages(found).count("review") == 1
    assert str(duplicate) not in {s.entry_id for s in found.path}
    assert "police" not in {s.agency for s in found.services}
    assert str(duplicate) not in json.dumps(view(journey))


def test_the_services_around_the_family_with_first_and_last_involvement(journey: Journey) -> None:
    journey.record_contact(occurred_at=on(0.5), agency="health_visiting")
    planned(journey, day=1)  # plan actions owned by school and housing
    journey.hold_review(occurred_at=on(40), attendees=("school", "camhs"))
    stepped_up(journey, day=50)

    services = {s.agency: s for s in answers(journey).services}

    assert set(services) == {
        "health_visiting",
        "early_help",
        "school",
        "housing",
        "camhs",
        "children_social_care",
    }
    assert (services["school"].first, services["school"].last) == (on(15), on(40))
    assert services["camhs"].entries == 1
    assert services["children_social_care"].first == on(50)
    assert next(iter(services)) == "early_help"  # in order of first involvement


def test_re_referrals_are_requests_within_12_months_of_a_closure() -> None:
    later = Clock(datetime.fromisoformat("2027-06-01T12:00:00+00:00"))
    j = new_journey(clock=later)

    def episode(referred: str, closed: str | None) -> None:
        j.request_support(occurred_at=datetime.fromisoformat(f"{referred}T10:00:00+00:00"))
        if closed is not None:
            when = datetime.fromisoformat(f"{closed}T10:00:00+00:00")
            j.close_episode(occurred_at=when, reason="no_further_action")

    j.register(occurred_at=datetime.fromisoformat("2024-01-02T10:00:00+00:00"))
    episode("2024-01-10", "2024-02-29")
    episode("2025-03-01", "2025-03-10")  # a day after 12 months from 29 February: not one
    episode("2026-03-10", "2026-03-20")  # exactly 12 months after the closure: one
    episode("2027-03-21", None)  # 12 months and a day: not one

    found = answers(j, as_of=later.now)

    assert (found.episodes, found.re_referrals) == (4, 1)


def test_the_graph_has_stages_levels_and_services_and_a_dated_edge_per_move(
    round_the_loop_twice: Journey,
) -> None:
    found = answers(round_the_loop_twice)
    graph = journey_graph(view(round_the_loop_twice))
    moves = [(a, b, d) for a, b, d in graph.edges(data=True) if d["kind"] == "transition"]
    kinds = {str(kind) for _, kind in graph.nodes(data="kind")}

    assert kinds == {"stage", "level_of_need", "service"}
    assert len(moves) == len(found.path) - 1
    assert graph.has_edge(("stage", "stepped_up"), ("stage", "closed"))
    assert graph.has_edge(("stage", "stepped_up"), ("level_of_need", "statutory"))
    assert graph.has_edge(("service", "children_social_care"), ("stage", "stepped_down"))
    last = max(moves, key=lambda move: move[2]["order"])
    assert (last[1], last[2]["at"], last[2]["days"]) == (("stage", "stepped_up"), on(152), 1)


def test_the_view_holds_no_personal_data(journey: Journey) -> None:
    every_kind_of_entry(journey)

    stored = json.dumps(view(journey))

    for person in (CHILD, PARENT, NEWBORN):
        assert person.given_name is not None
        assert person.given_name not in stored
        assert person.family_name is not None
        assert person.family_name not in stored
    assert str(NOTES.notes) not in stored
    assert "2014-03-09" not in stored  # a date of birth


# -- any history: the view the runner builds equals a replay ---------------------------------


@settings(max_examples=20, deadline=None)
@given(
    seed=st.integers(min_value=0, max_value=2**20),
    families=st.integers(min_value=1, max_value=3),
    audits=st.integers(min_value=0, max_value=6),
    batch_size=st.integers(min_value=3, max_value=60),
)
def test_the_view_built_by_the_runner_equals_a_replay_of_each_family(
    seed: int, families: int, audits: int, batch_size: int
) -> None:
    with simulated(seed, families=families, audits=audits, batch_size=batch_size) as journeys:
        journeys.runner.catch_up()
        for family_id in journeys.app.iter_family_ids():
            key = str(family_id)
            events = journeys.app.family_events(family_id)
            _, built = journeys.views.read("journey", key)
            expected = replay(JourneyProjection(), events).docs[key]

            assert built == expected
            _, in_area = journeys.views.read_tagged("journey", expected["area"])
            assert key in dict(in_area)
            found = journey_answers(expected, as_of=journeys.app.clock())
            latest = [s for s in found.path if s.episode_id == found.current_episode_id]
            closed = [s for s in latest if s.stage == "closed"]
            assert (found.current_stage, found.current_stage_since) == (
                ("closed", closed[-1].at) if closed else (latest[-1].stage, latest[-1].at)
            )
            assert {s.entry_id for s in found.path} <= {
                str(cast(FamilyEvent, e).entry_id) for e in events
            }


# -- the current stage: the latest episode's, from its last stage change -------------------


def test_the_current_stage_counts_from_the_last_stage_change_of_the_latest_episode(
    journey: Journey,
) -> None:
    planned(journey, day=1)
    journey.close_episode(occurred_at=on(40), reason="outcomes_met")
    planned(journey, day=60)
    journey.close_episode(occurred_at=on(100), reason="outcomes_met")
    planned(journey, day=150)  # the plan of the third episode was agreed on day 164
    third = journey.ids["episode_id"]

    found = answers(journey)

    assert (found.current_stage, found.current_stage_since) == ("plan", on(164))
    assert found.current_stage_days == 200 - 164  # not the three plans' days added up
    assert found.current_episode_id == str(third)


def test_a_closed_family_is_closed_since_its_closure_whatever_comes_after_it(
    journey: Journey,
) -> None:
    planned(journey, day=1)
    episode = journey.ids["episode_id"]
    journey.close_episode(occurred_at=on(40), reason="outcomes_met")
    doc = view(journey)
    # A record made before the chronology rules: the lead's entry dated after the closure.
    lead = next(e for e in doc["entries"] if e["stage"] == "lead_assigned")
    lead["at"] = on(45).isoformat()

    found = journey_answers(doc, as_of=NOW)

    assert (found.current_stage, found.current_stage_since) == ("closed", on(40))
    assert found.current_stage_days == 200 - 40
    assert found.current_episode_id == str(episode)


def test_a_lead_handover_is_an_event_of_the_journey_not_a_stage(journey: Journey) -> None:
    planned(journey, day=1)  # the first lead assigned on day 3, the plan agreed on day 15
    journey.assign_lead_practitioner(occurred_at=on(30), practitioner_id="u-lead-2")
    handover = journey.ids["entry_id"]

    found = answers(journey)

    assert stages(found).count("lead_assigned") == 1
    assert (found.current_stage, found.current_stage_since) == ("plan", on(15))
    assert found.current_stage_days == 200 - 15
    assert [h.entry_id for h in found.handovers] == [str(handover)]
    assert found.time_in_stage["plan"] == 200 - 15  # the handover did not end the plan stage


def test_a_family_with_no_episode_is_registered_since_its_registration(journey: Journey) -> None:
    found = answers(journey)

    assert (found.current_stage, found.current_stage_since) == ("registered", on(0))
    assert found.current_episode_id is None


# -- as recorded at an instant ----------------------------------------------------------------


def test_the_journey_as_recorded_at_each_moment_is_what_the_record_held_then() -> None:
    journey = new_journey(clock=Clock(NOW - timedelta(days=10)))  # the store's clock moves on
    journey.register(occurred_at=on(0))
    planned(journey, day=1)
    review = journey.hold_review(occurred_at=on(40)).ids["entry_id"]
    contact = journey.record_contact(occurred_at=on(45), agency="police")
    journey.clock.now = NOW - timedelta(days=5)
    journey.correct_entry(
        target_entry_id=review, changes=(FieldChange("occurred_at", on(35).isoformat()),)
    )
    journey.clock.now = NOW - timedelta(days=4)
    journey.retract_entry(target_entry_id=contact.ids["entry_id"], reason="duplicate")
    stream = journey.stream()
    recorded = [event.timestamp for event in stream]

    for count, at in enumerate(recorded, start=1):
        if count < len(stream) and recorded[count] == at:
            continue  # stored in the same instant as the next: one moment of the record
        live = replay(JourneyProjection(), stream[:count]).docs[str(journey.family_id)]
        assert answers_as_recorded(stream, at=at) == journey_answers(live, as_of=at)
    then = answers_as_recorded(stream, at=NOW - timedelta(days=6))
    now = answers(journey)
    assert then is not None
    assert [s.at for s in then.path if s.stage == "review"] == [on(40)]
    assert [s.at for s in now.path if s.stage == "review"] == [on(35)]
    assert "police" in {s.agency for s in then.services}
    assert "police" not in {s.agency for s in now.services}
    assert answers_as_recorded(stream, at=on(-1)) is None  # before the family was registered
