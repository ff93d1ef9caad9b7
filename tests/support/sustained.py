"""Episodes of early help for the sustained-outcome tests, recorded through HTTP: a request,
a lead practitioner, a completed assessment, a plan with a headline outcome a need, and a
closure with every outcome achieved; then what may break it (a re-referral, an escalation,
outcome evidence)."""

from __future__ import annotations

from typing import Any

from tests.support.episodes import request
from tests.support.walk import Walk

NEEDS = ("good_education", "health", "housing")


def supported(walk: Walk, *, needs: tuple[str, ...] = NEEDS, closed: str) -> dict[str, Any]:
    """A whole episode in January 2024, closed at `closed` with every outcome achieved;
    the closure's answer."""
    request(walk, "2024-01-03T10:00:00Z")
    walk.post(
        "/support-decisions", {"occurred_at": "2024-01-03T12:00:00Z", "decision": "agreed"},
        event="SupportAgreed",
    )  # fmt: skip
    walk.post(
        "/lead-practitioner",
        {"occurred_at": "2024-01-04T10:00:00Z", "practitioner_id": "lp-1", "agency": "early_help"},
        event="LeadPractitionerAssigned",
    )
    assessment = walk.post(
        "/assessments", {"occurred_at": "2024-01-05T10:00:00Z"},
        event="AssessmentStarted", ids=("assessment_id",),
    )  # fmt: skip
    walk.post(
        f"/assessments/{assessment['assessment_id']}/completion",
        {"occurred_at": "2024-01-08T10:00:00Z", "level_of_need": "partnership_plus",
         "needs": list(needs), "strengths": [], "factors": []},
        event="AssessmentCompleted",
    )  # fmt: skip
    plan = walk.post(
        "/plans",
        {
            "occurred_at": "2024-01-10T10:00:00Z",
            "outcomes": [{"headline_outcome": n, "target_date": "2024-06-01"} for n in needs],
            "actions": [
                {"outcome": i, "owner_agency": "school", "due_date": "2024-03-01"}
                for i in range(len(needs))
            ],
        },
        event="PlanAgreed",
        ids=("plan_id",),
    )
    outcomes = [plan[f"outcome_id_{i}"] for i in range(len(needs))]
    return walk.post(
        "/closures",
        {
            "occurred_at": closed,
            "reason": "outcomes_met",
            "outcome_statuses": [{"outcome_id": o, "status": "achieved"} for o in outcomes],
        },
        event="EpisodeClosed",
        ids=("episode_id",),
    )


def escalate(walk: Walk, at: str) -> dict[str, Any]:
    """An escalation to children's social care in the family's open episode (a lead assigned
    first, as the domain asks)."""
    walk.post(
        "/lead-practitioner",
        {"occurred_at": at, "practitioner_id": "lp-2", "agency": "early_help"},
        event="LeadPractitionerAssigned",
    )
    return walk.post(
        "/escalations",
        {"occurred_at": at, "to_service": "children_social_care",
         "reason": "risk_of_significant_harm", "safeguarding": True,
         "lawful_basis": "safeguarding"},
        event="EscalationRaised", ids=("escalation_id",),
    )  # fmt: skip


def evidence(walk: Walk, at: str, *, value: str, period: tuple[str, str]) -> dict[str, Any]:
    """School attendance evidence for the `good_education` need (under 90% shows it again)."""
    return walk.post(
        "/outcome-evidence",
        {"occurred_at": at, "headline_outcome": "good_education",
         "measure": "attendance_percent", "value": value, "period_start": period[0],
         "period_end": period[1], "source": "school"},
        event="OutcomeEvidenced",
    )  # fmt: skip


def correct_date(walk: Walk, entry: dict[str, Any], *, at: str, to: str) -> dict[str, Any]:
    """A QA officer's correction, recorded at `at`, of when an entry (a closure) occurred."""
    return walk.post(
        "/corrections",
        {"occurred_at": at, "target_entry_id": entry["entry_id"], "reason": "wrong_date",
         "changes": {"occurred_at": to}},
        event="EntryCorrected", role="qa_officer",
    )  # fmt: skip
