"""Pathways of a hand-made cohort, as a researcher reads them: which ways the families went
and how many took each, how long the steps took, who went round the step-up / step-down
loop more than once, and who is in the cohort at all."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from projections.base import Doc, replay
from projections.journey import JourneyProjection
from projections.pathways import PathCount, Pathways, StageGap, pathways
from tests.support.journey import SOCIAL_CARE, Journey, new_journey
from tests.support.stories import agree_plan, on, planned, stepped_up

USUAL = (
    "registered",
    "referred",
    "support_agreed",
    "lead_assigned",
    "assessment",
    "assessed",
    "plan",
    "review",
    "closed",
)


def usual(j: Journey, *, referred: float, agreed_after: float) -> None:
    """Referred, agreed, lead, assessed, planned, reviewed twice, closed."""
    j.request_support(occurred_at=on(referred))
    j.decide_support(occurred_at=on(referred + agreed_after))
    j.assign_lead_practitioner(occurred_at=on(referred + agreed_after + 1))
    j.start_assessment(occurred_at=on(referred + agreed_after + 2))
    j.complete_assessment(occurred_at=on(referred + agreed_after + 7))
    agree_plan(j, day=referred + agreed_after + 9)
    j.hold_review(occurred_at=on(40))
    j.hold_review(occurred_at=on(80))
    j.close_episode(occurred_at=on(90))


@pytest.fixture(scope="module")
def cohort() -> list[Doc]:
    """Six families on one store; five joined in the first 100 days."""
    first = new_journey()
    families = [first, *(Journey(first.app, first.clock) for _ in range(5))]
    a, b, c, d, e, f = families
    for family in (a, b, c, e, f):
        family.register(occurred_at=on(0))
    usual(a, referred=1, agreed_after=2)
    usual(b, referred=2, agreed_after=4)
    c.request_support(occurred_at=on(3))
    c.decide_support(occurred_at=on(5), agreed=False)
    c.close_episode(occurred_at=on(6), reason="family_declined")
    d.register(occurred_at=on(4))  # known to services, never referred
    d.record_contact(occurred_at=on(5))
    planned(e, day=1)  # agreed a day after the referral
    stepped_up(e, day=30)
    e.close_episode(occurred_at=on(32), reason="step_up")
    e.step_down(occurred_at=on(60), actor=SOCIAL_CARE)
    e.decide_support(occurred_at=on(61))
    e.assign_lead_practitioner(occurred_at=on(62))
    e.raise_escalation(occurred_at=on(70))
    e.respond_to_escalation(occurred_at=on(71))
    f.request_support(occurred_at=on(150))  # registered early, referred late
    return [replay(JourneyProjection(), j.stream()).docs[str(j.family_id)] for j in families]


def first_hundred_days(docs: list[Doc]) -> Pathways:
    return pathways(docs, start=on(0).date(), end=on(100).date())


def gap(found: Pathways, left: str, right: str) -> StageGap:
    [it] = [g for g in found.days_between_stages if (g.from_stage, g.to_stage) == (left, right)]
    return it


def test_the_cohort_is_the_families_first_referred_or_registered_in_the_window(
    cohort: list[Doc],
) -> None:
    assert first_hundred_days(cohort).families == 5
    assert pathways(cohort).families == 6
    assert pathways(cohort, start=on(101).date()).families == 1  # referred on day 150
    # Referred on days 1, 2, 3 and 1, or registered on day 4 with no referral.
    assert pathways(cohort, end=on(3).date()).families == 4
    assert pathways(cohort, start=date(2000, 1, 1), end=date(2000, 12, 31)).families == 0


def test_the_most_common_path_comes_first_with_repeated_reviews_made_one(cohort: list[Doc]) -> None:
    found = first_hundred_days(cohort)

    assert found.paths[0] == PathCount(USUAL, 2)
    assert set(found.paths[1:]) == {
        PathCount(("registered",), 1),
        PathCount(("registered", "referred", "support_declined", "closed"), 1),
        PathCount(
            (
                *USUAL[:7],
                "escalated",
                "stepped_up",
                "closed",
                "stepped_down",
                "support_agreed",
                "lead_assigned",
                "escalated",
                "stepped_up",
            ),
            1,
        ),
    }
    assert pathways(cohort, top=2).paths == found.paths[:2]


def test_median_days_between_consecutive_stages(cohort: list[Doc]) -> None:
    found = first_hundred_days(cohort)

    # Agreed 2, 4 and 1 days after the referral.
    assert gap(found, "referred", "support_agreed") == StageGap(
        "referred", "support_agreed", 2.0, 3
    )
    # From the first of the reviews in a row (day 40) to the closure (day 90).
    assert gap(found, "review", "closed") == StageGap("review", "closed", 50.0, 2)
    assert gap(found, "referred", "support_declined").median_days == 2.0
    assert gap(found, "closed", "stepped_down").median_days == 60 - 32
    pairs = [(g.from_stage, g.to_stage) for g in found.days_between_stages]
    assert len(pairs) == len(set(pairs))
    assert ("review", "review") not in pairs


def test_families_round_the_step_up_step_down_loop_more_than_once(cohort: list[Doc]) -> None:
    assert first_hundred_days(cohort).repeated_step_cycles == 1
    assert pathways(cohort, end=on(0).date()).repeated_step_cycles == 0


def test_an_empty_cohort_has_no_paths() -> None:
    assert pathways([]) == Pathways(
        families=0, paths=(), days_between_stages=(), repeated_step_cycles=0
    )


def test_days_are_decimal_days() -> None:
    j = new_journey()
    j.register(occurred_at=on(0))
    j.request_support(occurred_at=on(1))
    j.decide_support(occurred_at=on(1) + timedelta(hours=6))

    found = pathways([replay(JourneyProjection(), j.stream()).docs[str(j.family_id)]])

    assert gap(found, "referred", "support_agreed").median_days == 0.25
