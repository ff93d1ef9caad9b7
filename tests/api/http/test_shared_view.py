"""GET /families/{family_id}/shared-view: a partner agency sees of a family only its own
entries, what a sharing consent in force covers and what was shared with it on a lawful
basis, each entry saying why; a withdrawal of consent is honoured by the very next read;
a QA officer previews any agency's view; no one else reads it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from uuid import uuid4

import pytest
from fastapi.testclient import TestClient

from infra.bootstrap import Journeys
from tests.support.api import Auth
from tests.support.walk import Walk, at

SCHOOL_NOTES = "The attendance officer rang: two days missed this week"
POLICE_NOTES = "Officer attended after a neighbour reported shouting late at night"
NAMES = ("Ada", "Thistlewood", "Larkfield Close", "2015-03-01")


@dataclass
class Story:
    family_id: str
    registration: str
    school_contact: str
    police_contact: str
    consent_id: str
    position: int


@pytest.fixture
def story(client: TestClient, auth: Auth) -> Story:
    """A family registered by early help; a school's and a police contact, each with notes;
    an episode with a lead; the family's consent to share with the school for coordinating
    support."""
    walk = Walk(client, auth)
    family = walk.post(
        "",
        {
            "occurred_at": at("01-06"),
            "area": "chatham",
            "members": [
                {"relationship": "child", "given_name": "Ada", "date_of_birth": "2015-03-01"},
                {
                    "relationship": "parent_carer",
                    "given_name": "Bea",
                    "family_name": "Thistlewood",
                    "address": "3 Larkfield Close, Chatham",
                },
            ],
        },
        event="Registered",
        role="practitioner",
    )
    walk.family_id = family["family_id"]
    contact = {"channel": "phone", "reason": "concern"}
    school = walk.post(
        "/contacts",
        {"occurred_at": at("01-07"), "agency": "school", "notes": SCHOOL_NOTES, **contact},
        event="ContactRecorded",
        role="practitioner",
        agency="school",
    )
    police = walk.post(
        "/contacts",
        {"occurred_at": at("01-08"), "agency": "police", "notes": POLICE_NOTES, **contact},
        event="ContactRecorded",
        role="practitioner",
        agency="police",
    )
    walk.post("/requests-for-support", {"occurred_at": at("01-09"), "source": "3A"}, event="")
    walk.post("/support-decisions", {"occurred_at": at("01-10"), "decision": "agreed"}, event="")
    walk.post(
        "/lead-practitioner",
        {"occurred_at": at("01-10", "12:00"), "practitioner_id": "lp-3", "agency": "early_help"},
        event="",
    )
    consent = walk.post(
        "/consents",
        {
            "occurred_at": at("01-11"),
            "given_by": family["member_id_1"],
            "agencies": ["school"],
            "purposes": ["coordinating_support"],
        },
        event="ConsentGiven",
    )
    return Story(
        family_id=family["family_id"],
        registration=family["entry_id"],
        school_contact=school["entry_id"],
        police_contact=police["entry_id"],
        consent_id=consent["consent_id"],
        position=walk.positions[-1],
    )


def shared_view(client: TestClient, headers: dict[str, str], family_id: str, **params: Any) -> Any:
    return client.get(f"/families/{family_id}/shared-view", params=params, headers=headers)


def share_with_police(client: TestClient, auth: Auth, story: Story, category: str) -> Any:
    """Information of one category shared with the police, for safeguarding."""
    sharing = client.post(
        f"/families/{story.family_id}/information-sharing",
        json={
            "occurred_at": at("01-12"),
            "with_agency": "police",
            "categories": [category],
            "purpose": "safeguarding",
            "lawful_basis": "safeguarding",
        },
        headers=auth("lead_practitioner", user_id="lp-3"),  # the family's current lead
    )
    assert sharing.status_code == 201, sharing.text
    return sharing


def seen(answer: Any) -> dict[str, dict[str, Any]]:
    """Entry id -> the entry, of a 200 answer."""
    assert answer.status_code == 200, answer.text
    return {entry["entry_id"]: entry for entry in answer.json()["entries"]}


def test_a_partner_sees_its_own_entries_and_what_the_consent_covers(
    client: TestClient, auth: Auth, story: Story
) -> None:
    school = shared_view(client, auth("partner", "school"), story.family_id)
    police = shared_view(client, auth("partner", "police"), story.family_id)

    entries = seen(school)
    assert school.json()["agency"] == "school"
    assert school.json()["position"] >= story.position
    assert entries[story.school_contact]["visible_because"]["basis"] == "own"
    assert entries[story.school_contact]["personal"]["notes"] == SCHOOL_NOTES
    by_consent = {"basis": "consent", "consent_id": story.consent_id}
    for entry_id in (story.registration, story.police_contact):
        assert {k: v for k, v in entries[entry_id]["visible_because"].items() if v} == by_consent
    # Covered for coordinating support: the family's details and the police's notes.
    members = entries[story.registration]["personal"]["members"]
    assert {m.get("given_name") for m in members.values()} == {"Ada", "Bea"}
    assert entries[story.police_contact]["personal"]["notes"] == POLICE_NOTES

    # The police have no consent: their own contact only, and no one's names.
    assert list(seen(police)) == [story.police_contact]
    assert not any(name in police.text for name in (*NAMES, SCHOOL_NOTES))


def test_a_partner_may_name_its_own_agency_but_not_another(
    client: TestClient, auth: Auth, story: Story
) -> None:
    own = shared_view(client, auth("partner", "police"), story.family_id, agency="police")
    other = shared_view(client, auth("partner", "police"), story.family_id, agency="school")

    assert list(seen(own)) == [story.police_contact]
    assert other.status_code == 403
    assert other.json()["error"] == "forbidden"
    assert SCHOOL_NOTES not in other.text


def test_an_unknown_family_is_not_found(client: TestClient, auth: Auth) -> None:
    unknown = str(uuid4())

    answers = [
        shared_view(client, auth("partner", "school"), unknown),
        shared_view(client, auth("qa_officer"), unknown, agency="school"),
    ]

    assert [a.status_code for a in answers] == [404, 404]
    assert {a.json()["error"] for a in answers} == {"not_found"}


def test_a_withdrawal_hides_at_once_what_only_the_consent_showed(
    client: TestClient, auth: Auth, story: Story
) -> None:
    headers = auth("partner", "school")
    assert story.police_contact in seen(shared_view(client, headers, story.family_id))

    withdrawal = client.post(
        f"/families/{story.family_id}/consents/{story.consent_id}/withdrawal",
        json={"occurred_at": at("01-12")},
        headers=auth("lead_practitioner", user_id="lp-3"),
    )
    assert withdrawal.status_code == 201, withdrawal.text
    after = shared_view(client, headers, story.family_id)  # no min_position asked for

    assert list(seen(after)) == [story.school_contact]
    assert after.json()["position"] >= withdrawal.json()["position"]
    assert not any(name in after.text for name in (*NAMES, POLICE_NOTES))


def test_a_view_behind_the_store_is_not_read_stale_but_answers_504(
    client: TestClient, journeys: Journeys, auth: Auth, story: Story
) -> None:
    journeys.runner.stop()  # the views stand still from here on
    withdrawal = client.post(
        f"/families/{story.family_id}/consents/{story.consent_id}/withdrawal",
        json={"occurred_at": at("01-12")},
        headers=auth("lead_practitioner", user_id="lp-3"),
    )
    assert withdrawal.status_code == 201, withdrawal.text

    stale = shared_view(client, auth("partner", "school"), story.family_id, wait_seconds=0.2)

    assert stale.status_code == 504
    assert stale.json()["error"] == "view_not_ready"
    assert POLICE_NOTES not in stale.text
    journeys.runner.start()
    assert list(seen(shared_view(client, auth("partner", "school"), story.family_id))) == [
        story.school_contact
    ]


def test_what_was_shared_on_a_lawful_basis_shows_with_its_basis(
    client: TestClient, auth: Auth, story: Story
) -> None:
    sharing = share_with_police(client, auth, story, "contact_details")

    entries = seen(shared_view(client, auth("partner", "police"), story.family_id))

    shared = {
        "basis": "shared",
        "entry_id": sharing.json()["entry_id"],
        "lawful_basis": "safeguarding",
        "consent_id": None,
    }
    assert entries[story.registration]["visible_because"] == shared
    assert entries[sharing.json()["entry_id"]]["visible_because"] == shared
    names = entries[story.registration]["personal"]["members"]
    assert {m.get("family_name") for m in names.values()} == {None, "Thistlewood"}
    assert set(entries) == {story.registration, story.police_contact, sharing.json()["entry_id"]}


def test_a_qa_officer_previews_any_agency_s_view_and_must_name_it(
    client: TestClient, auth: Auth, story: Story
) -> None:
    preview = shared_view(client, auth("qa_officer"), story.family_id, agency="school")
    partner = shared_view(client, auth("partner", "school"), story.family_id)
    unnamed = shared_view(client, auth("qa_officer"), story.family_id)
    unknown = shared_view(client, auth("qa_officer"), story.family_id, agency="narnia")

    assert preview.json()["agency"] == "school"
    assert preview.json()["entries"] == partner.json()["entries"]
    assert [unnamed.status_code, unknown.status_code] == [422, 422]
    assert unnamed.json()["field"] == unknown.json()["field"] == "agency"


@pytest.mark.parametrize("role", ["researcher", "practitioner", "lead_practitioner", "admin"])
def test_other_roles_may_not_read_a_shared_view(
    client: TestClient, auth: Auth, story: Story, role: str
) -> None:
    answer = shared_view(client, auth(role, "school"), story.family_id, agency="school")

    assert answer.status_code == 403
    assert answer.json()["error"] == "forbidden"
    assert SCHOOL_NOTES not in answer.text


def logged(client: TestClient, auth: Auth, story: Story, user_id: str) -> list[Any]:
    """(what, outcome, detail) of each read of the family by `user_id`, in order."""
    log = client.get(f"/families/{story.family_id}/access-log", headers=auth("qa_officer"))
    assert log.status_code == 200, log.text
    return [
        (item["what"], item["outcome"], item["detail"])
        for item in reversed(log.json()["items"])
        if item["user_id"] == user_id
    ]


def test_reads_and_a_refused_attempt_at_another_agency_s_view_are_in_the_access_log(
    client: TestClient, auth: Auth, story: Story
) -> None:
    headers = auth("partner", "police", user_id="pc-41")
    shared_view(client, headers, story.family_id)
    shared_view(client, headers, story.family_id, agency="school")

    assert logged(client, auth, story, "pc-41") == [
        ("shared view", "read", {}),
        ("shared view", "refused", {"agency": "school"}),
    ]


@pytest.mark.parametrize(
    ("category", "not_shared"),
    [("assessment", {"SupportRequested"}), ("plan", {"SupportAgreed", "LeadPractitionerAssigned"})],
)
def test_sharing_a_category_shares_only_the_entries_it_names(
    client: TestClient, auth: Auth, story: Story, category: str, not_shared: set[str]
) -> None:
    sharing = share_with_police(client, auth, story, category)

    entries = seen(shared_view(client, auth("partner", "police"), story.family_id))

    assert not {entry["type"] for entry in entries.values()} & not_shared
    assert set(entries) == {story.police_contact, sharing.json()["entry_id"]}


def shared_families(client: TestClient, headers: dict[str, str], **params: Any) -> Any:
    return client.get("/shared-families", params=params, headers=headers)


def test_the_families_an_agency_sees_something_of_with_what_why_and_since_when(
    client: TestClient, auth: Auth, story: Story
) -> None:
    school = shared_families(client, auth("partner", "school"))
    gp = shared_families(client, auth("partner", "gp"))

    assert school.status_code == 200, school.text
    [family] = school.json()["items"]
    assert family["family_id"] == story.family_id
    assert family["area"] == "chatham"
    # Its own contact, and what the consent for coordinating support covers.
    assert family["bases"] == ["consent", "own"]
    assert {"contact_details", "police", "education"} <= set(family["categories"])
    assert family["since"]["occurred_at"].startswith(at("01-07")[:10])
    assert school.json()["next"] is None
    assert gp.json() == {"agency": "gp", "items": [], "next": None}
    assert not any(name in school.text for name in (*NAMES, SCHOOL_NOTES))


def test_the_families_list_is_paged_and_a_qa_officer_names_the_agency(
    client: TestClient, auth: Auth, story: Story
) -> None:
    other = Walk(client, auth)
    registered = other.post(
        "",
        {"occurred_at": at("01-06"), "area": "strood", "members": [{"relationship": "child"}]},
        event="Registered",
        role="practitioner",
        agency="school",
    )
    qa = auth("qa_officer")

    first = shared_families(client, qa, agency="school", limit=1)
    second = shared_families(client, qa, agency="school", limit=1, after=first.json()["next"])

    assert first.status_code == second.status_code == 200
    listed = [item["family_id"] for item in first.json()["items"] + second.json()["items"]]
    assert sorted(listed) == sorted([story.family_id, registered["family_id"]])
    assert second.json()["next"] is None
    assert shared_families(client, qa).status_code == 422
    refused = shared_families(client, auth("partner", "police"), agency="school")
    assert refused.status_code == 403


def test_the_shared_view_page_is_logged_as_the_shared_view_is(
    client: TestClient, auth: Auth, story: Story
) -> None:
    headers = auth("partner", "police", user_id="pc-42")
    page = client.get(f"/web/families/{story.family_id}/shared", headers=headers)
    other = client.get(f"/web/families/{story.family_id}/shared?agency=school", headers=headers)

    school = client.get(
        f"/web/families/{story.family_id}/shared", headers=auth("partner", "school")
    )

    assert page.status_code == 200
    assert POLICE_NOTES in page.text
    assert "recorded by your agency" in page.text
    # The school sees the police's contact under the family's consent, given on 11 January.
    assert POLICE_NOTES in school.text
    assert "consent given 11 January 2025 (occurred)" in school.text
    assert "Ada, born 1 March 2015" in school.text  # contact details, under the consent
    assert not any(name in page.text for name in NAMES)  # the police have none of them
    assert other.status_code == 403
    assert SCHOOL_NOTES not in page.text + other.text
    assert logged(client, auth, story, "pc-42") == [
        ("shared view page", "read", {}),
        ("shared view page", "refused", {"agency": "school"}),
    ]
