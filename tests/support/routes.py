"""The role-by-route table: every route and web page, and the roles allowed to use it (the
expected policy, DESIGN.md "Roles"). tests/api/test_access.py holds the app to it; a route
missing from it fails `test_the_table_covers_every_route`."""

from __future__ import annotations

from typing import Any
from uuid import uuid4

from infra.tokens import ROLES

T = "2025-01-06T10:00:00Z"
UNGUARDED = {
    "/health", "/login", "/openapi.json", "/session", "/session/end", "/metrics", "/asyncapi.json",
    "/schemas/inbound-contact.json",
}  # fmt: skip
RECORDERS = {"practitioner", "lead_practitioner"}
CORRECTORS = {*RECORDERS, "qa_officer"}
READERS = {*RECORDERS, "qa_officer", "panel_member"}
# Practitioners of both roles read the families of their caseload only (domain.access:
# tests/api/http/test_access_properties.py); the role table lets them reach the route.
JOURNEY_READERS = READERS

# (method, path) -> (a valid body, the roles allowed). Ids in paths are fresh UUIDs, so an
# allowed role reaches the store and hears that the family does not exist.
ROUTES: dict[tuple[str, str], tuple[dict[str, Any] | None, set[str]]] = {
    ("GET", "/families"): (None, READERS),
    ("GET", "/families/search"): (None, READERS),
    ("POST", "/families"): (
        {"occurred_at": T, "area": "strood", "members": [{"relationship": "child"}]},
        RECORDERS,
    ),
    ("GET", "/families/{family_id}/events"): (None, READERS),
    ("GET", "/families/{family_id}/timeline"): (None, JOURNEY_READERS),
    ("GET", "/families/{family_id}/journey"): (None, JOURNEY_READERS),
    ("GET", "/families/{family_id}/journey.svg"): (None, JOURNEY_READERS),
    ("GET", "/families/{family_id}/access-log"): (None, {"qa_officer"}),
    ("GET", "/access-log"): (None, {"qa_officer"}),
    ("GET", "/access-log.csv"): (None, {"qa_officer"}),
    ("GET", "/families/{family_id}/shared-view"): (None, {"partner", "qa_officer"}),
    ("GET", "/pathways"): (None, {"qa_officer", "panel_member", "researcher"}),
    ("GET", "/pathways.svg"): (None, {"qa_officer", "panel_member", "researcher"}),
    ("GET", "/reports/dataset"): (None, {"qa_officer", "panel_member"}),
    ("GET", "/research/re-referrals"): (None, {"researcher", "qa_officer"}),
    ("GET", "/research/re-referrals.svg"): (None, {"researcher", "qa_officer"}),
    ("GET", "/research/extracts/{shape}"): (None, {"researcher"}),
    ("GET", "/outcomes/sustained"): (None, {"qa_officer", "panel_member"}),
    ("GET", "/families/{family_id}/integrity"): (None, {"qa_officer", "admin"}),
    ("GET", "/qa/findings"): (None, {"qa_officer", "panel_member"}),
    ("GET", "/qa/queue"): (None, {"qa_officer", "panel_member"}),
    ("GET", "/codelists"): (None, set(ROLES)),
    ("GET", "/shared-families"): (None, {"partner", "qa_officer"}),
    ("POST", "/families/{family_id}/members"): (
        {"occurred_at": T, "relationship": "child"},
        RECORDERS,
    ),
    ("POST", "/families/{family_id}/members/{member_id}/departure"): (
        {"occurred_at": T, "reason": "moved_out"},
        RECORDERS,
    ),
    ("POST", "/families/{family_id}/contacts"): (
        {"occurred_at": T, "agency": "school", "channel": "phone", "reason": "concern"},
        RECORDERS,
    ),
    ("POST", "/families/{family_id}/requests-for-support"): (
        {"occurred_at": T, "source": "5D"},
        RECORDERS,
    ),
    ("POST", "/families/{family_id}/support-decisions"): (
        {"occurred_at": T, "decision": "agreed"},
        RECORDERS,
    ),
    ("POST", "/families/{family_id}/consents"): (
        {
            "occurred_at": T,
            "given_by": str(uuid4()),
            "agencies": ["gp"],
            "purposes": ["plan_delivery"],
        },
        RECORDERS,
    ),
    ("POST", "/families/{family_id}/consents/{consent_id}/withdrawal"): (
        {"occurred_at": T},
        RECORDERS,
    ),
    ("POST", "/families/{family_id}/information-sharing"): (
        {
            "occurred_at": T,
            "with_agency": "gp",
            "categories": ["health"],
            "purpose": "safeguarding",
            "lawful_basis": "vital_interests",
        },
        RECORDERS,
    ),
    ("POST", "/families/{family_id}/lead-practitioner"): (
        {"occurred_at": T, "practitioner_id": "lp-1", "agency": "early_help"},
        RECORDERS,
    ),
    ("POST", "/families/{family_id}/assessments"): ({"occurred_at": T}, RECORDERS),
    ("POST", "/families/{family_id}/assessments/{assessment_id}/completion"): (
        {"occurred_at": T, "level_of_need": "universal_plus"},
        RECORDERS,
    ),
    ("POST", "/families/{family_id}/plans"): (
        {
            "occurred_at": T,
            "outcomes": [{"headline_outcome": "health", "target_date": "2025-06-01"}],
        },
        RECORDERS,
    ),
    ("POST", "/families/{family_id}/plans/{plan_id}/revisions"): (
        {
            "occurred_at": T,
            "outcomes": [{"headline_outcome": "health", "target_date": "2025-06-01"}],
        },
        RECORDERS,
    ),
    ("POST", "/families/{family_id}/reviews"): (
        {
            "occurred_at": T,
            "plan_id": str(uuid4()),
            "progress": [{"outcome_id": str(uuid4()), "rating": "achieved"}],
            "decision": "continue",
        },
        RECORDERS,
    ),
    ("POST", "/families/{family_id}/escalations"): (
        {
            "occurred_at": T,
            "to_service": "children_social_care",
            "reason": "needs_escalated",
            "safeguarding": False,
            "lawful_basis": "public_task",
        },
        RECORDERS,
    ),
    ("POST", "/families/{family_id}/escalations/{escalation_id}/response"): (
        {"occurred_at": T, "response": "declined"},
        {*RECORDERS, "partner"},
    ),
    ("POST", "/families/{family_id}/step-downs"): ({"occurred_at": T}, RECORDERS),
    ("POST", "/families/{family_id}/outcome-evidence"): (
        {
            "occurred_at": T,
            "headline_outcome": "housing",
            "measure": "tenancy_sustained",
            "value": 1,
            "period_start": "2024-01-01",
            "period_end": "2024-12-31",
            "source": "housing",
        },
        RECORDERS,
    ),
    ("POST", "/families/{family_id}/closures"): (
        {"occurred_at": T, "reason": "no_further_action"},
        RECORDERS,
    ),
    ("POST", "/families/{family_id}/corrections"): (
        {
            "occurred_at": T,
            "target_entry_id": str(uuid4()),
            "reason": "wrong_date",
            "changes": {"occurred_at": "2025-01-05T10:00:00Z"},
        },
        CORRECTORS,
    ),
    ("POST", "/families/{family_id}/retractions"): (
        {"occurred_at": T, "target_entry_id": str(uuid4()), "reason": "duplicate"},
        CORRECTORS,
    ),
    ("POST", "/families/{family_id}/erasure"): ({"reason": "right_to_erasure"}, {"admin"}),
    ("POST", "/families/{family_id}/legal-hold"): (
        {"reason": "public_inquiry", "reference": "IICSA-2015"},
        {"admin"},
    ),
    ("POST", "/families/{family_id}/legal-hold/{hold_id}/lift"): (
        {"reason": "instruction_withdrawn"},
        {"admin"},
    ),
    ("POST", "/families/{family_id}/case-audits"): (
        {
            "occurred_at": T,
            "episode_id": str(uuid4()),
            "grades": [{"standard": "smart_plan", "grade": "good"}],
            "actions": [{"owner": "school", "due_date": "2025-02-01"}],
        },
        {"qa_officer"},
    ),
    ("POST", "/families/{family_id}/case-audits/{audit_id}/actions/{action_id}/completion"): (
        {"occurred_at": T},
        {"qa_officer"},
    ),
    ("GET", "/qa/case-audits"): (None, {"qa_officer"}),
    ("POST", "/webhooks/subscriptions"): (
        {"agency": "school", "url": "https://hooks.example.org/journeys"},
        {"admin"},
    ),
    ("GET", "/webhooks/subscriptions"): (None, {"admin"}),
    ("DELETE", "/webhooks/subscriptions/{subscription_id}"): (None, {"admin"}),
}

# Query parameters a route needs to answer at all (a search needs a term).
QUERIES: dict[tuple[str, str], dict[str, str]] = {
    ("GET", "/families/search"): {"family_name": "Nobody"},
    ("GET", "/shared-families"): {"agency": "children_social_care"},  # the token's agency
}


# Web pages: the roles of the JSON routes they show. Without a valid session they redirect to
# the sign-in page (303) instead of answering 401; a role not allowed gets a 403 page.
PAGES: dict[tuple[str, str], set[str]] = {
    ("GET", "/web/families"): READERS,
    ("GET", "/web/search"): READERS,
    ("GET", "/web/families/{family_id}"): JOURNEY_READERS,
    ("GET", "/web/families/{family_id}/print"): JOURNEY_READERS,
    ("GET", "/web/pathways"): {"qa_officer", "panel_member", "researcher"},
    ("GET", "/web/reports"): {"qa_officer", "panel_member"},
    ("GET", "/web/re-referrals"): {"researcher", "qa_officer"},
    ("GET", "/web/qa"): {"qa_officer", "panel_member"},
    ("GET", "/web/outcomes"): {"qa_officer", "panel_member"},
    ("GET", "/web/access-log"): {"qa_officer"},
    ("GET", "/web/families/{family_id}/access-log"): {"qa_officer"},
    ("GET", "/web/shared"): {"partner", "qa_officer"},
    ("GET", "/web/families/{family_id}/shared"): {"partner", "qa_officer"},
    ("GET", "/web/escalations"): {"partner", "qa_officer"},
    ("GET", "/web/families/{family_id}/case-audit"): {"qa_officer"},
    # The forms' POSTs (tests/api/web/test_case_audit_form.py has what they record).
    ("POST", "/web/families/{family_id}/case-audit"): {"qa_officer"},
    ("POST", "/web/families/{family_id}/case-audit/completion"): {"qa_officer"},
}
