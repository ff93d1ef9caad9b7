"""The sharing view on hand-made histories, made through the real application service: what a
partner agency sees of a family — its own entries, what a consent in force covers, what was
shared with it on a lawful basis — and why, at each point of the record."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any
from uuid import UUID

import pytest

from domain.codes import load as load_codes
from domain.disclosure import ABOUT_ANOTHER, CONTACT_CATEGORIES, ENTRY_TYPES
from domain.family import Family
from domain.values import Actor
from projections.base import Doc, replay
from projections.sharing import SharingProjection, families_shared_with, shared_view
from projections.timeline import TimelineProjection, timeline
from tests.support.journey import (
    CHILD,
    NOTES,
    PARENT,
    SOCIAL_CARE,
    Journey,
    every_kind_of_entry,
    new_journey,
)

SCHOOL_PRACTITIONER = Actor(user_id="u-school-2", role="practitioner", agency="school")
OWN = {"basis": "own"}


def view(journey: Journey, *, events: int | None = None) -> Doc:
    """The family's sharing document after its first `events` events (all when None)."""
    assert journey.family_id is not None
    stream = journey.app.family_events(journey.family_id)
    doc: Doc = replay(SharingProjection(), stream[:events]).docs[str(journey.family_id)]
    return doc


def seen(doc: Doc, agency: str) -> dict[str, Doc]:
    """Entry id -> why `agency` sees it."""
    return {entry["entry_id"]: entry["visible_because"] for entry in shared_view(doc, agency)}


def entry_id(journey: Journey, result: Any) -> str:
    return str(result.ids["entry_id"])


def consent(consent_id: UUID) -> Doc:
    return {"basis": "consent", "consent_id": str(consent_id)}


def shared(sharing_entry_id: str, lawful_basis: str) -> Doc:
    return {"basis": "shared", "entry_id": sharing_entry_id, "lawful_basis": lawful_basis}


def ids_of(journey: Journey, *types: str) -> list[str]:
    """The entry ids of the family's entries of these types, in recorded order."""
    assert journey.family_id is not None
    return [
        str(event.entry_id)  # type: ignore[attr-defined]
        for event in journey.app.family_events(journey.family_id)
        if type(event).__name__ in types
    ]


def test_an_agency_sees_its_own_entries_and_no_one_elses_without_consent_or_sharing() -> None:
    j = new_journey()
    j.to("lead_assigned")
    school = j.record_contact(agency="school")
    police = j.record_contact(agency="police", reason="incident")
    by_school = j.record_contact(agency="school", actor=SCHOOL_PRACTITIONER)
    doc = view(j)

    assert seen(doc, "school") == {entry_id(j, school): OWN, entry_id(j, by_school): OWN}
    assert seen(doc, "police") == {entry_id(j, police): OWN}
    assert seen(doc, "gp") == {}
    # The early help service recorded the rest, but not the contacts of the other agencies.
    assert set(seen(doc, "early_help")) == set(
        ids_of(j, "Registered", "SupportRequested", "SupportAgreed", "LeadPractitionerAssigned")
    )


def test_a_consent_in_force_shows_its_agencies_the_entries_of_its_purposes() -> None:
    j = new_journey()
    j.to("planned")
    police = j.record_contact(agency="police", reason="incident")
    given = j.give_consent(agencies=("school",), purposes=("coordinating_support", "plan_delivery"))
    doc = view(j)

    by_consent = consent(given.ids["consent_id"])
    coordinating = ids_of(
        j,
        "Registered",
        "SupportRequested",
        "SupportAgreed",
        "LeadPractitionerAssigned",
        "ConsentGiven",
    )
    expected = dict.fromkeys([*coordinating, entry_id(j, police), *ids_of(j, "PlanAgreed")])
    assert seen(doc, "school") == dict.fromkeys(expected, by_consent)
    # The assessment is for another purpose; the consent names no other agency.
    assert not set(seen(doc, "school")) & set(ids_of(j, "AssessmentStarted", "AssessmentCompleted"))
    assert seen(doc, "health_visiting") == {}
    assert seen(doc, "police") == {entry_id(j, police): OWN}


def test_a_withdrawal_hides_at_once_what_only_the_consent_showed() -> None:
    j = new_journey()
    j.to("planned")
    own = j.record_contact(agency="school")
    j.give_consent(agencies=("school",), purposes=("coordinating_support", "plan_delivery"))
    j.withdraw_consent()
    before, after = view(j, events=-1), view(j)

    assert set(ids_of(j, "PlanAgreed", "Registered")) < set(seen(before, "school"))
    assert seen(after, "school") == {entry_id(j, own): OWN}

    # A consent given again shows the earlier entries again, under the new consent.
    again = j.give_consent(agencies=("school", "gp"), purposes=("plan_delivery",))
    assert seen(view(j), "school") == {
        entry_id(j, own): OWN,
        **dict.fromkeys(ids_of(j, "PlanAgreed"), consent(again.ids["consent_id"])),
    }


def test_information_shared_on_a_lawful_basis_shows_only_its_categories_recorded_before_it() -> (
    None
):
    j = new_journey()
    j.to("planned")
    j.add_member()
    sharing = j.share_information(
        with_agency="police",
        categories=("plan", "contact_details"),
        purpose="safeguarding",
        lawful_basis="safeguarding",
    )
    j.add_member()
    j.revise_plan()
    doc = view(j)

    s = entry_id(j, sharing)
    registration, first_member, _ = ids_of(j, "Registered", "MemberAdded")
    plan_entries = ids_of(j, "PlanAgreed")  # the plan only: not the support decision or lead
    assert seen(doc, "police") == {
        **dict.fromkeys([registration, first_member, *plan_entries], shared(s, "safeguarding")),
        s: shared(s, "safeguarding"),  # the record of what was shared with it
    }
    # Shared with the police only.
    assert seen(doc, "school") == {}


def test_a_sharing_that_names_an_episode_shows_that_episode_only_but_contact_details() -> None:
    j = new_journey()
    j.to("planned")
    j.hold_review()
    j.close_episode()
    j.request_support()
    j.decide_support()
    j.assign_lead_practitioner()
    j.start_assessment()
    j.complete_assessment()
    j.agree_plan()
    j.hold_review()
    in_second = j.share_information(
        with_agency="police",
        categories=("review", "contact_details"),
        purpose="safeguarding",
        lawful_basis="public_task",
    )
    doc = view(j)

    s = entry_id(j, in_second)
    first_review, second_review = ids_of(j, "ReviewHeld")
    assert doc["sharings"][0]["episode_id"] == str(j.ids["episode_id"])
    assert seen(doc, "police") == {
        ids_of(j, "Registered")[0]: shared(s, "public_task"),
        second_review: shared(s, "public_task"),
        s: shared(s, "public_task"),
    }

    # Shared when no episode is open: every episode's reviews, and the closure.
    j.close_episode()
    outside = j.share_information(
        with_agency="gp", categories=("review",), purpose="safeguarding", lawful_basis="public_task"
    )
    g = entry_id(j, outside)
    closures = ids_of(j, "EpisodeClosed")
    assert seen(view(j), "gp") == dict.fromkeys(
        [first_review, second_review, *closures, g], shared(g, "public_task")
    )


def test_what_was_shared_stays_shared_after_the_consent_is_withdrawn() -> None:
    j = new_journey()
    j.to("planned")
    given = j.give_consent(agencies=("school",), purposes=("coordinating_support", "plan_delivery"))
    sharing = j.share_information(
        with_agency="school", categories=("plan",), purpose="plan_delivery", lawful_basis="consent"
    )
    plan_entries = ids_of(j, "PlanAgreed")
    assert {seen(view(j), "school")[e]["basis"] for e in plan_entries} == {"consent"}

    j.withdraw_consent(consent_id=given.ids["consent_id"])
    s = entry_id(j, sharing)
    assert seen(view(j), "school") == dict.fromkeys([*plan_entries, s], shared(s, "consent"))


def test_a_retracted_sharing_grants_nothing_though_the_agency_still_sees_its_record() -> None:
    j = new_journey()
    j.to("planned")
    sharing = j.share_information(
        with_agency="police",
        categories=("plan",),
        purpose="safeguarding",
        lawful_basis="safeguarding",
    )
    retraction = j.retract_entry(target_entry_id=sharing.ids["entry_id"])
    doc = view(j)

    s = entry_id(j, sharing)
    assert seen(doc, "police") == {
        s: shared(s, "safeguarding"),
        entry_id(j, retraction): shared(s, "safeguarding"),
    }
    [record] = shared_view(doc, "police")[:1]
    assert record["retracted"]["entry_id"] == entry_id(j, retraction)


def test_an_escalation_shows_to_the_service_it_is_addressed_to() -> None:
    j = new_journey()
    j.to("planned")
    escalation = j.raise_escalation()
    response = j.respond_to_escalation(actor=SOCIAL_CARE)
    doc = view(j)

    e = entry_id(j, escalation)
    assert seen(doc, "children_social_care") == {
        e: shared(e, "safeguarding"),
        entry_id(j, response): OWN,
    }
    assert seen(doc, "police") == {}


def test_corrections_follow_the_entry_they_are_about_and_an_own_correction_shows_alone() -> None:
    j = new_journey()
    j.to("planned")
    sharing = j.share_information(
        with_agency="police",
        categories=("plan",),
        purpose="safeguarding",
        lawful_basis="safeguarding",
    )
    [plan] = ids_of(j, "PlanAgreed")
    later = j.correct_entry(target_entry_id=UUID(plan))  # recorded after the sharing
    [assessment] = ids_of(j, "AssessmentCompleted")
    by_school = j.correct_entry(target_entry_id=UUID(assessment), actor=SCHOOL_PRACTITIONER)
    doc = view(j)

    s = entry_id(j, sharing)
    police = seen(doc, "police")
    assert police[entry_id(j, later)] == police[plan] == shared(s, "safeguarding")
    [shown] = [e for e in shared_view(doc, "police") if e["entry_id"] == plan]
    assert [c["entry_id"] for c in shown["corrections"]] == [entry_id(j, later)]
    assert seen(doc, "school") == {entry_id(j, by_school): OWN}


def test_each_visible_entry_is_shown_as_the_timeline_shows_it() -> None:
    j = every_kind_of_entry(new_journey())
    doc = view(j)
    assert j.family_id is not None
    whole = {
        e["entry_id"]: e
        for e in timeline(
            replay(TimelineProjection(), j.app.family_events(j.family_id)).docs[str(j.family_id)]
        )
    }

    for agency in load_codes().codes("agency"):
        entries = shared_view(doc, agency)
        assert [e["entry_id"] for e in entries] == [i for i in whole if i in seen(doc, agency)]
        for entry in entries:
            assert {k: v for k, v in entry.items() if k != "visible_because"} == whole[
                entry["entry_id"]
            ]


def test_the_document_holds_no_personal_data() -> None:
    j = every_kind_of_entry(new_journey())
    text = json.dumps(view(j))

    for details in (CHILD, PARENT, NOTES):
        for value in (details.given_name, details.family_name, details.address, details.notes):
            assert value is None or value not in text
    assert "Zinnia" not in text
    assert str(CHILD.date_of_birth) not in text


def test_every_kind_of_family_entry_is_mapped_once_to_a_category_and_a_purpose_on_the_lists() -> (
    None
):
    codes = load_codes()
    kinds = {
        name
        for name, value in vars(Family).items()
        if isinstance(value, type) and issubclass(value, (Family.Entry, Family.Registered))
    } - {"Entry"}

    # A new kind of entry added to the family without a line in domain.disclosure fails here.
    assert set(ENTRY_TYPES) == kinds
    for kind, rule in ENTRY_TYPES.items():
        assert rule.category is None or rule.category_from is None, kind
        assert rule.purpose is None or rule.purpose_from is None, kind
        assert rule.category in {*codes.codes("information_category"), None}, kind
        assert rule.purpose in {*codes.codes("sharing_purpose"), None}, kind
        assert rule.label, kind
        assert rule.label != kind, kind
    assert {k for k, r in ENTRY_TYPES.items() if r.category_from == "contact_agency"} == {
        "ContactRecorded"
    }
    assert {k for k, r in ENTRY_TYPES.items() if r.purpose_from == "named_purpose"} == {
        "InformationShared"
    }
    assert {"EntryCorrected", "EntryRetracted"} == ABOUT_ANOTHER
    assert set(CONTACT_CATEGORIES.values()) <= {*codes.codes("information_category"), None}
    assert set(CONTACT_CATEGORIES) == set(codes.codes("agency"))
    # Every category holds something: none is a name for nothing.
    held = {r.category for r in ENTRY_TYPES.values()} | set(CONTACT_CATEGORIES.values())
    assert held - {None} == set(codes.codes("information_category"))


def test_the_document_keeps_consents_and_sharings_with_their_times_as_corrected() -> None:
    j = new_journey()
    j.to("support_agreed")
    given = j.give_consent(agencies=("school",), purposes=("coordinating_support",))
    sharing = j.share_information(
        with_agency="school",
        categories=("plan",),
        purpose="plan_delivery",
        lawful_basis="public_task",
    )
    withdrawal = j.withdraw_consent()
    j.correct_entry(target_entry_id=sharing.ids["entry_id"])
    when = j.latest["changes"][0].value
    doc = view(j)

    [kept] = doc["consents"]
    assert kept["consent_id"] == str(given.ids["consent_id"])
    assert (kept["agencies"], kept["purposes"]) == (["school"], ["coordinating_support"])
    assert kept["given"]["entry_id"] == entry_id(j, given)
    assert kept["withdrawn"]["entry_id"] == entry_id(j, withdrawal)
    [shared_record] = doc["sharings"]
    assert shared_record["entry_id"] == entry_id(j, sharing)
    assert (shared_record["with_agency"], shared_record["lawful_basis"]) == (
        "school",
        "public_task",
    )
    assert shared_record["occurred_at"] == datetime.fromisoformat(when).isoformat()
    assert shared_record["retracted"] is False


@pytest.mark.parametrize(
    ("category", "shares"),
    [
        # Not the request for support, with its notes.
        ("assessment", ("AssessmentStarted", "AssessmentCompleted")),
        # Not the support decision, nor the lead practitioner's assignment.
        ("plan", ("PlanAgreed",)),
        ("request_for_support", ("SupportRequested",)),
        ("coordination", ("SupportAgreed", "LeadPractitionerAssigned")),
    ],
)
def test_sharing_a_category_shares_the_entries_it_names_and_no_others(
    category: str, shares: tuple[str, ...]
) -> None:
    j = new_journey()
    j.to("planned")
    sharing = j.share_information(
        with_agency="police",
        categories=(category,),
        purpose="safeguarding",
        lawful_basis="safeguarding",
    )
    doc = view(j)

    s = entry_id(j, sharing)
    assert seen(doc, "police") == dict.fromkeys([*ids_of(j, *shares), s], shared(s, "safeguarding"))


def test_the_families_an_agency_sees_something_of_say_what_why_and_since_when() -> None:
    j = new_journey()
    j.to("planned")
    sharing = j.share_information(
        with_agency="police",
        categories=("plan", "contact_details"),
        purpose="safeguarding",
        lawful_basis="safeguarding",
        occurred_at=datetime.fromisoformat("2025-03-01T09:00:00+00:00"),
    )
    doc = view(j)
    [shared_record] = doc["sharings"]

    assert families_shared_with([("f", doc)], "gp") == []
    assert families_shared_with([("f", doc)], "police") == [
        {
            "family_id": str(j.family_id),
            "area": doc["area"],
            "categories": ["contact_details", "plan"],
            "bases": ["shared"],
            "since": {
                "occurred_at": shared_record["occurred_at"],
                "recorded_at": shared_record["recorded_at"],
            },
        }
    ]
    assert shared_record["entry_id"] == entry_id(j, sharing)
