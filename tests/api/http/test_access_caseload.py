"""Practitioners are limited to their caseload (issue 9, defect 1): the family they lead,
the families they led within the grace period (read only), and those whose team around
the family includes their agency (only what that agency may see). Every route of a family
follows the same rule (domain.access)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import pytest
from fastapi.testclient import TestClient

from api.common.deps import caseload_of
from infra.bootstrap import Journeys
from infra.tokens import Identity
from tests.support.api import Auth
from tests.support.walk import Walk, at

SCHOOL_NOTES = "School rang: attendance 61%."
HEALTH_NOTES = "Substance misuse service: relapse reported."


def led_family(client: TestClient, auth: Auth, lead: str, *, area: str = "strood") -> Walk:
    """A family registered, referred, taken on, led by `lead`; a school contact and a
    substance-misuse service contact with notes."""
    walk = Walk(client, auth)
    registered = walk.post(
        "",
        {
            "occurred_at": at("01-06"),
            "area": area,
            "members": [{"relationship": "child", "given_name": "Ada", "family_name": "Stone"}],
        },
        event="Registered",
        role="practitioner",
    )
    walk.family_id = registered["family_id"]
    walk.post("/requests-for-support", {"occurred_at": at("01-08"), "source": "5D"}, event="")
    walk.post("/support-decisions", {"occurred_at": at("01-09"), "decision": "agreed"}, event="")
    walk.post(
        "/lead-practitioner",
        {"occurred_at": at("01-09", "12:00"), "practitioner_id": lead, "agency": "early_help"},
        event="",
    )
    for agency, notes in (("school", SCHOOL_NOTES), ("substance_misuse", HEALTH_NOTES)):
        walk.post(
            "/contacts",
            {
                "occurred_at": at("01-10"),
                "agency": agency,
                "channel": "phone",
                "reason": "concern",
                "notes": notes,
            },
            event="ContactRecorded",
            role="practitioner",
            agency=agency,
            user_id=f"{agency}-worker",
        )
    return walk


def events(client: TestClient, headers: dict[str, str], walk: Walk) -> Any:
    return client.get(
        f"/families/{walk.family_id}/events",
        params={"min_position": walk.positions[-1]},
        headers=headers,
    )


def test_a_police_practitioner_with_no_part_sees_no_family(
    client: TestClient, auth: Auth, journeys: Journeys
) -> None:
    walk = led_family(client, auth, "lp-a")
    police = auth("practitioner", "police", user_id="pc-1")

    answer = events(client, police, walk)

    assert answer.status_code == 403
    assert "not in your caseload" in answer.json()["detail"]
    assert "Ada" not in answer.text
    assert HEALTH_NOTES not in answer.text
    identity = Identity("pc-1", "practitioner", "police")
    assert caseload_of(journeys, identity, datetime.now(UTC)) == frozenset()
    refused = journeys.access_log.page(UUID(walk.family_id), user_id="pc-1", limit=10).items
    assert [entry.outcome for entry in refused] == ["refused"]


def test_a_lead_practitioner_reads_the_family_they_lead_and_not_another(
    client: TestClient, auth: Auth, journeys: Journeys
) -> None:
    family_a = led_family(client, auth, "lp-a")
    family_b = led_family(client, auth, "lp-b")
    lead_a = auth("lead_practitioner", user_id="lp-a")

    theirs = events(client, lead_a, family_a)
    other = events(client, lead_a, family_b)

    assert theirs.status_code == 200
    assert HEALTH_NOTES in theirs.text
    assert "Ada" in theirs.text
    assert other.status_code == 403
    assert "Ada" not in other.text
    for path in ("timeline", "journey", "journey.svg"):
        assert (
            client.get(f"/families/{family_b.family_id}/{path}", headers=lead_a).status_code == 403
        )
    identity = Identity("lp-a", "lead_practitioner", "early_help")
    assert caseload_of(journeys, identity, datetime.now(UTC)) == frozenset(
        {UUID(family_a.family_id)}
    )


def test_a_practitioner_of_the_lead_role_or_not_records_only_where_they_lead(
    client: TestClient, auth: Auth
) -> None:
    walk = led_family(client, auth, "lp-a")
    url = f"/families/{walk.family_id}/assessments"

    stranger = client.post(url, json={"occurred_at": at("01-13")}, headers=auth("practitioner"))
    lead = client.post(
        url, json={"occurred_at": at("01-13")}, headers=auth("practitioner", user_id="lp-a")
    )

    assert stranger.status_code == 403
    assert "contact" in stranger.json()["detail"]  # what they may still do
    assert lead.status_code == 201


def test_a_former_lead_reads_but_cannot_write_within_the_grace_period_then_not_at_all(
    client: TestClient, auth: Auth, journeys: Journeys
) -> None:
    walk = led_family(client, auth, "lp-a")
    walk.post(
        "/lead-practitioner",
        {"occurred_at": at("02-01"), "practitioner_id": "lp-b", "agency": "early_help"},
        event="",
    )
    former = auth("lead_practitioner", user_id="lp-a")
    url = f"/families/{walk.family_id}/assessments"

    journeys.app.clock = lambda: datetime(2025, 4, 1, tzinfo=UTC)  # 59 days after handover
    within = events(client, former, walk)
    write = client.post(url, json={"occurred_at": at("02-02")}, headers=former)
    timeline = client.get(f"/families/{walk.family_id}/timeline", headers=former)
    journeys.app.clock = lambda: datetime(2025, 5, 3, tzinfo=UTC)  # 90 days and a bit
    after = events(client, former, walk)

    assert within.status_code == timeline.status_code == 200
    assert "Ada" in within.text
    assert write.status_code == 403
    assert "read only" in write.json()["detail"]
    assert after.status_code == 403


def test_a_closure_ends_the_lead_and_its_grace_period_counts_from_there(
    client: TestClient, auth: Auth, journeys: Journeys
) -> None:
    walk = led_family(client, auth, "lp-a")
    walk.post("/closures", {"occurred_at": at("02-01"), "reason": "no_further_action"}, event="")
    lead = auth("lead_practitioner", user_id="lp-a")

    journeys.app.clock = lambda: datetime(2025, 4, 1, tzinfo=UTC)
    within = events(client, lead, walk)
    journeys.app.clock = lambda: datetime(2025, 6, 1, tzinfo=UTC)
    after = events(client, lead, walk)

    assert (within.status_code, after.status_code) == (200, 403)


@pytest.mark.parametrize("role", ["practitioner", "lead_practitioner"])
def test_an_agency_owning_a_plan_action_sees_only_its_agency_s_entries(
    client: TestClient, auth: Auth, role: str
) -> None:
    walk = led_family(client, auth, "lp-a")
    assessment = walk.post("/assessments", {"occurred_at": at("01-13")}, event="")
    walk.post(
        f"/assessments/{assessment['assessment_id']}/completion",
        {"occurred_at": at("01-20"), "level_of_need": "universal_plus"},
        event="",
    )
    walk.post(
        "/plans",
        {
            "occurred_at": at("01-27"),
            "outcomes": [{"headline_outcome": "good_education", "target_date": "2025-07-01"}],
            "actions": [{"outcome": 0, "owner_agency": "school", "due_date": "2025-02-28"}],
        },
        event="PlanAgreed",
    )
    teacher = auth(role, "school", user_id="teacher-1")

    answer = events(client, teacher, walk)
    whole = client.get(f"/families/{walk.family_id}/journey", headers=teacher)
    timeline = client.get(f"/families/{walk.family_id}/timeline", headers=teacher)

    assert answer.status_code == 200, answer.text
    items = answer.json()["items"]
    assert [item["type"] for item in items] == ["ContactRecorded"]
    assert items[0]["data"]["agency"] == "school"
    # Contact details are not covered: no personal data, not even the agency's own notes.
    assert SCHOOL_NOTES not in answer.text
    assert "Ada" not in answer.text
    assert HEALTH_NOTES not in answer.text
    assert timeline.status_code == 200
    assert [e["type"] for e in timeline.json()["entries"]] == ["ContactRecorded"]
    assert whole.status_code == 403  # the whole journey is not the agency's to see


def test_a_consent_covering_the_agency_shows_what_it_covers_with_contact_details(
    client: TestClient, auth: Auth
) -> None:
    walk = led_family(client, auth, "lp-a")
    registered = client.get(
        f"/families/{walk.family_id}/events", headers=auth("qa_officer")
    ).json()["items"][0]
    member = registered["data"]["members"][0]["member_id"]
    walk.post(
        "/consents",
        {
            "occurred_at": at("01-11"),
            "given_by": member,
            "agencies": ["school"],
            "purposes": ["coordinating_support"],
        },
        event="ConsentGiven",
    )
    teacher = auth("practitioner", "school", user_id="teacher-1")

    answer = events(client, teacher, walk)
    partner = client.get(
        f"/families/{walk.family_id}/shared-view", headers=auth("partner", "school")
    ).json()

    assert answer.status_code == 200
    assert "Ada" in answer.text
    assert SCHOOL_NOTES in answer.text
    # Exactly what the agency's shared view shows, no more.
    shown = [item["data"]["entry_id"] for item in answer.json()["items"]]
    assert sorted(shown) == sorted(entry["entry_id"] for entry in partner["entries"])
