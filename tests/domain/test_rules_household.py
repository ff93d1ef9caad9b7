"""Rules about the household, time, consent and sharing, evidence, and corrections: given a
family, when a command would break a rule, then it is refused with that rule's id, nothing
is stored, and the family the command loaded is left untouched (see Journey.refuses).
Also: malformed values and unknown codes are refused with the field to put right."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any
from uuid import uuid4

import pytest

from domain.commands import NewOutcome
from domain.errors import InvalidValueError, UnknownCodeError
from domain.family import Family
from domain.values import FieldChange, OutcomeProgress, OutcomeStatus, PersonalData
from tests.support.journey import CHILD, NOTES, NOW, PARENT, Journey

# -- time ---------------------------------------------------------------------------------


def test_an_entry_cannot_have_occurred_in_the_future(journey: Journey) -> None:
    journey.to("registered")

    with journey.refuses("occurred_in_future"):
        journey.record_contact(occurred_at=NOW + timedelta(minutes=5, seconds=1))


def test_a_household_cannot_be_registered_in_the_future(journey: Journey) -> None:
    with journey.refuses("occurred_in_future"):
        journey.register(occurred_at=NOW + timedelta(days=1))


def test_a_corrected_time_cannot_be_in_the_future(journey: Journey) -> None:
    journey.to("registered")
    contact = journey.record_contact()

    with journey.refuses("occurred_in_future"):
        journey.correct_entry(
            target_entry_id=contact.ids["entry_id"],
            changes=(FieldChange("occurred_at", (NOW + timedelta(hours=1)).isoformat()),),
        )


# Every command that compares when something happened with the family's history, and
# some that do not: a time without a time zone is refused as a value, never crashes.
NAIVE = datetime(2025, 5, 1, 9, 30)
COMMANDS_AT_STAGES: list[tuple[str, str, Callable[[Journey], Any]]] = [
    ("", "register", lambda j: j.register(occurred_at=NAIVE)),
    ("registered", "contact", lambda j: j.record_contact(occurred_at=NAIVE)),
    ("registered", "member", lambda j: j.add_member(occurred_at=NAIVE)),
    ("episode_open", "support decision", lambda j: j.decide_support(occurred_at=NAIVE)),
    ("support_agreed", "lead", lambda j: j.assign_lead_practitioner(occurred_at=NAIVE)),
    ("lead_assigned", "assessment start", lambda j: j.start_assessment(occurred_at=NAIVE)),
    ("assessment_started", "completion", lambda j: j.complete_assessment(occurred_at=NAIVE)),
    ("assessed", "plan", lambda j: j.agree_plan(occurred_at=NAIVE)),
    ("planned", "revision", lambda j: j.revise_plan(occurred_at=NAIVE)),
    ("planned", "review", lambda j: j.hold_review(occurred_at=NAIVE)),
    ("planned", "escalation", lambda j: j.raise_escalation(occurred_at=NAIVE)),
    ("planned", "closure", lambda j: j.close_episode(occurred_at=NAIVE)),
]


@pytest.mark.parametrize(
    ("stage", "command"),
    [(stage, command) for stage, _, command in COMMANDS_AT_STAGES],
    ids=[name for _, name, _ in COMMANDS_AT_STAGES],
)
def test_a_time_without_a_time_zone_is_refused(
    journey: Journey, stage: str, command: Callable[[Journey], Any]
) -> None:
    if stage:
        journey.to(stage)

    with journey.rejects("occurred_at") as caught:
        command(journey)

    assert "time zone" in caught.value.detail


# -- the household ----------------------------------------------------------------------------


def test_a_household_needs_a_child(journey: Journey) -> None:
    with journey.refuses("household_needs_a_child"):
        journey.register(members=(("parent_carer", False, PARENT),))


def test_a_household_needs_members(journey: Journey) -> None:
    with journey.rejects("members"):
        journey.register(members=())


def test_a_child_is_under_19(journey: Journey) -> None:
    nineteen = PersonalData(given_name="Ash", date_of_birth=date(2005, 11, 1))

    with journey.refuses("child_age"):
        journey.register(members=(("child", False, nineteen),))


def test_a_young_person_with_send_is_a_child_until_25(journey: Journey) -> None:
    twenty_three = PersonalData(given_name="Ash", date_of_birth=date(2001, 11, 1))
    twenty_five = PersonalData(given_name="Rowan", date_of_birth=date(1999, 11, 1))

    journey.register(members=(("child", True, twenty_three),))
    with journey.refuses("child_age"):
        journey.add_member(relationship="child", send=True, personal=twenty_five)


def test_a_date_of_birth_cannot_be_in_the_future(journey: Journey) -> None:
    journey.to("registered")
    unborn = PersonalData(given_name="Baby", date_of_birth=(NOW + timedelta(days=30)).date())

    with journey.rejects("members.date_of_birth"):
        journey.add_member(personal=unborn)


def test_a_contact_names_current_members_only(journey: Journey) -> None:
    journey.to("registered")

    with journey.refuses("member_not_found"):
        journey.record_contact(member_ids=(journey.ids["child"], uuid4()))


def test_a_contact_recorded_late_may_name_a_member_who_has_left_since(journey: Journey) -> None:
    journey.to("registered")
    contact_time = journey.next_time()
    journey.remove_member(member_id=journey.ids["parent"])

    journey.record_contact(member_ids=(journey.ids["parent"],), occurred_at=contact_time)

    (contact,) = journey.emitted()
    assert isinstance(contact, Family.ContactRecorded)
    assert contact.member_ids == (journey.ids["parent"],)


def test_a_contact_recorded_late_belongs_to_the_episode_open_when_it_happened(
    journey: Journey,
) -> None:
    journey.to("registered")
    before_the_episode = journey.next_time()
    journey.to("episode_open")

    journey.record_contact(occurred_at=before_the_episode)
    (early,) = journey.emitted()
    journey.record_contact()
    (during,) = journey.emitted()

    assert isinstance(early, Family.ContactRecorded)
    assert isinstance(during, Family.ContactRecorded)
    assert early.episode_id is None
    assert during.episode_id == journey.ids["episode_id"]


def test_only_a_member_can_leave(journey: Journey) -> None:
    journey.to("registered")

    with journey.refuses("member_not_found"):
        journey.remove_member(member_id=uuid4())


def test_a_member_cannot_leave_twice(journey: Journey) -> None:
    journey.to("registered").remove_member(member_id=journey.ids["parent"])

    with journey.refuses("member_already_left"):
        journey.remove_member(member_id=journey.ids["parent"], reason="recorded_in_error")


# -- consent and sharing --------------------------------------------------------------------


def test_consent_is_given_by_a_current_member(journey: Journey) -> None:
    journey.to("registered")

    with journey.refuses("member_not_found"):
        journey.give_consent(given_by=uuid4())


@pytest.mark.parametrize("missing", ["agencies", "purposes"])
def test_consent_names_agencies_and_purposes(journey: Journey, missing: str) -> None:
    journey.to("registered")

    with journey.rejects(missing):
        journey.give_consent(**{missing: ()})


def test_only_consent_in_force_can_be_withdrawn(journey: Journey) -> None:
    journey.to("registered").give_consent()
    journey.withdraw_consent()

    with journey.refuses("consent_not_in_force"):
        journey.withdraw_consent()
    with journey.refuses("consent_not_in_force"):
        journey.withdraw_consent(consent_id=uuid4())


def test_sharing_on_consent_needs_consent(journey: Journey) -> None:
    journey.to("registered")

    with journey.refuses("consent_or_lawful_basis_required"):
        journey.share_information(lawful_basis="consent")


def test_sharing_on_consent_needs_consent_covering_that_agency_and_purpose(
    journey: Journey,
) -> None:
    journey.to("registered").give_consent(agencies=("school",), purposes=("plan_delivery",))

    with journey.refuses("consent_or_lawful_basis_required"):
        journey.share_information(with_agency="gp", purpose="plan_delivery")
    with journey.refuses("consent_or_lawful_basis_required"):
        journey.share_information(with_agency="school", purpose="assessment")


def test_withdrawn_consent_no_longer_covers_sharing(journey: Journey) -> None:
    journey.to("registered").give_consent(agencies=("school",), purposes=("plan_delivery",))
    journey.withdraw_consent()

    with journey.refuses("consent_or_lawful_basis_required"):
        journey.share_information(with_agency="school", purpose="plan_delivery")


def test_sharing_says_what_was_shared(journey: Journey) -> None:
    journey.to("registered")

    with journey.rejects("categories"):
        journey.share_information(categories=(), lawful_basis="public_task")


# -- outcome evidence ---------------------------------------------------------------------------


def test_an_evidence_period_ends_after_it_starts(journey: Journey) -> None:
    journey.to("registered")

    with journey.refuses("period_order"):
        journey.evidence_outcome(period_start=date(2025, 3, 1), period_end=date(2025, 2, 28))


def test_an_evidence_period_does_not_end_in_the_future(journey: Journey) -> None:
    journey.to("registered")

    with journey.refuses("period_order"):
        journey.evidence_outcome(
            period_start=date(2025, 5, 1), period_end=NOW.date() + timedelta(days=1)
        )


# -- corrections and retractions ----------------------------------------------------------------


def test_a_correction_targets_an_entry_of_this_family(journey: Journey) -> None:
    other = Journey(journey.app, journey.clock).to("registered")
    elsewhere = other.record_contact()
    journey.to("registered")

    with journey.refuses("entry_not_found"):
        journey.correct_entry(target_entry_id=elsewhere.ids["entry_id"])
    with journey.refuses("entry_not_found"):
        journey.retract_entry(target_entry_id=uuid4())


def test_a_retracted_entry_cannot_be_corrected_or_retracted_again(journey: Journey) -> None:
    journey.to("registered")
    contact = journey.record_contact()
    journey.retract_entry(target_entry_id=contact.ids["entry_id"])

    with journey.refuses("entry_retracted"):
        journey.correct_entry(target_entry_id=contact.ids["entry_id"])
    with journey.refuses("entry_retracted"):
        journey.retract_entry(target_entry_id=contact.ids["entry_id"], reason="duplicate")


def test_only_some_entries_can_be_retracted(journey: Journey) -> None:
    journey.to("planned")

    with journey.refuses("not_retractable"):
        journey.retract_entry(target_entry_id=journey.ids["entry_id"])  # the plan


def test_only_listed_fields_can_be_corrected(journey: Journey) -> None:
    journey.to("episode_open")

    with journey.refuses("field_not_correctable") as caught:
        journey.correct_entry(
            target_entry_id=journey.ids["entry_id"],  # the request for support
            changes=(FieldChange("episode_id", str(uuid4())),),
        )

    assert "correctable: occurred_at, source" in caught.value.detail


def test_a_members_details_are_corrected_on_the_entry_that_added_them(journey: Journey) -> None:
    journey.to("registered")
    newborn = journey.add_member()

    with journey.refuses("field_not_correctable"):
        journey.correct_entry(
            target_entry_id=journey.ids["registration"],
            member_id=newborn.ids["member_id"],
            changes=(),
            personal=PersonalData(given_name="Barney"),
        )


def test_notes_are_corrected_only_on_entries_with_notes(journey: Journey) -> None:
    journey.to("registered").give_consent()

    with journey.refuses("field_not_correctable"):
        journey.correct_entry(target_entry_id=journey.ids["entry_id"], changes=(), personal=NOTES)


def test_a_correction_changes_something(journey: Journey) -> None:
    journey.to("registered")
    contact = journey.record_contact()

    with journey.refuses("correction_unchanged"):
        journey.correct_entry(target_entry_id=contact.ids["entry_id"], changes=())


@pytest.mark.parametrize(
    ("field", "value"),
    [("occurred_at", "last Tuesday"), ("value", "ninety"), ("period_end", "2025-02-30")],
)
def test_a_corrected_value_must_parse(journey: Journey, field: str, value: str) -> None:
    journey.to("registered")
    evidence = journey.evidence_outcome()

    with journey.rejects(f"changes.{field}"):
        journey.correct_entry(
            target_entry_id=evidence.ids["entry_id"], changes=(FieldChange(field, value),)
        )


# -- unknown codes ----------------------------------------------------------------------------

# (stage, the command with one unknown code, the field named, the code list it is checked on)
UNKNOWN_CODES: list[tuple[str, Callable[[Journey], Any], str, str]] = [
    ("", lambda j: j.register(area="medway_towns"), "area", "area"),
    (
        "",
        lambda j: j.register(members=(("child", False, CHILD), ("lodger", False, PARENT))),
        "members.relationship",
        "relationship",
    ),
    ("registered", lambda j: j.remove_member(reason="fell_out"), "reason", "member_left_reason"),
    ("registered", lambda j: j.record_contact(agency="nasa"), "agency", "agency"),
    ("registered", lambda j: j.record_contact(channel="pigeon"), "channel", "contact_channel"),
    ("registered", lambda j: j.record_contact(reason="gossip"), "reason", "contact_reason"),
    ("registered", lambda j: j.request_support(source="5E"), "source", "referral_source"),
    ("registered", lambda j: j.give_consent(agencies=("school", "mi5")), "agencies", "agency"),
    (
        "registered",
        lambda j: j.give_consent(purposes=("marketing",)),
        "purposes",
        "sharing_purpose",
    ),
    (
        "registered",
        lambda j: j.share_information(categories=("diary",)),
        "categories",
        "information_category",
    ),
    (
        "registered",
        lambda j: j.share_information(lawful_basis="hunch"),
        "lawful_basis",
        "lawful_basis",
    ),
    (
        "support_agreed",
        lambda j: j.assign_lead_practitioner(agency="parish_council"),
        "agency",
        "agency",
    ),
    (
        "assessment_started",
        lambda j: j.complete_assessment(level_of_need="urgent"),
        "level_of_need",
        "level_of_need",
    ),
    (
        "assessment_started",
        lambda j: j.complete_assessment(needs=("happiness",)),
        "needs",
        "headline_outcome",
    ),
    (
        "assessment_started",
        lambda j: j.complete_assessment(factors=("25A",)),
        "factors",
        "assessment_factor",
    ),
    (
        "assessed",
        lambda j: j.agree_plan(outcomes=(NewOutcome("world_peace", date(2025, 9, 1)),), actions=()),
        "outcomes.headline_outcome",
        "headline_outcome",
    ),
    ("planned", lambda j: j.hold_review(decision="wait_and_see"), "decision", "review_decision"),
    (
        "planned",
        lambda j: j.hold_review(progress=(OutcomeProgress(j.outcome_ids()[0], "meh"),)),
        "progress.rating",
        "progress_rating",
    ),
    ("planned", lambda j: j.raise_escalation(to_service="ofsted"), "to_service", "agency"),
    ("planned", lambda j: j.raise_escalation(reason="bad_feeling"), "reason", "escalation_reason"),
    ("planned", lambda j: j.close_episode(reason="bored"), "reason", "closure_reason"),
    (
        "planned",
        lambda j: j.close_episode(
            outcome_statuses=tuple(OutcomeStatus(o, "done") for o in j.outcome_ids())
        ),
        "outcome_statuses.status",
        "outcome_status",
    ),
    ("registered", lambda j: j.step_down(reason="RC8"), "reason", "step_down_reason"),
    (
        "registered",
        lambda j: j.evidence_outcome(measure="vibes", value=Decimal(1)),
        "measure",
        "evidence_measure",
    ),
    ("registered", lambda j: j.evidence_outcome(source="rumour"), "source", "evidence_source"),
    (
        "registered",
        lambda j: j.correct_entry(target_entry_id=j.ids["registration"], reason="whim"),
        "reason",
        "correction_reason",
    ),
    (
        "registered",
        lambda j: j.correct_entry(
            target_entry_id=j.ids["registration"], changes=(FieldChange("area", "atlantis"),)
        ),
        "changes.area",
        "area",
    ),
]


@pytest.mark.parametrize(
    ("stage", "command", "field", "list_name"),
    UNKNOWN_CODES,
    ids=[f"{field}-{list_name}" for _, _, field, list_name in UNKNOWN_CODES],
)
def test_an_unknown_code_is_refused_with_the_valid_codes(
    journey: Journey, stage: str, command: Callable[[Journey], Any], field: str, list_name: str
) -> None:
    if stage:
        journey.to(stage)

    with journey.rejects(field, UnknownCodeError) as caught:
        command(journey)

    valid = journey.app.codes.codes(list_name)
    assert isinstance(caught.value, UnknownCodeError)
    assert caught.value.valid == valid
    assert f"valid codes: {', '.join(valid)}" in caught.value.detail


def test_an_escalation_response_is_a_code(journey: Journey) -> None:
    journey.to("planned").raise_escalation()

    with journey.rejects("response", UnknownCodeError) as caught:
        journey.respond_to_escalation(response="maybe")

    assert isinstance(caught.value, UnknownCodeError)
    assert caught.value.valid == ("accepted", "declined")


def test_an_invalid_value_is_not_an_unknown_code(journey: Journey) -> None:
    journey.to("support_agreed")

    with journey.rejects("practitioner_id") as caught:
        journey.assign_lead_practitioner(practitioner_id="  ")

    assert type(caught.value) is InvalidValueError
