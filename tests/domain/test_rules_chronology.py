"""The rules of time, on new entries and on corrected ones: given a family's story, when an
entry (or a correction of one) would put it out of order, then it is refused with the
rule's id (or, for a time before anyone in the family was born, as an invalid value),
and nothing is stored."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from uuid import UUID, uuid4

import pytest

from domain.errors import RuleBrokenError
from domain.family import Family, NewEntry
from domain.values import FieldChange, OutcomeProgress
from tests.support.journey import (
    CHILD,
    LEAD,
    PARENT,
    SOCIAL_CARE,
    STEP,
    Clock,
    Journey,
    snapshot_round_trip,
)

# The child of the journey's household was born in 2014, the parent in 1986.
BEFORE_ANYONE_WAS_BORN = datetime(1970, 1, 1, tzinfo=UTC)


def moved(journey: Journey, entry: str, to: datetime) -> None:
    """Correct when entry `entry` (a name in journey.ids) occurred."""
    journey.correct_entry(
        target_entry_id=journey.ids[entry], changes=(FieldChange("occurred_at", to.isoformat()),)
    )


def when(journey: Journey, entry: str) -> datetime:
    occurred, _, _ = journey.family().times[str(journey.ids[entry])]
    return occurred


def remember(journey: Journey, name: str) -> UUID:
    """Name the entry the latest command recorded, for later corrections."""
    journey.ids[name] = journey.ids["entry_id"]
    return journey.ids[name]


# -- new entries ---------------------------------------------------------------------------


def test_an_episode_cannot_close_before_an_entry_of_the_episode(journey: Journey) -> None:
    journey.to("lead_assigned")
    lead_at = journey.latest["occurred_at"]

    with journey.refuses("chronology") as caught:
        journey.close_episode(
            reason="no_further_action", outcome_statuses=(), occurred_at=lead_at - STEP
        )

    assert "assignment of a lead practitioner" in caught.value.detail


def test_a_new_episode_cannot_open_before_the_last_one_closed(journey: Journey) -> None:
    journey.to("closed")
    closed_at = journey.latest["occurred_at"]

    with journey.refuses("chronology"):
        journey.request_support(occurred_at=closed_at - STEP)
    with journey.refuses("chronology"):
        journey.step_down(occurred_at=closed_at - STEP)


@pytest.mark.parametrize(
    ("stage", "command"),
    [
        ("episode_open", lambda j, at: j.decide_support(occurred_at=at)),
        ("support_agreed", lambda j, at: j.assign_lead_practitioner(occurred_at=at)),
        ("lead_assigned", lambda j, at: j.start_assessment(occurred_at=at)),
        ("planned", lambda j, at: j.raise_escalation(occurred_at=at)),
    ],
)
def test_nothing_in_an_episode_comes_before_its_request_for_support(
    journey: Journey, stage: str, command: Callable[[Journey, datetime], object]
) -> None:
    journey.to("episode_open")
    opened_at = journey.latest["occurred_at"]
    journey.to(stage)

    with journey.refuses("chronology"):
        command(journey, opened_at - STEP)


def test_a_review_a_revision_and_a_closure_come_after_the_plan(journey: Journey) -> None:
    journey.to("planned")
    agreed_at = journey.latest["occurred_at"]

    with journey.refuses("chronology"):
        journey.hold_review(occurred_at=agreed_at - timedelta(minutes=1))
    with journey.refuses("chronology"):
        journey.revise_plan(occurred_at=agreed_at - timedelta(minutes=1))
    with journey.refuses("chronology"):
        journey.close_episode(occurred_at=agreed_at - timedelta(minutes=1))


def test_a_response_comes_after_its_escalation(journey: Journey) -> None:
    journey.to("planned").raise_escalation()
    raised_at = journey.latest["occurred_at"]

    with journey.refuses("chronology"):
        journey.respond_to_escalation(occurred_at=raised_at - STEP)


def test_nothing_happens_before_the_oldest_member_of_the_family_was_born(journey: Journey) -> None:
    journey.to("registered")

    with journey.rejects("occurred_at") as caught:
        journey.record_contact(occurred_at=BEFORE_ANYONE_WAS_BORN)

    # When anyone was born is personal data: the refusal does not say.
    assert "1986" not in caught.value.detail
    assert "born" in caught.value.detail


def test_after_erasure_no_date_of_birth_is_left_to_compare_with(journey: Journey) -> None:
    journey.to("registered").erase_personal_data()

    journey.record_contact(occurred_at=BEFORE_ANYONE_WAS_BORN)

    assert journey.family().births == {}


# -- corrected entries ---------------------------------------------------------------------


def test_a_correction_cannot_move_an_entry_after_it_was_recorded(
    journey: Journey, clock: Clock
) -> None:
    journey.to("registered").record_contact(occurred_at=clock.now - timedelta(days=1))
    remember(journey, "contact")
    recorded_at = clock.now
    clock.now += timedelta(days=10)  # the correction comes later: that time is not future

    with journey.refuses("occurred_in_future"):
        moved(journey, "contact", recorded_at + timedelta(days=5))


def test_a_correction_cannot_move_an_entry_before_anyone_was_born(journey: Journey) -> None:
    journey.to("registered").record_contact()
    remember(journey, "contact")

    with journey.rejects("changes.occurred_at"):
        moved(journey, "contact", BEFORE_ANYONE_WAS_BORN)


def test_a_correction_keeps_an_entry_after_its_episode_opened(journey: Journey) -> None:
    journey.to("episode_open")
    opened_at = journey.latest["occurred_at"]
    journey.to("lead_assigned")
    remember(journey, "lead")

    with journey.refuses("chronology"):
        moved(journey, "lead", opened_at - STEP)


def test_a_correction_keeps_an_entry_before_its_episode_closed(journey: Journey) -> None:
    """The defect as reported: a lead assignment dated after its episode's closure."""
    journey.to("lead_assigned")
    remember(journey, "lead")
    journey.close_episode(reason="no_further_action", outcome_statuses=())
    closed_at = journey.latest["occurred_at"]

    with journey.refuses("chronology") as caught:
        moved(journey, "lead", closed_at + STEP)

    assert "closure" in caught.value.detail


def test_a_correction_cannot_move_a_closure_before_the_plan(journey: Journey) -> None:
    journey.to("planned")
    agreed_at = journey.latest["occurred_at"]
    journey.close_episode()
    remember(journey, "closure")

    with journey.refuses("chronology"):
        moved(journey, "closure", agreed_at - STEP)


def test_a_correction_cannot_move_a_request_for_support_after_what_followed(
    journey: Journey,
) -> None:
    journey.to("episode_open")
    remember(journey, "request")
    journey.to("lead_assigned")
    lead_at = journey.latest["occurred_at"]

    with journey.refuses("chronology"):
        moved(journey, "request", lead_at + STEP)


def test_a_correction_cannot_open_an_episode_before_the_last_one_closed(journey: Journey) -> None:
    journey.to("closed")
    closed_at = journey.latest["occurred_at"]
    journey.request_support()
    remember(journey, "second request")

    with journey.refuses("chronology"):
        moved(journey, "second request", closed_at - STEP)


def test_a_correction_cannot_move_a_plan_after_its_review(journey: Journey) -> None:
    journey.to("planned")
    remember(journey, "plan")
    journey.hold_review(
        progress=tuple(OutcomeProgress(o, "some_progress") for o in journey.outcome_ids())
    )
    reviewed_at = journey.latest["occurred_at"]

    with journey.refuses("chronology"):
        moved(journey, "plan", reviewed_at + STEP)


def test_a_correction_cannot_put_an_evidence_period_out_of_order(journey: Journey) -> None:
    journey.to("registered").evidence_outcome()
    evidence = remember(journey, "evidence")

    with journey.refuses("period_order"):
        journey.correct_entry(
            target_entry_id=evidence, changes=(FieldChange("period_start", "2025-04-01"),)
        )
    with journey.refuses("period_order"):
        journey.correct_entry(
            target_entry_id=evidence, changes=(FieldChange("period_end", "2024-12-31"),)
        )


def test_a_correction_within_the_order_is_recorded_and_holds_for_later_rules(
    journey: Journey,
) -> None:
    journey.to("episode_open")
    remember(journey, "request")
    journey.to("support_agreed")
    agreed_at = journey.latest["occurred_at"]
    opened_at = when(journey, "request")

    moved(journey, "request", agreed_at - timedelta(minutes=10))

    assert when(journey, "request") == agreed_at - timedelta(minutes=10)
    assert journey.family().episodes[journey.family().open_episode_id or ""].opened_at == (
        agreed_at - timedelta(minutes=10)
    )
    # Before the corrected opening, though after the original one: refused.
    with journey.refuses("chronology"):
        journey.assign_lead_practitioner(occurred_at=opened_at + timedelta(minutes=1))


def test_a_correction_keeps_an_escalation_before_its_response(journey: Journey) -> None:
    journey.to("planned").raise_escalation()
    remember(journey, "escalation")
    raised_at = journey.latest["occurred_at"]
    journey.respond_to_escalation(actor=SOCIAL_CARE)
    remember(journey, "response")
    responded_at = journey.latest["occurred_at"]

    with journey.refuses("chronology"):
        moved(journey, "response", raised_at - timedelta(minutes=1))
    with journey.refuses("chronology"):
        moved(journey, "escalation", responded_at + STEP)


# -- kept across snapshots -------------------------------------------------------------------


def test_times_and_births_survive_a_snapshot_and_the_rules_still_hold(journey: Journey) -> None:
    journey.to("lead_assigned")
    remember(journey, "lead")
    journey.close_episode(reason="no_further_action", outcome_statuses=())
    closed_at = journey.latest["occurred_at"]

    restored = snapshot_round_trip(journey)

    assert restored == journey.family()
    assert restored.times == journey.family().times
    assert {p.date_of_birth for p in restored.births.values()} == {
        CHILD.date_of_birth,
        PARENT.date_of_birth,
    }
    with pytest.raises(RuleBrokenError) as caught:
        restored.correct_entry(
            target_entry_id=journey.ids["lead"],
            changes=(FieldChange("occurred_at", (closed_at + STEP).isoformat()),),
            member_id=None,
            reason="wrong_date",
            personal=None,
            codes=journey.app.codes,
            now=journey.clock.now,
            entry=NewEntry(entry_id=uuid4(), occurred_at=journey.clock.now, actor=LEAD),
        )
    assert caught.value.rule == "chronology"


def test_a_snapshot_from_before_times_were_kept_loads_with_none_known() -> None:
    state: dict[str, object] = {"entries": {}}

    Family.upcast_v2_v3(state)

    assert state == {"entries": {}, "times": {}, "follows": {}, "periods": {}, "births": {}}
