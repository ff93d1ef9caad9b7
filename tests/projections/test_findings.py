"""Practice-standard findings over hand-built families (projections.findings): each rule
met and broken, bank holidays inside working-day windows, and corrections and retractions
opening and closing findings."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from domain.commands import NewAction, NewOutcome
from domain.standards import PRACTICE_2026_1
from domain.values import FieldChange
from projections.base import replay
from projections.findings import Finding, findings, queue
from projections.timeline import TimelineProjection
from projections.working_days import add_working_days
from tests.support.journey import Clock, Journey, new_journey

TODAY = date(2026, 9, 1)


def at(day: date, hour: int = 10) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC)


def family() -> Journey:
    journey = new_journey(clock=Clock(at(TODAY, 9)))
    journey.register(occurred_at=at(date(2025, 1, 2)))
    return journey


def found(journey: Journey, today: date = TODAY, **kwargs: object) -> list[Finding]:
    doc = replay(TimelineProjection(), journey.stream()).docs[str(journey.id)]
    return findings(doc, PRACTICE_2026_1, today, **kwargs)  # type: ignore[arg-type]


def of(rule_id: str, journey: Journey, today: date = TODAY) -> list[Finding]:
    return [f for f in found(journey, today) if f.rule_id == rule_id]


def moved(journey: Journey, entry_id: object, day: date) -> None:
    """A correction, recorded today, of when an entry happened."""
    change = FieldChange("occurred_at", at(day).isoformat())
    journey.correct_entry(target_entry_id=entry_id, changes=(change,), occurred_at=at(TODAY, 8))


def retracted(journey: Journey, entry_id: object) -> None:
    journey.retract_entry(target_entry_id=entry_id, occurred_at=at(TODAY, 8))


def requested(day: date) -> Journey:
    journey = family()
    journey.request_support(occurred_at=at(day))
    journey.decide_support(occurred_at=at(day, 11))
    return journey


def test_working_days_skip_weekends_and_the_bank_holidays_of_england() -> None:
    # Good Friday 18 April and Easter Monday 21 April 2025.
    assert add_working_days(date(2025, 4, 17), 1) == date(2025, 4, 22)
    # 25, 26 Dec, the weekend and 1 Jan: five working days after Christmas Eve 2025.
    assert add_working_days(date(2025, 12, 24), 5) == date(2026, 1, 5)
    assert add_working_days(date(2025, 6, 6), 1) == date(2025, 6, 9)  # Friday to Monday


def test_a_lead_assigned_on_the_fifth_working_day_over_christmas_is_on_time() -> None:
    journey = requested(date(2025, 12, 24))
    journey.assign_lead_practitioner(occurred_at=at(date(2026, 1, 5)))
    assert of("lead-assigned", journey) == []


def test_a_lead_assigned_a_working_day_late_is_a_closed_finding() -> None:
    journey = requested(date(2025, 12, 24))
    journey.assign_lead_practitioner(occurred_at=at(date(2026, 1, 6)))
    [finding] = of("lead-assigned", journey)
    assert (finding.due_on, finding.met_on, finding.open) == (
        date(2026, 1, 5),
        date(2026, 1, 6),
        False,
    )
    assert (finding.rule_version, finding.severity, finding.rule_set) == (
        1,
        "medium",
        "practice-2026-1",
    )
    assert finding.episode_id == str(journey.ids["episode_id"])


def test_no_lead_yet_is_open_once_the_due_day_has_passed() -> None:
    journey = requested(date(2025, 12, 24))
    assert of("lead-assigned", journey, today=date(2026, 1, 5)) == []
    [finding] = of("lead-assigned", journey, today=date(2026, 1, 6))
    assert finding.open
    assert finding.met_on is None
    assert finding.due_on == date(2026, 1, 5)


def assessed(request: date, completed: date) -> Journey:
    journey = requested(request)
    journey.assign_lead_practitioner(occurred_at=at(request, 12))
    journey.start_assessment(occurred_at=at(request, 13))
    journey.complete_assessment(occurred_at=at(completed))
    return journey


def test_a_correction_of_the_assessment_date_closes_and_opens_its_finding() -> None:
    # 15 working days from Thursday 10 April 2025, over Easter and the early May bank
    # holiday (5 May): Tuesday 6 May.
    journey = assessed(date(2025, 4, 10), date(2025, 5, 2))
    assert of("assessment-completed", journey) == []
    entry = entry_of(journey, "AssessmentCompleted")
    moved(journey, entry, date(2025, 5, 7))
    [late] = of("assessment-completed", journey)
    assert (late.due_on, late.met_on) == (date(2025, 5, 6), date(2025, 5, 7))
    moved(journey, entry, date(2025, 4, 30))
    assert of("assessment-completed", journey) == []


def planned(assessed_on: date, plan_on: date) -> Journey:
    journey = assessed(assessed_on - timedelta(days=7), assessed_on)
    target = plan_on + timedelta(days=180)
    journey.agree_plan(
        occurred_at=at(plan_on),
        outcomes=(NewOutcome("good_education", target), NewOutcome("housing", target)),
        actions=(NewAction(0, "school", target), NewAction(1, "housing", target)),
    )
    return journey


def test_a_plan_within_twenty_days_of_the_assessment_is_met_later_is_not() -> None:
    assert of("plan-agreed", planned(date(2025, 3, 3), date(2025, 3, 23))) == []
    [late] = of("plan-agreed", planned(date(2025, 3, 3), date(2025, 3, 24)))
    assert (late.due_on, late.met_on, late.open) == (date(2025, 3, 23), date(2025, 3, 24), False)


def test_reviews_first_within_six_weeks_then_at_most_six_weeks_apart() -> None:
    plan_on = date(2025, 3, 3)
    journey = planned(date(2025, 2, 24), plan_on)
    [overdue] = of("first-review", journey)
    assert overdue.open
    assert overdue.due_on == plan_on + timedelta(days=42)
    journey.hold_review(occurred_at=at(plan_on + timedelta(days=40)))
    assert of("first-review", journey) == []
    # The next review is overdue: the finding shows the day it fell due.
    [interval] = of("review-interval", journey)
    assert interval.open
    assert interval.due_on == plan_on + timedelta(days=82)
    journey.hold_review(occurred_at=at(plan_on + timedelta(days=82)))
    second = entry_of(journey, "ReviewHeld", last=True)
    assert [f.due_on for f in of("review-interval", journey)] == [plan_on + timedelta(days=124)]
    retracted(journey, second)
    [reopened] = of("review-interval", journey)
    assert reopened.due_on == plan_on + timedelta(days=82)
    assert reopened.open


def test_a_retracted_review_reopens_the_first_review_finding() -> None:
    plan_on = date(2025, 3, 3)
    journey = planned(date(2025, 2, 24), plan_on)
    journey.hold_review(occurred_at=at(plan_on + timedelta(days=10)))
    journey.close_episode(occurred_at=at(plan_on + timedelta(days=20)))
    assert found(journey) == []
    retracted(journey, entry_of(journey, "ReviewHeld"))
    assert of("first-review", journey) == []  # closed before the review fell due


def entry_of(journey: Journey, kind: str, last: bool = False) -> object:
    """The id of the family's first (or last) entry of a kind."""
    ids = [e.entry_id for e in journey.stream() if type(e).__name__ == kind]
    return ids[-1] if last else ids[0]


def test_a_review_corrected_past_six_weeks_makes_a_closed_finding() -> None:
    plan_on = date(2025, 3, 3)
    journey = planned(date(2025, 2, 24), plan_on)
    journey.hold_review(occurred_at=at(plan_on + timedelta(days=30)))
    journey.close_episode(occurred_at=at(plan_on + timedelta(days=60)))
    assert found(journey) == []
    moved(journey, entry_of(journey, "ReviewHeld"), plan_on + timedelta(days=45))
    [finding] = found(journey)
    assert (finding.rule_id, finding.met_on, finding.open) == (
        "first-review",
        plan_on + timedelta(days=45),
        False,
    )


def escalated(raised: date) -> Journey:
    journey = planned(raised - timedelta(days=10), raised - timedelta(days=5))
    journey.raise_escalation(occurred_at=at(raised))
    return journey


def test_an_escalation_answered_after_easter_monday_is_on_time() -> None:
    journey = escalated(date(2025, 4, 17))
    assert [f.open for f in of("escalation-answered", journey)] == [True]
    journey.respond_to_escalation(occurred_at=at(date(2025, 4, 22)))
    assert of("escalation-answered", journey) == []


def test_an_escalation_answered_two_working_days_later_is_high_severity() -> None:
    journey = escalated(date(2025, 4, 17))
    journey.respond_to_escalation(occurred_at=at(date(2025, 4, 23)))
    [finding] = of("escalation-answered", journey)
    assert (finding.severity, finding.due_on, finding.met_on) == (
        "high",
        date(2025, 4, 22),
        date(2025, 4, 23),
    )


def test_sharing_on_consent_given_before_is_met_backdated_before_it_is_not() -> None:
    journey = requested(date(2025, 3, 3))
    journey.give_consent(occurred_at=at(date(2025, 3, 4)))
    journey.share_information(occurred_at=at(date(2025, 3, 5)))
    journey.share_information(occurred_at=at(date(2025, 3, 5)), lawful_basis="public_task")
    assert of("sharing-basis", journey) == []
    moved(journey, entry_of(journey, "InformationShared"), date(2025, 3, 3))
    [finding] = of("sharing-basis", journey)
    assert (finding.severity, finding.due_on, finding.open) == ("high", date(2025, 3, 3), True)
    assert finding.entry_id == str(entry_of(journey, "InformationShared"))


def test_sharing_after_the_consent_was_withdrawn_breaks_the_standard() -> None:
    journey = requested(date(2025, 3, 3))
    journey.give_consent(occurred_at=at(date(2025, 3, 4)))
    journey.share_information(occurred_at=at(date(2025, 3, 10)))
    journey.withdraw_consent(occurred_at=at(date(2025, 3, 12)))
    assert of("sharing-basis", journey) == []
    moved(journey, entry_of(journey, "InformationShared"), date(2025, 3, 13))
    assert [f.started_on for f in of("sharing-basis", journey)] == [date(2025, 3, 13)]


def closed_after_plan() -> Journey:
    journey = planned(date(2025, 3, 3), date(2025, 3, 5))
    journey.hold_review(occurred_at=at(date(2025, 4, 1)))
    journey.close_episode(occurred_at=at(date(2025, 4, 10)))
    return journey


def test_every_plan_outcome_tied_to_a_headline_outcome_of_the_code_list() -> None:
    journey = closed_after_plan()
    codes = frozenset({"good_education", "housing"})
    assert found(journey, headlines=codes) == []
    # A code list in which one of the plan's outcomes is no longer a headline outcome.
    [finding] = found(journey, headlines=frozenset({"housing"}))
    assert (finding.rule_id, finding.severity, finding.due_on) == (
        "outcomes-headlined",
        "low",
        date(2025, 3, 5),
    )


def test_a_closure_must_state_a_status_for_every_outcome() -> None:
    journey = closed_after_plan()
    doc = replay(TimelineProjection(), journey.stream()).docs[str(journey.id)]
    assert findings(doc, PRACTICE_2026_1, TODAY) == []
    # A closure recorded before the domain required every status (an imported record).
    closure = next(e for e in doc["entries"] if e["type"] == "EpisodeClosed")
    del closure["facts"]["outcome_statuses"][0]
    [finding] = findings(doc, PRACTICE_2026_1, TODAY)
    assert (finding.rule_id, finding.due_on, finding.entry_id) == (
        "closure-statuses",
        date(2025, 4, 10),
        closure["entry_id"],
    )


def test_the_queue_is_open_findings_most_severe_first_then_oldest() -> None:
    slow = requested(date(2025, 3, 3))  # no lead, no assessment: two medium findings
    unanswered = escalated(date(2025, 6, 2))  # high; also an overdue first review
    queued = queue([*found(slow), *found(unanswered)], TODAY)
    assert [(f.severity, f.due_on) for f in queued] == [
        ("high", date(2025, 6, 3)),
        ("medium", date(2025, 3, 10)),
        ("medium", date(2025, 3, 24)),
        ("medium", date(2025, 7, 9)),
    ]
    assert all(f.open for f in queued)


def test_settings_change_a_rule_parameter_not_its_meaning() -> None:
    journey = requested(date(2025, 12, 24))
    journey.assign_lead_practitioner(occurred_at=at(date(2025, 12, 31)))
    tighter = PRACTICE_2026_1.with_overrides({"lead-assigned": {"working_days": 2}})
    doc = replay(TimelineProjection(), journey.stream()).docs[str(journey.id)]
    leads = [f for f in findings(doc, PRACTICE_2026_1, TODAY) if f.rule_id == "lead-assigned"]
    assert leads == []
    [finding] = [f for f in findings(doc, tighter, TODAY) if f.rule_id == "lead-assigned"]
    assert finding.due_on == date(2025, 12, 30)
    assert "2 working days" in finding.expected


def test_overrides_of_unknown_rules_or_parameters_are_refused() -> None:
    with pytest.raises(ValueError, match="no practice standard"):
        PRACTICE_2026_1.with_overrides({"lead-asigned": {"working_days": 2}})
    with pytest.raises(ValueError, match="has no parameter"):
        PRACTICE_2026_1.with_overrides({"lead-assigned": {"days": 2}})
