"""A family's events show personal data only to roles entitled to it."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.support.api import Auth


@pytest.fixture
def family_with_notes(client: TestClient, auth: Auth, family: dict[str, str]) -> str:
    response = client.post(
        f"/families/{family['family_id']}/contacts",
        json={
            "occurred_at": "2025-01-07T10:00:00Z",
            "agency": "health_visiting",
            "channel": "home_visit",
            "reason": "check_in",
            "notes": "Bea mentioned the rent arrears.",
        },
        headers=auth("practitioner"),
    )
    assert response.status_code == 201
    return family["family_id"]


def events_as(client: TestClient, auth: Auth, family_id: str, role: str) -> list[dict[str, Any]]:
    response = client.get(f"/families/{family_id}/events", headers=auth(role))
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


def test_a_practitioner_outside_the_caseload_sees_nothing(
    client: TestClient, auth: Auth, family_with_notes: str
) -> None:
    response = client.get(f"/families/{family_with_notes}/events", headers=auth("practitioner"))

    assert response.status_code == 403  # domain.access; see tests/api/http/test_access_caseload.py
    assert "Bea" not in response.text
    assert "rent arrears" not in response.text


@pytest.mark.parametrize(
    "role", ["qa_officer", "panel_member"]
)  # and the lead: test_access_caseload
def test_entitled_roles_see_personal_data(
    client: TestClient, auth: Auth, family_with_notes: str, role: str
) -> None:
    registered, contact = events_as(client, auth, family_with_notes, role)

    child, parent = (m["personal"] for m in registered["data"]["members"])
    assert (child["given_name"], child["date_of_birth"]) == ("Ada", "2015-03-01")
    assert (parent["given_name"], parent["family_name"]) == ("Bea", "Stone")
    assert contact["data"]["personal"]["notes"] == "Bea mentioned the rent arrears."
