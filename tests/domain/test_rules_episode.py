"""Rules of an episode of early help, from the request for support to closure: given a
family at some stage, when a command would break a rule, then it is refused with that
rule's id, nothing is stored, and the family it loaded is untouched (Journey.refuses)."""

from __future__ import annotations

from datetime import date, timedelta
from uuid import uuid4

import pytest

from domain.commands import NewAction, NewOutcome
from domain.values import OutcomeProgress, OutcomeStatus
from tests.support.journey import POLICE, SOCIAL_CARE, START, Journey

# -- opening an episode -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "command", ["decide_support", "assign_lead_practitioner", "start_assessment", "agree_plan"]
)
def test_episode_work_needs_an_open_episode(journey: Journey, command: str) -> None:
    journey.to("registered")

    with journey.refuses("episode_required"):
        getattr(journey, command)()


def test_after_closure_there_is_no_episode_to_escalate_or_close(journey: Journey) -> None:
    journey.to("closed")

    with journey.refuses("episode_required"):
        journey.raise_escalation()
    with journey.refuses("episode_required"):
        journey.close_episode(reason="no_further_action", outcome_statuses=())


def test_one_open_episode_at_a_time(journey: Journey) -> None:
    journey.to("episode_open")

    with journey.refuses("one_open_episode"):
        journey.request_support(source="6")


def test_a_step_down_opens_an_episode_so_none_may_be_open(journey: Journey) -> None:
    journey.to("episode_open")

    with journey.refuses("step_down_while_open"):
        journey.step_down()


# -- the family's agreement --------------------------------------------------------------------


def test_an_assessment_needs_the_familys_agreement(journey: Journey) -> None:
    journey.to("episode_open")

    with journey.refuses("support_agreement_required"):
        journey.start_assessment()


def test_a_plan_needs_the_familys_agreement(journey: Journey) -> None:
    journey.to("planned").close_episode()
    journey.request_support()
    journey.decide_support(agreed=False)

    with journey.refuses("support_agreement_required"):
        journey.agree_plan()


def test_a_support_decision_changes_the_decision(journey: Journey) -> None:
    journey.to("support_agreed")

    with journey.refuses("support_decision_unchanged"):
        journey.decide_support(agreed=True)


# -- the lead practitioner --------------------------------------------------------------------


def test_reassigning_the_same_lead_practitioner_changes_nothing(journey: Journey) -> None:
    journey.to("lead_assigned")

    with journey.refuses("lead_practitioner_unchanged"):
        journey.assign_lead_practitioner(practitioner_id="u-lead-1", agency="school")


def test_a_plan_needs_a_lead_practitioner(journey: Journey) -> None:
    journey.to("support_agreed")
    journey.start_assessment()
    journey.complete_assessment()

    with journey.refuses("lead_practitioner_required"):
        journey.agree_plan()


def test_an_escalation_needs_a_lead_practitioner(journey: Journey) -> None:
    journey.to("support_agreed")

    with journey.refuses("lead_practitioner_required"):
        journey.raise_escalation()


# -- assessment ---------------------------------------------------------------------------------


def test_one_assessment_in_progress_at_a_time(journey: Journey) -> None:
    journey.to("assessment_started")

    with journey.refuses("assessment_in_progress"):
        journey.start_assessment()


def test_only_the_assessment_in_progress_can_be_completed(journey: Journey) -> None:
    journey.to("assessment_started")

    with journey.refuses("assessment_not_in_progress"):
        journey.complete_assessment(assessment_id=uuid4())


def test_an_assessment_completes_once(journey: Journey) -> None:
    journey.to("assessed")

    with journey.refuses("assessment_not_in_progress"):
        journey.complete_assessment()


def test_an_assessment_completes_after_it_started(journey: Journey) -> None:
    journey.to("assessment_started")

    with journey.refuses("chronology"):
        journey.complete_assessment(occurred_at=START)


# -- the plan -----------------------------------------------------------------------------------


def test_a_plan_follows_a_completed_assessment(journey: Journey) -> None:
    journey.to("assessment_started")

    with journey.refuses("assessment_before_plan"):
        journey.agree_plan()


def test_an_episode_has_one_plan(journey: Journey) -> None:
    journey.to("planned")

    with journey.refuses("plan_exists"):
        journey.agree_plan()


def test_a_plan_has_outcomes(journey: Journey) -> None:
    journey.to("assessed")

    with journey.refuses("plan_needs_outcomes"):
        journey.agree_plan(outcomes=(), actions=())


def test_an_outcomes_target_date_is_not_before_the_plan(journey: Journey) -> None:
    journey.to("assessed")
    agreed_at = journey.next_time()
    yesterday = (agreed_at - timedelta(days=1)).date()

    with journey.refuses("plan_needs_outcomes"):
        journey.agree_plan(
            occurred_at=agreed_at, outcomes=(NewOutcome("housing", yesterday),), actions=()
        )


def test_an_outcome_appears_once_in_a_plan(journey: Journey) -> None:
    journey.to("planned")
    (education, _) = journey.outcome_ids()

    with journey.refuses("plan_needs_outcomes"):
        journey.revise_plan(
            outcomes=(
                NewOutcome("good_education", date(2025, 9, 1), education),
                NewOutcome("health", date(2025, 9, 1), education),
            )
        )


def test_every_action_belongs_to_an_outcome_of_the_plan(journey: Journey) -> None:
    journey.to("assessed")

    with journey.refuses("action_outcome_unknown"):
        journey.agree_plan(
            outcomes=(NewOutcome("housing", date(2025, 9, 1)),),
            actions=(NewAction(uuid4(), "housing", date(2025, 8, 1)),),
        )


def test_a_revision_is_of_the_current_plan(journey: Journey) -> None:
    journey.to("planned")

    with journey.refuses("plan_not_current"):
        journey.revise_plan(plan_id=uuid4())


def test_a_plan_of_a_closed_episode_is_not_current(journey: Journey) -> None:
    journey.to("closed")
    old_plan, old_outcomes = journey.ids["plan_id"], (journey.ids["outcome_id_0"],)
    journey.request_support()

    with journey.refuses("plan_not_current"):
        journey.hold_review(
            plan_id=old_plan, progress=tuple(OutcomeProgress(o, "achieved") for o in old_outcomes)
        )


def test_a_plan_is_not_revised_before_it_was_agreed(journey: Journey) -> None:
    journey.to("planned")

    with journey.refuses("chronology"):
        journey.revise_plan(occurred_at=START)


def test_a_plan_is_not_agreed_before_the_episode_opened(journey: Journey) -> None:
    journey.to("assessed")

    with journey.refuses("chronology"):
        journey.agree_plan(occurred_at=START)


# -- reviews -------------------------------------------------------------------------------------


def test_a_review_records_progress(journey: Journey) -> None:
    journey.to("planned")

    with journey.refuses("review_needs_progress"):
        journey.hold_review(progress=())


def test_a_review_records_progress_on_each_outcome_once(journey: Journey) -> None:
    journey.to("planned")
    (education, _) = journey.outcome_ids()

    with journey.refuses("review_needs_progress"):
        journey.hold_review(
            progress=(OutcomeProgress(education, "worse"), OutcomeProgress(education, "achieved"))
        )


def test_a_reviews_progress_is_on_outcomes_of_the_current_plan(journey: Journey) -> None:
    journey.to("planned")
    (education, housing) = journey.outcome_ids()
    journey.revise_plan(outcomes=(NewOutcome("good_education", date(2025, 9, 1), education),))

    with journey.refuses("outcome_not_in_plan"):
        journey.hold_review(progress=(OutcomeProgress(housing, "achieved"),))


def test_a_review_is_not_held_before_the_plan_was_agreed(journey: Journey) -> None:
    journey.to("planned")

    with journey.refuses("chronology"):
        journey.hold_review(occurred_at=START)


# -- escalation -------------------------------------------------------------------------------


def test_escalation_is_to_a_statutory_or_specialist_service(journey: Journey) -> None:
    journey.to("lead_assigned")

    with journey.refuses("escalation_to_early_help"):
        journey.raise_escalation(to_service="early_help")


def test_one_pending_escalation_per_service(journey: Journey) -> None:
    journey.to("lead_assigned").raise_escalation()

    with journey.refuses("escalation_awaiting_response"):
        journey.raise_escalation(reason="no_progress")


def test_an_escalation_on_consent_needs_consent_to_escalate_to_that_service(
    journey: Journey,
) -> None:
    journey.to("lead_assigned").give_consent(agencies=("camhs",), purposes=("plan_delivery",))

    with journey.refuses("consent_or_lawful_basis_required"):
        journey.raise_escalation(to_service="camhs", safeguarding=False, lawful_basis="consent")


def test_safeguarding_as_lawful_basis_needs_the_safeguarding_flag(journey: Journey) -> None:
    journey.to("lead_assigned")

    with journey.refuses("safeguarding_basis_needs_concern"):
        journey.raise_escalation(safeguarding=False, lawful_basis="safeguarding")


def test_an_escalation_is_answered_once(journey: Journey) -> None:
    journey.to("lead_assigned").raise_escalation()
    journey.respond_to_escalation(response="declined")

    with journey.refuses("escalation_not_pending"):
        journey.respond_to_escalation(response="accepted")


def test_a_partner_answers_only_escalations_to_their_own_agency(journey: Journey) -> None:
    journey.to("lead_assigned").raise_escalation(to_service="children_social_care")

    with journey.refuses("respondent_not_receiving_service"):
        journey.respond_to_escalation(actor=POLICE)


def test_an_escalation_is_not_raised_before_the_episode_opened(journey: Journey) -> None:
    journey.to("lead_assigned")

    with journey.refuses("chronology"):
        journey.raise_escalation(occurred_at=START)


# -- closure ------------------------------------------------------------------------------------


def test_a_closure_states_the_status_of_every_plan_outcome(journey: Journey) -> None:
    journey.to("planned")
    (education, housing) = journey.outcome_ids()

    with journey.refuses("closure_outcomes_incomplete"):
        journey.close_episode(outcome_statuses=(OutcomeStatus(education, "achieved"),))
    with journey.refuses("closure_outcomes_incomplete"):
        journey.close_episode(
            outcome_statuses=(
                OutcomeStatus(education, "achieved"),
                OutcomeStatus(housing, "achieved"),
                OutcomeStatus(uuid4(), "achieved"),
            )
        )


def test_outcomes_met_needs_every_outcome_achieved(journey: Journey) -> None:
    journey.to("planned")
    (education, housing) = journey.outcome_ids()

    with journey.refuses("outcomes_met_needs_achieved"):
        journey.close_episode(
            reason="outcomes_met",
            outcome_statuses=(
                OutcomeStatus(education, "achieved"),
                OutcomeStatus(housing, "partly_achieved"),
            ),
        )


def test_an_episode_does_not_close_while_an_escalation_awaits_its_response(
    journey: Journey,
) -> None:
    journey.to("planned").raise_escalation()

    with journey.refuses("escalation_awaiting_response"):
        journey.close_episode()


def test_closing_as_step_up_needs_an_escalation_accepted_by_social_care(journey: Journey) -> None:
    journey.to("planned")
    journey.raise_escalation()
    journey.respond_to_escalation(actor=SOCIAL_CARE, response="declined")

    with journey.refuses("step_up_needs_accepted_escalation"):
        journey.close_episode(reason="step_up")


def test_closing_as_step_up_after_social_care_accepted(journey: Journey) -> None:
    journey.to("planned")
    journey.raise_escalation()
    journey.respond_to_escalation(actor=SOCIAL_CARE, response="accepted")

    journey.close_episode(reason="step_up")

    assert journey.family().open_episode_id is None


def test_an_episode_does_not_close_before_it_opened(journey: Journey) -> None:
    journey.to("episode_open")

    with journey.refuses("chronology"):
        journey.close_episode(reason="family_declined", occurred_at=START)


def test_a_support_decision_is_not_before_the_episode_opened(journey: Journey) -> None:
    journey.to("episode_open")

    with journey.refuses("chronology"):
        journey.decide_support(occurred_at=START)


# -- chronology across entries -------------------------------------------------------------


def test_a_lead_practitioner_is_not_assigned_before_the_episode_opened(journey: Journey) -> None:
    journey.to("support_agreed")

    with journey.refuses("chronology"):
        journey.assign_lead_practitioner(occurred_at=START)


def test_a_response_does_not_come_before_its_escalation(journey: Journey) -> None:
    journey.to("lead_assigned")
    before_the_escalation = journey.next_time()
    journey.raise_escalation()

    with journey.refuses("chronology"):
        journey.respond_to_escalation(occurred_at=before_the_escalation)


def test_an_episode_does_not_close_before_its_plan_was_agreed(journey: Journey) -> None:
    journey.to("assessed")
    before_the_plan = journey.next_time()
    journey.agree_plan()

    with journey.refuses("chronology"):
        journey.close_episode(occurred_at=before_the_plan)


def test_outcomes_met_needs_a_plan(journey: Journey) -> None:
    journey.to("support_agreed")

    with journey.refuses("outcomes_met_needs_achieved"):
        journey.close_episode(reason="outcomes_met", outcome_statuses=())
