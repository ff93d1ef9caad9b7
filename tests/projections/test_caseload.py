"""The caseload view: leads with start and end, plan agencies as revised, consents in force."""

from __future__ import annotations

from datetime import timedelta

from domain.access import Caseload
from domain.commands import NewAction
from projections.base import replay
from projections.caseload import CaseloadProjection, caseload
from tests.support.journey import Journey, new_journey


def facts(journey: Journey) -> Caseload:
    doc = replay(CaseloadProjection(), journey.stream()).docs[str(journey.family_id)]
    return caseload(doc)


def test_a_lead_ends_when_another_is_assigned_or_the_episode_closes() -> None:
    journey = new_journey()
    journey.register()
    journey.request_support()
    journey.decide_support()
    journey.assign_lead_practitioner(practitioner_id="lp-1")
    first = journey.latest["occurred_at"]
    journey.assign_lead_practitioner(practitioner_id="lp-2")
    second = journey.latest["occurred_at"]
    journey.close_episode(reason="no_further_action")
    closed = journey.latest["occurred_at"]

    leads = facts(journey).leads

    assert [(lead.practitioner_id, lead.started_at, lead.ended_at) for lead in leads] == [
        ("lp-1", first, second),
        ("lp-2", second, closed),
    ]
    assert facts(journey).current_lead() is None


def test_the_team_is_the_plan_s_agencies_as_revised_and_the_consents_in_force() -> None:
    journey = new_journey()
    journey.register()
    journey.request_support()
    journey.decide_support()
    journey.assign_lead_practitioner()
    journey.start_assessment()
    journey.complete_assessment()
    journey.agree_plan()  # actions owned by school and housing
    agreed = facts(journey).team
    journey.give_consent(agencies=("police",))
    target = (journey.latest["occurred_at"] + timedelta(days=90)).date()
    journey.revise_plan(actions=(NewAction(0, "gp", target),))
    revised = facts(journey).team
    journey.withdraw_consent()
    journey.close_episode(reason="no_further_action")

    assert agreed == {"school", "housing"}
    assert revised == {"gp", "police"}
    assert facts(journey).team == frozenset()
