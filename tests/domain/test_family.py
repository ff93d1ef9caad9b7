"""Given a family at some stage of its journey, when a command is made, then the family
records exactly these events. One test (at least) per event class; the rules that refuse
commands are in test_rules_household.py and test_rules_episode.py."""

from __future__ import annotations

import copy
from dataclasses import FrozenInstanceError, replace
from datetime import date, timedelta
from decimal import Decimal
from typing import Any, TypeVar

import pytest

from domain.application import CommandResult
from domain.commands import NewOutcome
from domain.family import Family
from domain.values import (
    FieldChange,
    Member,
    OutcomeProgress,
    OutcomeStatus,
    PersonalData,
    PlanAction,
    PlanOutcome,
)
from tests.support.journey import (
    CHILD,
    LEAD,
    NEWBORN,
    NOTES,
    NOW,
    PARENT,
    POLICE,
    SOCIAL_CARE,
    Journey,
)

E = TypeVar("E", bound=Family.Event)


def recorded(journey: Journey, result: CommandResult, event_class: type[E]) -> E:
    """Then: the command stored exactly one event, of `event_class`, as its result says:
    the entry id it answered, recorded now by the store's clock, at the position answered."""
    events = journey.emitted()
    assert [type(e) for e in events] == [event_class]
    (event,) = events
    assert isinstance(event, event_class)
    entry: Any = event
    assert entry.entry_id == result.ids["entry_id"]
    assert event.timestamp == journey.clock.now
    assert result.position == journey.app.position()
    assert not result.replayed
    return event


# -- the household --------------------------------------------------------------------------


def test_registering_a_household_records_its_area_and_members(journey: Journey) -> None:
    occurred_at = NOW - timedelta(days=3)

    result = journey.register(
        occurred_at=occurred_at,
        members=(("child", True, CHILD), ("parent_carer", False, PARENT)),
        area="strood",
    )

    event = recorded(journey, result, Family.Registered)
    assert event.originator_id == result.family_id == result.ids["family_id"]
    assert event.originator_version == 1
    assert (event.occurred_at, event.actor, event.area) == (occurred_at, LEAD, "strood")
    assert event.code_list_version == "2025-3"  # the version in force when it was made
    assert event.members == (
        Member(result.ids["member_id_0"], "child", True, CHILD),
        Member(result.ids["member_id_1"], "parent_carer", False, PARENT),
    )


def test_a_member_joins_the_household(journey: Journey) -> None:
    journey.to("registered")

    result = journey.add_member(relationship="child", send=False, personal=NEWBORN)

    event = recorded(journey, result, Family.MemberAdded)
    assert event.member == Member(result.ids["member_id"], "child", False, NEWBORN)
    assert journey.family().members[str(result.ids["member_id"])].active


def test_a_member_leaves_the_household(journey: Journey) -> None:
    journey.to("registered")

    result = journey.remove_member(member_id=journey.ids["parent"], reason="moved_out")

    event = recorded(journey, result, Family.MemberLeft)
    assert (event.member_id, event.reason) == (journey.ids["parent"], "moved_out")
    assert not journey.family().members[str(journey.ids["parent"])].active


# -- contacts, consent and sharing ---------------------------------------------------------------


def test_a_contact_outside_any_episode_belongs_to_no_episode(journey: Journey) -> None:
    journey.to("registered")

    result = journey.record_contact(
        actor=POLICE,
        agency="police",
        channel="face_to_face",
        reason="incident",
        member_ids=(journey.ids["parent"],),
        personal=NOTES,
    )

    event = recorded(journey, result, Family.ContactRecorded)
    assert event.contact_id == result.ids["contact_id"]
    assert event.episode_id is None
    assert (event.agency, event.channel, event.reason) == ("police", "face_to_face", "incident")
    assert event.member_ids == (journey.ids["parent"],)
    assert (event.actor, event.personal) == (POLICE, NOTES)


def test_a_contact_during_an_episode_belongs_to_it(journey: Journey) -> None:
    journey.to("episode_open")

    result = journey.record_contact(agency="school", channel="email", reason="attendance")

    event = recorded(journey, result, Family.ContactRecorded)
    assert event.episode_id == journey.ids["episode_id"]
    assert (event.member_ids, event.personal) == ((), None)


def test_consent_to_share_is_given_for_named_agencies_and_purposes(journey: Journey) -> None:
    journey.to("registered")

    result = journey.give_consent(
        given_by=journey.ids["parent"], agencies=("gp", "school"), purposes=("assessment",)
    )

    event = recorded(journey, result, Family.ConsentGiven)
    assert event.consent_id == result.ids["consent_id"]
    assert event.given_by == journey.ids["parent"]
    assert (event.agencies, event.purposes) == (("gp", "school"), ("assessment",))


def test_consent_is_withdrawn(journey: Journey) -> None:
    journey.to("registered").give_consent()

    result = journey.withdraw_consent(consent_id=journey.ids["consent_id"])

    event = recorded(journey, result, Family.ConsentWithdrawn)
    assert event.consent_id == journey.ids["consent_id"]


def test_information_shared_on_consent_names_the_consent(journey: Journey) -> None:
    journey.to("episode_open").give_consent(agencies=("school",), purposes=("plan_delivery",))

    result = journey.share_information(
        with_agency="school",
        categories=("plan", "education"),
        purpose="plan_delivery",
        lawful_basis="consent",
        personal=NOTES,
    )

    event = recorded(journey, result, Family.InformationShared)
    assert event.sharing_id == result.ids["sharing_id"]
    assert event.episode_id == journey.ids["episode_id"]
    assert (event.with_agency, event.categories) == ("school", ("plan", "education"))
    assert (event.purpose, event.lawful_basis) == ("plan_delivery", "consent")
    assert event.consent_id == journey.ids["consent_id"]
    assert event.personal == NOTES


def test_information_shared_on_another_lawful_basis_needs_no_consent(journey: Journey) -> None:
    journey.to("registered")

    result = journey.share_information(
        with_agency="police",
        categories=("safeguarding_concern",),
        purpose="safeguarding",
        lawful_basis="safeguarding",
    )

    event = recorded(journey, result, Family.InformationShared)
    assert (event.lawful_basis, event.consent_id, event.episode_id) == ("safeguarding", None, None)


# -- an episode of early help -----------------------------------------------------------------


def test_a_request_for_support_opens_an_episode(journey: Journey) -> None:
    journey.to("registered")

    result = journey.request_support(source="3B", personal=NOTES)

    event = recorded(journey, result, Family.SupportRequested)
    assert event.episode_id == result.ids["episode_id"]
    assert (event.source, event.personal) == ("3B", NOTES)
    assert journey.family().open_episode_id == str(result.ids["episode_id"])


def test_the_family_agrees_to_support(journey: Journey) -> None:
    journey.to("episode_open")

    result = journey.decide_support(agreed=True)

    event = recorded(journey, result, Family.SupportAgreed)
    assert event.episode_id == result.ids["episode_id"] == journey.ids["episode_id"]


def test_the_family_declines_support_and_may_agree_later(journey: Journey) -> None:
    journey.to("episode_open")

    declined = journey.decide_support(agreed=False)
    declined_event = recorded(journey, declined, Family.SupportDeclined)
    agreed = journey.decide_support(agreed=True)

    assert declined_event.episode_id == journey.ids["episode_id"]
    recorded(journey, agreed, Family.SupportAgreed)


def test_a_lead_practitioner_is_assigned_and_later_changed(journey: Journey) -> None:
    journey.to("support_agreed")

    first = journey.assign_lead_practitioner(practitioner_id="u-lead-1", agency="early_help")
    first_event = recorded(journey, first, Family.LeadPractitionerAssigned)
    second = journey.assign_lead_practitioner(practitioner_id="u-school-4", agency="school")
    second_event = recorded(journey, second, Family.LeadPractitionerAssigned)

    assert first_event.episode_id == first.ids["episode_id"] == journey.ids["episode_id"]
    assert (first_event.practitioner_id, first_event.previous_practitioner_id) == ("u-lead-1", None)
    assert (second_event.practitioner_id, second_event.agency) == ("u-school-4", "school")
    assert second_event.previous_practitioner_id == "u-lead-1"


def test_an_assessment_starts(journey: Journey) -> None:
    journey.to("lead_assigned")

    result = journey.start_assessment()

    event = recorded(journey, result, Family.AssessmentStarted)
    assert event.assessment_id == result.ids["assessment_id"]
    assert event.episode_id == journey.ids["episode_id"]


def test_an_assessment_completes_with_needs_and_level_of_need(journey: Journey) -> None:
    journey.to("assessment_started")

    result = journey.complete_assessment(
        level_of_need="universal_plus",
        needs=("housing", "financial_stability"),
        strengths=("good_education",),
        factors=("4B", "21A"),
        personal=NOTES,
    )

    event = recorded(journey, result, Family.AssessmentCompleted)
    assert (event.assessment_id, event.episode_id) == (
        journey.ids["assessment_id"],
        journey.ids["episode_id"],
    )
    assert event.level_of_need == "universal_plus"
    assert event.needs == ("housing", "financial_stability")
    assert (event.strengths, event.factors) == (("good_education",), ("4B", "21A"))
    assert event.personal == NOTES


def test_a_second_assessment_may_follow_a_completed_one(journey: Journey) -> None:
    journey.to("assessed")

    result = journey.start_assessment()

    recorded(journey, result, Family.AssessmentStarted)


def test_a_plan_is_agreed_with_outcomes_and_actions(journey: Journey) -> None:
    journey.to("assessed")
    target = date(2025, 9, 1)

    result = journey.agree_plan(
        outcomes=(NewOutcome("good_education", target), NewOutcome("housing", target)),
        personal=NOTES,
    )

    event = recorded(journey, result, Family.PlanAgreed)
    education, housing = result.ids["outcome_id_0"], result.ids["outcome_id_1"]
    assert (event.plan_id, event.episode_id) == (result.ids["plan_id"], journey.ids["episode_id"])
    assert event.outcomes == (
        PlanOutcome(education, "good_education", target),
        PlanOutcome(housing, "housing", target),
    )
    assert [(a.outcome_id, a.owner_agency) for a in event.actions] == [
        (education, "school"),
        (housing, "housing"),
    ]
    assert all(isinstance(a, PlanAction) for a in event.actions)
    assert event.personal == NOTES


def test_a_plan_is_revised_keeping_some_outcomes_and_adding_others(journey: Journey) -> None:
    journey.to("planned")
    education = journey.ids["outcome_id_0"]
    target = date(2025, 10, 1)

    first = journey.revise_plan(
        outcomes=(NewOutcome("good_education", target, education), NewOutcome("health", target)),
        personal=NOTES,
    )
    first_event = recorded(journey, first, Family.PlanRevised)
    second = journey.revise_plan()
    second_event = recorded(journey, second, Family.PlanRevised)

    assert (first_event.plan_id, first_event.revision) == (journey.ids["plan_id"], 1)
    assert first_event.outcomes == (
        PlanOutcome(education, "good_education", target),
        PlanOutcome(first.ids["outcome_id_1"], "health", target),
    )
    assert first_event.actions == ()
    assert first_event.personal == NOTES
    assert second_event.revision == 2
    assert set(journey.outcome_ids()) == {education, first.ids["outcome_id_1"]}


def test_a_review_records_progress_on_the_plan_and_a_decision(journey: Journey) -> None:
    journey.to("planned")
    education, housing = journey.outcome_ids()

    result = journey.hold_review(
        progress=(OutcomeProgress(education, "good_progress"), OutcomeProgress(housing, "worse")),
        decision="revise",
        attendees=("school", "housing", "early_help"),
        personal=NOTES,
    )

    event = recorded(journey, result, Family.ReviewHeld)
    assert (event.review_id, event.plan_id) == (result.ids["review_id"], journey.ids["plan_id"])
    assert event.episode_id == journey.ids["episode_id"]
    assert event.progress == (
        OutcomeProgress(education, "good_progress"),
        OutcomeProgress(housing, "worse"),
    )
    assert (event.decision, event.attendees) == ("revise", ("school", "housing", "early_help"))


# -- escalation and step-down ------------------------------------------------------------------


def test_an_escalation_on_a_safeguarding_basis(journey: Journey) -> None:
    journey.to("lead_assigned")

    result = journey.raise_escalation(
        to_service="children_social_care",
        reason="risk_of_significant_harm",
        safeguarding=True,
        lawful_basis="safeguarding",
        personal=NOTES,
    )

    event = recorded(journey, result, Family.EscalationRaised)
    assert event.escalation_id == result.ids["escalation_id"]
    assert event.episode_id == journey.ids["episode_id"]
    assert (event.to_service, event.reason) == ("children_social_care", "risk_of_significant_harm")
    assert (event.safeguarding, event.lawful_basis, event.consent_id) == (
        True,
        "safeguarding",
        None,
    )


def test_an_escalation_on_consent_names_the_consent(journey: Journey) -> None:
    journey.to("lead_assigned").give_consent(agencies=("camhs",), purposes=("escalation",))

    result = journey.raise_escalation(
        to_service="camhs",
        reason="specialist_assessment",
        safeguarding=False,
        lawful_basis="consent",
    )

    event = recorded(journey, result, Family.EscalationRaised)
    assert event.consent_id == journey.ids["consent_id"]


def test_the_receiving_service_responds_to_an_escalation(journey: Journey) -> None:
    journey.to("lead_assigned").raise_escalation()

    result = journey.respond_to_escalation(actor=SOCIAL_CARE, response="accepted")

    event = recorded(journey, result, Family.EscalationResponded)
    assert event.escalation_id == journey.ids["escalation_id"] == result.ids["escalation_id"]
    assert event.episode_id == journey.ids["episode_id"] == result.ids["episode_id"]
    assert (event.response, event.actor) == ("accepted", SOCIAL_CARE)


def test_a_step_down_from_social_care_opens_an_episode(journey: Journey) -> None:
    journey.to("registered")

    result = journey.step_down(from_service="children_social_care", reason="RC9")

    event = recorded(journey, result, Family.SteppedDown)
    assert event.episode_id == result.ids["episode_id"]
    assert (event.from_service, event.reason) == ("children_social_care", "RC9")
    family = journey.family()
    assert family.open_episode_id == str(result.ids["episode_id"])
    assert family.episodes[str(result.ids["episode_id"])].origin == "step_down"


# -- outcomes and closure ----------------------------------------------------------------------


def test_outcome_evidence_during_an_episode(journey: Journey) -> None:
    journey.to("planned")

    result = journey.evidence_outcome(
        headline_outcome="good_education",
        measure="attendance_percent",
        value=Decimal("91.25"),
        period_start=date(2025, 1, 6),
        period_end=date(2025, 4, 4),
        source="school",
    )

    event = recorded(journey, result, Family.OutcomeEvidenced)
    assert (event.evidence_id, event.episode_id) == (
        result.ids["evidence_id"],
        journey.ids["episode_id"],
    )
    assert (event.headline_outcome, event.measure) == ("good_education", "attendance_percent")
    assert (event.value, event.source) == (Decimal("91.25"), "school")
    assert (event.period_start, event.period_end) == (date(2025, 1, 6), date(2025, 4, 4))


def test_outcome_evidence_after_closure_belongs_to_no_episode(journey: Journey) -> None:
    journey.to("closed")

    result = journey.evidence_outcome(measure="tenancy_sustained", value=Decimal(1))

    event = recorded(journey, result, Family.OutcomeEvidenced)
    assert event.episode_id is None


def test_an_episode_closes_with_the_status_of_each_plan_outcome(journey: Journey) -> None:
    journey.to("planned")
    education, housing = journey.outcome_ids()
    statuses = (OutcomeStatus(education, "achieved"), OutcomeStatus(housing, "partly_achieved"))

    result = journey.close_episode(
        reason="universal_services", outcome_statuses=statuses, personal=NOTES
    )

    event = recorded(journey, result, Family.EpisodeClosed)
    assert event.episode_id == journey.ids["episode_id"] == result.ids["episode_id"]
    assert (event.reason, event.outcome_statuses) == ("universal_services", statuses)
    assert journey.family().open_episode_id is None


def test_an_episode_without_a_plan_closes_when_the_family_declines(journey: Journey) -> None:
    journey.to("episode_open").decide_support(agreed=False)

    result = journey.close_episode(reason="family_declined", outcome_statuses=())

    event = recorded(journey, result, Family.EpisodeClosed)
    assert event.outcome_statuses == ()


def test_after_closure_a_new_request_opens_a_new_episode(journey: Journey) -> None:
    journey.to("closed")
    first_episode = journey.ids["episode_id"]

    result = journey.request_support(source="6")

    event = recorded(journey, result, Family.SupportRequested)
    assert event.episode_id != first_episode
    assert set(journey.family().episodes) == {str(first_episode), str(event.episode_id)}


# -- corrections and retractions ----------------------------------------------------------------


def test_a_correction_changes_fields_of_an_earlier_entry(journey: Journey) -> None:
    journey.to("registered")
    contact = journey.record_contact(agency="school")
    really = (NOW - timedelta(days=40)).isoformat()

    result = journey.correct_entry(
        target_entry_id=contact.ids["entry_id"],
        changes=(FieldChange("agency", "school_nursing"), FieldChange("occurred_at", really)),
        reason="wrong_detail",
    )

    event = recorded(journey, result, Family.EntryCorrected)
    assert event.target_entry_id == contact.ids["entry_id"]
    assert event.changes == (
        FieldChange("agency", "school_nursing"),
        FieldChange("occurred_at", really),
    )
    assert (event.member_id, event.reason, event.personal) == (None, "wrong_detail", None)


def test_a_correction_changes_a_members_personal_details(journey: Journey) -> None:
    journey.to("registered")
    corrected = PersonalData(given_name="Zinnia", family_name="Quartermain")

    result = journey.correct_entry(
        target_entry_id=journey.ids["registration"],
        member_id=journey.ids["child"],
        changes=(),
        personal=corrected,
        reason="wrong_detail",
    )

    event = recorded(journey, result, Family.EntryCorrected)
    assert (event.member_id, event.personal, event.changes) == (journey.ids["child"], corrected, ())


def test_an_entry_recorded_in_error_is_retracted(journey: Journey) -> None:
    journey.to("registered")
    contact = journey.record_contact()

    result = journey.retract_entry(target_entry_id=contact.ids["entry_id"], reason="wrong_family")

    event = recorded(journey, result, Family.EntryRetracted)
    assert (event.target_entry_id, event.reason) == (contact.ids["entry_id"], "wrong_family")
    assert str(contact.ids["entry_id"]) in journey.family().retracted


# -- the two times --------------------------------------------------------------------------


def test_late_recording_keeps_when_it_happened_and_when_it_was_recorded(journey: Journey) -> None:
    journey.to("registered")
    happened = NOW - timedelta(days=60, hours=3)

    result = journey.record_contact(occurred_at=happened)

    event = recorded(journey, result, Family.ContactRecorded)
    assert (event.occurred_at, event.timestamp) == (happened, NOW)


def test_recorded_at_is_the_stores_clock(journey: Journey) -> None:
    journey.to("registered")
    journey.clock.now = NOW + timedelta(days=2, minutes=17)

    result = journey.record_contact()

    event = recorded(journey, result, Family.ContactRecorded)
    assert event.timestamp == NOW + timedelta(days=2, minutes=17)


def test_a_few_minutes_of_clock_skew_are_allowed(journey: Journey) -> None:
    journey.to("registered")

    result = journey.record_contact(occurred_at=NOW + timedelta(minutes=4, seconds=59))

    recorded(journey, result, Family.ContactRecorded)


def test_a_copied_family_shares_no_state_with_the_original(journey: Journey) -> None:
    """The repository hands each command a copy of the cached family; a command that
    fails half way must leave the cached one as it was."""
    journey.to("planned").give_consent()
    original = journey.family()
    before = copy.deepcopy(vars(original))

    copied = copy.deepcopy(original)
    episode_id = str(copied.open_episode_id)
    episode = copied.episodes[episode_id]
    # The parts of the state are replaced, never changed in place...
    with pytest.raises(FrozenInstanceError):
        episode.lead = "someone else"  # type: ignore[misc]
    # ... so a copy that replaces them, or changes its dicts, leaves the original as it was.
    copied.episodes[episode_id] = replace(episode, plan=None, escalations={})
    member_id = next(iter(copied.members))
    copied.members[member_id] = replace(copied.members[member_id], active=False)
    copied.consents.clear()
    copied.times.clear()
    copied.entries.clear()
    copied.retracted["y"] = "duplicate"
    copied.pending_events.append(journey.stream()[-1])

    assert vars(original) == before
    assert copied.version == original.version
