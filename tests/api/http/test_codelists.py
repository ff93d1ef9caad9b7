"""GET /codelists: every code list with its labels, and the category and purpose of every
kind of entry, as the sharing view applies them; documented in OpenAPI."""

from __future__ import annotations

from fastapi.testclient import TestClient

from domain.codes import load as load_codes
from domain.disclosure import ENTRY_TYPES
from tests.support.api import Auth


def test_every_code_list_and_how_every_kind_of_entry_is_shared(
    client: TestClient, auth: Auth
) -> None:
    answer = client.get("/codelists", headers=auth("partner", "police"))

    assert answer.status_code == 200, answer.text
    body = answer.json()
    codes = load_codes()
    assert body["version"] == codes.version
    lists = {item["name"]: {c["code"]: c["label"] for c in item["codes"]} for item in body["lists"]}
    assert lists == codes.lists
    categories = lists["information_category"]
    assert categories["request_for_support"].startswith("The request for support")
    kinds = {item["entry_type"]: item for item in body["entry_types"]}
    assert kinds["SupportRequested"]["category"] == "request_for_support"
    assert kinds["SupportRequested"]["label"] == "Request for support"
    assert kinds["LeadPractitionerAssigned"]["category"] == "coordination"
    assert kinds["AssessmentCompleted"] == {
        "entry_type": "AssessmentCompleted",
        "label": "Assessment completed",
        "category": "assessment",
        "category_from": None,
        "purpose": "assessment",
        "purpose_from": None,
    }
    assert kinds["ContactRecorded"]["category_from"] == "contact_agency"
    assert kinds["InformationShared"]["purpose_from"] == "named_purpose"
    assert set(kinds) == set(ENTRY_TYPES)  # every kind of family entry (tests/projections)
    by_agency = {item["agency"]: item["category"] for item in body["contact_categories"]}
    assert by_agency["gp"] == "health"
    assert by_agency["housing"] is None
    assert set(by_agency) == set(lists["agency"])


def test_the_code_lists_need_a_token_and_are_documented(client: TestClient) -> None:
    assert client.get("/codelists").status_code == 401
    operation = client.get("/openapi.json").json()["paths"]["/codelists"]["get"]
    schema = operation["responses"]["200"]["content"]["application/json"]["schema"]
    assert schema == {"$ref": "#/components/schemas/CodeListsPublic"}
