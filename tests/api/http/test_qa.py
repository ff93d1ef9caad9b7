"""Practice-standard findings and the audit queue over HTTP (GET /qa/findings, /qa/queue):
filters, the queue's order, a correction closing a finding, and no personal data."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError

from api.app import create_app
from infra.settings import Settings
from tests.support.api import Auth, auth_for, sqlite_settings
from tests.support.episodes import family, read, request
from tests.support.walk import Walk


def assign_lead(walk: Walk, at: str) -> dict[str, Any]:
    return walk.post(
        "/lead-practitioner",
        {"occurred_at": at, "practitioner_id": "u-lead-9", "agency": "early_help"},
        event="LeadPractitionerAssigned",
    )


def correct_lead(walk: Walk, lead: dict[str, Any], to: str) -> None:
    """A QA officer's correction of when the lead was assigned."""
    walk.post(
        "/corrections",
        {
            "occurred_at": "2026-02-01T10:00:00Z",
            "target_entry_id": lead["entry_id"],
            "reason": "wrong_date",
            "changes": {"occurred_at": to},
        },
        event="EntryCorrected",
        role="qa_officer",
    )


def findings(client: TestClient, auth: Auth, walk: Walk, **query: str) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = read(client, auth, walk, "/qa/findings", "qa_officer", **query)[
        "findings"
    ]
    return found


def two_families(client: TestClient, auth: Auth) -> tuple[Walk, Walk, dict[str, Any]]:
    # Christmas Eve 2025: five working days later is Monday 5 January 2026.
    unled = family(client, auth, "chatham")
    request(unled, "2025-12-24T10:00:00Z")
    late = family(client, auth, "strood")
    request(late, "2025-12-24T10:00:00Z")
    lead = assign_lead(late, "2026-01-06T10:00:00Z")
    return unled, late, lead


def test_findings_by_area_rule_and_open(client: TestClient, auth: Auth) -> None:
    unled, late, _ = two_families(client, auth)
    chatham = findings(client, auth, late, area="chatham")
    assert {(f["rule_id"], f["open"]) for f in chatham} == {
        ("lead-assigned", True),
        ("assessment-completed", True),
    }
    assert {f["family_id"] for f in chatham} == {unled.family_id}
    [closed] = findings(client, auth, late, rule="lead-assigned", open="false")
    assert closed["family_id"] == late.family_id
    assert (closed["due_on"], closed["met_on"]) == ("2026-01-05", "2026-01-06")
    assert (closed["rule_set"], closed["rule_version"], closed["severity"]) == (
        "practice-2026-1",
        1,
        "medium",
    )
    assert findings(client, auth, late, severity="high") == []
    response = client.get("/qa/findings", params={"severity": "dire"}, headers=auth("qa_officer"))
    assert response.status_code == 422


def test_the_queue_for_a_panel_member_is_open_findings_oldest_first(
    client: TestClient, auth: Auth
) -> None:
    unled, late, _ = two_families(client, auth)
    answer = read(client, auth, late, "/qa/queue", "panel_member")
    queued = answer["findings"]
    assert all(f["open"] for f in queued)
    assert [f["due_on"] for f in queued] == sorted(f["due_on"] for f in queued)
    assert queued[0]["rule_id"] == "lead-assigned"
    assert queued[0]["family_id"] == unled.family_id
    assert "lead-assigned" in {rule["id"] for rule in answer["rules"]}
    text = str(answer)
    for personal in ("Ada", "Bea", "Stone", "2015-03-01"):
        assert personal not in text


def test_a_corrected_lead_date_closes_the_finding(client: TestClient, auth: Auth) -> None:
    _, late, lead = two_families(client, auth)
    assert len(findings(client, auth, late, rule="lead-assigned", area="strood")) == 1
    correct_lead(late, lead, "2026-01-05T10:00:00Z")
    assert findings(client, auth, late, rule="lead-assigned", area="strood") == []


def test_findings_as_the_record_stood_before_a_correction(client: TestClient, auth: Auth) -> None:
    _, late, lead = two_families(client, auth)
    time.sleep(0.01)
    before = datetime.now(UTC).isoformat()
    time.sleep(0.01)
    correct_lead(late, lead, "2026-01-02T10:00:00Z")
    asked = {"rule": "lead-assigned", "area": "strood"}
    assert findings(client, auth, late, **asked) == []
    [then] = findings(client, auth, late, as_recorded_at=before, **asked)
    assert then["met_on"] == "2026-01-06"


def test_settings_set_a_rule_parameter_and_refuse_unknown_rules(tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="no practice standard"):
        Settings(practice_standards={"lead-asigned": {"working_days": 3}})
    tighter = sqlite_settings(tmp_path).model_copy(
        update={"practice_standards": {"lead-assigned": {"working_days": 6}}}
    )
    with TestClient(create_app(tighter)) as client:
        auth = auth_for(client.app.state.journeys)  # type: ignore[attr-defined]
        _, late, _ = two_families(client, auth)
        assert findings(client, auth, late, rule="lead-assigned", area="strood") == []
        rules = read(client, auth, late, "/qa/findings", "qa_officer")["rules"]
        [lead] = [rule for rule in rules if rule["id"] == "lead-assigned"]
        assert lead["parameters"] == {"working_days": 6}
