"""A whole family journey driven through HTTP, as a practitioner's week-by-week record.

Shared by the SQLite and PostgreSQL tests: each step must answer 201 with its ids and a
store position beyond the previous one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import httpx
from fastapi.testclient import TestClient

from tests.support.api import Auth


def at(day: str, time: str = "10:00") -> str:
    return f"2025-{day}T{time}:00Z"


@dataclass
class Walk:
    """Posts commands in order, checking each answer, and keeps the ids it got."""

    client: httpx.Client  # a TestClient, or a client of a served app (tests/browser)
    auth: Auth
    family_id: str = ""
    positions: list[int] = field(default_factory=list)
    types: list[str] = field(default_factory=list)
    lead: str | None = None  # the current lead practitioner, who records (domain.access)

    def post(
        self, path: str, body: dict[str, Any], *, event: str, ids: tuple[str, ...] = (), **who: Any
    ) -> dict[str, Any]:
        headers = self.auth(**(who or {"role": "lead_practitioner", "user_id": self.lead}))
        if path == "/lead-practitioner":
            self.lead = body["practitioner_id"]
        url = f"/families/{self.family_id}{path}" if self.family_id else "/families"
        response = self.client.post(url, json=body, headers=headers)
        assert response.status_code == 201, (path, response.text)
        answer: dict[str, Any] = response.json()
        assert {"family_id", "entry_id", "position", *ids} <= set(answer), (path, answer)
        assert not self.positions or answer["position"] > self.positions[-1], path
        self.positions.append(answer["position"])
        self.types.append(event)
        return answer


def walk_a_journey(client: TestClient, auth: Auth) -> Walk:
    """Register, contact, request support ... step down, evidence, correct and retract."""
    walk = Walk(client, auth)
    family = walk.post(
        "",
        {
            "occurred_at": at("01-06"),
            "area": "strood",
            "members": [
                {"relationship": "child", "given_name": "Ada", "date_of_birth": "2015-03-01"},
                {"relationship": "parent_carer", "given_name": "Bea", "family_name": "Stone"},
            ],
        },
        event="Registered",
        ids=("member_id_0", "member_id_1"),
        role="practitioner",
    )
    walk.family_id = family["family_id"]
    child, parent = family["member_id_0"], family["member_id_1"]
    contact = walk.post(
        "/contacts",
        {
            "occurred_at": at("01-07"),
            "agency": "school",
            "channel": "phone",
            "reason": "concern",
            "member_ids": [child],
            "notes": "School rang about attendance.",
        },
        event="ContactRecorded",
        ids=("contact_id",),
        role="practitioner",
        agency="school",
    )
    walk.post(
        "/requests-for-support",
        {"occurred_at": at("01-08"), "source": "3A"},
        event="SupportRequested",
        ids=("episode_id",),
    )
    walk.post(
        "/support-decisions",
        {"occurred_at": at("01-09"), "decision": "agreed"},
        event="SupportAgreed",
        ids=("episode_id",),
    )
    walk.post(
        "/lead-practitioner",
        {"occurred_at": at("01-09", "12:00"), "practitioner_id": "lp-7", "agency": "early_help"},
        event="LeadPractitionerAssigned",
        ids=("episode_id",),
    )
    consent = walk.post(
        "/consents",
        {
            "occurred_at": at("01-10"),
            "given_by": parent,
            "agencies": ["children_social_care", "school"],
            "purposes": ["escalation", "coordinating_support"],
        },
        event="ConsentGiven",
        ids=("consent_id",),
    )
    walk.post(
        "/information-sharing",
        {
            "occurred_at": at("01-10", "14:00"),
            "with_agency": "school",
            "categories": ["plan"],
            "purpose": "coordinating_support",
            "lawful_basis": "consent",
        },
        event="InformationShared",
        ids=("sharing_id",),
    )
    assessment = walk.post(
        "/assessments",
        {"occurred_at": at("01-13")},
        event="AssessmentStarted",
        ids=("assessment_id",),
    )
    walk.post(
        f"/assessments/{assessment['assessment_id']}/completion",
        {
            "occurred_at": at("01-20"),
            "level_of_need": "partnership_plus",
            "needs": ["good_education"],
            "strengths": ["family_relationships"],
            "factors": ["1A"],
        },
        event="AssessmentCompleted",
    )
    plan = walk.post(
        "/plans",
        {
            "occurred_at": at("01-27"),
            "outcomes": [{"headline_outcome": "good_education", "target_date": "2025-07-01"}],
            "actions": [{"outcome": 0, "owner_agency": "school", "due_date": "2025-02-28"}],
        },
        event="PlanAgreed",
        ids=("plan_id", "outcome_id_0"),
    )
    education = plan["outcome_id_0"]
    revision = walk.post(
        f"/plans/{plan['plan_id']}/revisions",
        {
            "occurred_at": at("02-10"),
            "outcomes": [
                {
                    "headline_outcome": "good_education",
                    "target_date": "2025-07-01",
                    "outcome_id": education,
                },
                {"headline_outcome": "health", "target_date": "2025-08-01"},
            ],
            "actions": [
                {"outcome": education, "owner_agency": "school", "due_date": "2025-03-31"},
                {"outcome": 1, "owner_agency": "gp", "due_date": "2025-03-31"},
            ],
        },
        event="PlanRevised",
        ids=("plan_id", "outcome_id_0", "outcome_id_1"),
    )
    outcomes = [revision["outcome_id_0"], revision["outcome_id_1"]]
    assert outcomes[0] == education
    walk.post(
        "/reviews",
        {
            "occurred_at": at("03-10"),
            "plan_id": plan["plan_id"],
            "progress": [{"outcome_id": o, "rating": "no_change"} for o in outcomes],
            "decision": "step_up",
            "attendees": ["school", "gp"],
        },
        event="ReviewHeld",
        ids=("review_id",),
    )
    escalation = walk.post(
        "/escalations",
        {
            "occurred_at": at("03-17"),
            "to_service": "children_social_care",
            "reason": "risk_of_significant_harm",
            "safeguarding": True,
            "lawful_basis": "consent",
        },
        event="EscalationRaised",
        ids=("escalation_id",),
    )
    walk.post(
        f"/escalations/{escalation['escalation_id']}/response",
        {"occurred_at": at("03-18"), "response": "accepted"},
        event="EscalationResponded",
        ids=("escalation_id", "episode_id"),
        role="partner",
        agency="children_social_care",
    )
    walk.post(
        "/closures",
        {
            "occurred_at": at("03-20"),
            "reason": "step_up",
            "outcome_statuses": [
                {"outcome_id": outcomes[0], "status": "partly_achieved"},
                {"outcome_id": outcomes[1], "status": "not_achieved"},
            ],
        },
        event="EpisodeClosed",
        ids=("episode_id",),
    )
    walk.post(
        "/step-downs",
        {"occurred_at": at("06-02")},
        event="SteppedDown",
        ids=("episode_id",),
        role="practitioner",
        agency="children_social_care",
    )
    evidence = walk.post(
        "/outcome-evidence",
        {
            "occurred_at": at("06-10"),
            "headline_outcome": "good_education",
            "measure": "attendance_percent",
            "value": "92.5",
            "period_start": "2025-05-01",
            "period_end": "2025-05-31",
            "source": "school",
        },
        event="OutcomeEvidenced",
        ids=("evidence_id",),
    )
    walk.post(
        "/corrections",
        {
            "occurred_at": at("06-11"),
            "target_entry_id": contact["entry_id"],
            "reason": "wrong_code",
            "changes": {"channel": "home_visit"},
        },
        event="EntryCorrected",
        role="qa_officer",
    )
    walk.post(
        "/retractions",
        {
            "occurred_at": at("06-12"),
            "target_entry_id": evidence["entry_id"],
            "reason": "duplicate",
        },
        event="EntryRetracted",
    )
    walk.post(
        f"/consents/{consent['consent_id']}/withdrawal",
        {"occurred_at": at("06-13")},
        event="ConsentWithdrawn",
    )
    baby = walk.post(
        "/members",
        {"occurred_at": at("06-14"), "relationship": "child", "date_of_birth": "2025-06-01"},
        event="MemberAdded",
        ids=("member_id",),
    )
    walk.post(
        f"/members/{baby['member_id']}/departure",
        {"occurred_at": at("06-15"), "reason": "recorded_in_error"},
        event="MemberLeft",
    )
    return walk
