"""Bad requests are refused with the field (or rule) at fault and a reason, never with a
500, never echoing personal data, and never storing anything."""

from __future__ import annotations

import json
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.common.cursors import MAX_POSITION, encode
from tests.support.api import Auth, store_position

CONTACT = {
    "occurred_at": "2025-01-07T10:00:00Z",
    "agency": "school",
    "channel": "phone",
    "reason": "concern",
}
EVIDENCE = {
    "occurred_at": "2025-06-10T10:00:00Z",
    "headline_outcome": "housing",
    "measure": "tenancy_sustained",
    "value": "1",
    "period_start": "2025-01-01",
    "period_end": "2025-05-31",
    "source": "housing",
}


def without(body: dict[str, Any], name: str) -> dict[str, Any]:
    return {k: v for k, v in body.items() if k != name}


# name -> (path under the family, body, the field named in the answer)
INVALID: dict[str, tuple[str, Any, str]] = {
    "missing occurred_at": ("/contacts", without(CONTACT, "occurred_at"), "occurred_at"),
    "naive occurred_at": (
        "/contacts",
        {**CONTACT, "occurred_at": "2025-01-07T10:00:00"},
        "occurred_at",
    ),
    "occurred_at out of range": (
        "/contacts",
        {**CONTACT, "occurred_at": "0001-01-01T00:00:00+01:00"},
        "occurred_at",
    ),
    "extra field": ("/contacts", {**CONTACT, "colour": "blue"}, "colour"),
    "a typo of a field": (
        "/contacts",
        {**without(CONTACT, "agency"), "agnecy": "school"},
        "agency",
    ),
    "member ids not a list": ("/contacts", {**CONTACT, "member_ids": "all"}, "member_ids"),
    "member id not a UUID": ("/contacts", {**CONTACT, "member_ids": ["x"]}, "member_ids.0"),
    "code not a string": ("/contacts", {**CONTACT, "channel": 5}, "channel"),
    "notes not valid Unicode": ("/contacts", {**CONTACT, "notes": "a\ud800b"}, "notes"),
    "evidence value not a number": ("/outcome-evidence", {**EVIDENCE, "value": "lots"}, "value"),
    "evidence value not finite": ("/outcome-evidence", {**EVIDENCE, "value": "NaN"}, "value"),
    "date not a date": (
        "/outcome-evidence",
        {**EVIDENCE, "period_start": "last spring"},
        "period_start",
    ),
    "decision not a choice": (
        "/support-decisions",
        {"occurred_at": "2025-01-08T10:00:00Z", "decision": "maybe"},
        "decision",
    ),
    "body not an object": ("/contacts", ["not", "an", "object"], ""),
    # Types are not coerced: a number is not a time, a digit string is not a time, "yes"
    # is not a boolean, a number is not a date.
    "occurred_at a number": ("/contacts", {**CONTACT, "occurred_at": 12345}, "occurred_at"),
    "occurred_at a digit string": (
        "/contacts",
        {**CONTACT, "occurred_at": "1700000000"},
        "occurred_at",
    ),
    "occurred_at a date without a time": (
        "/contacts",
        {**CONTACT, "occurred_at": "2025-01-07"},
        "occurred_at",
    ),
    "send a word": (
        "/members",
        {"occurred_at": "2025-01-07T10:00:00Z", "relationship": "child", "send": "yes"},
        "send",
    ),
    "send a number": (
        "/members",
        {"occurred_at": "2025-01-07T10:00:00Z", "relationship": "child", "send": 1},
        "send",
    ),
    "date of birth a number": (
        "/members",
        {"occurred_at": "2025-01-07T10:00:00Z", "relationship": "child", "date_of_birth": 0},
        "date_of_birth",
    ),
    "period start a number": (
        "/outcome-evidence",
        {**EVIDENCE, "period_start": 1735689600},
        "period_start",
    ),
    "period end a digit string": (
        "/outcome-evidence",
        {**EVIDENCE, "period_end": "20250531"},
        "period_end",
    ),
    # Before the oldest member of the household was born (the family's eldest, the parent
    # registered without a date of birth, is not known; the child was born in 2015).
    "occurred before anyone in the family was born": (
        "/contacts",
        {**CONTACT, "occurred_at": "1970-01-01T00:00:00Z"},
        "occurred_at",
    ),
}


@pytest.mark.parametrize("case", list(INVALID))
def test_an_invalid_body_is_422_naming_the_field(
    client: TestClient, auth: Auth, family: dict[str, str], case: str
) -> None:
    path, body, field = INVALID[case]
    before = store_position(client)

    # Encoded here (ASCII-escaped, as many clients do) so that a lone surrogate can be sent.
    response = client.post(
        f"/families/{family['family_id']}{path}",
        content=json.dumps(body),
        headers={**auth("practitioner"), "Content-Type": "application/json"},
    )

    assert response.status_code == 422, response.text
    answer = response.json()
    assert answer["error"] == "invalid"
    assert answer["field"] == field
    assert answer["detail"]
    assert {"field": field, "detail": answer["detail"]} in answer["errors"]
    assert store_position(client) == before


def test_every_invalid_field_is_listed(
    client: TestClient, auth: Auth, family: dict[str, str]
) -> None:
    body = {**without(CONTACT, "occurred_at"), "channel": 5, "colour": "blue"}

    response = client.post(
        f"/families/{family['family_id']}/contacts", json=body, headers=auth("practitioner")
    )

    assert {e["field"] for e in response.json()["errors"]} == {"occurred_at", "channel", "colour"}


def test_an_unknown_code_is_422_with_the_valid_codes(
    client: TestClient, auth: Auth, family: dict[str, str]
) -> None:
    before = store_position(client)

    response = client.post(
        f"/families/{family['family_id']}/contacts",
        json={**CONTACT, "agency": "fire_brigade"},
        headers=auth("practitioner"),
    )

    assert response.status_code == 422
    answer = response.json()
    assert (answer["error"], answer["field"]) == ("invalid", "agency")
    assert {"school", "police", "health_visiting"} <= set(answer["valid"])
    assert "school" in answer["detail"]
    assert store_position(client) == before


@pytest.mark.parametrize(
    ("case", "request_args"),
    [
        ("malformed JSON", {"content": b'{"occurred_at": ', "headers": {}}),
        ("family id not a UUID", {"json": CONTACT, "path": "/families/42/contacts"}),
        ("idempotency key too long", {"json": CONTACT, "headers": {"Idempotency-Key": "k" * 201}}),
    ],
)
def test_a_malformed_request_is_422(
    client: TestClient, auth: Auth, family: dict[str, str], case: str, request_args: dict[str, Any]
) -> None:
    path = request_args.pop("path", f"/families/{family['family_id']}/contacts")
    headers = {**auth("practitioner"), **request_args.pop("headers", {})}
    if "content" in request_args:
        headers["Content-Type"] = "application/json"
    before = store_position(client)

    response = client.post(path, headers=headers, **request_args)

    assert response.status_code == 422, response.text
    assert response.json()["error"] == "invalid"
    assert store_position(client) == before


@pytest.mark.parametrize(
    ("path", "body", "rule"),
    [
        ("/contacts", {**CONTACT, "occurred_at": "2099-01-01T10:00:00Z"}, "occurred_in_future"),
        ("/assessments", {"occurred_at": "2025-01-07T10:00:00Z"}, "episode_required"),
        (
            "/outcome-evidence",
            {**EVIDENCE, "period_start": "2025-05-31", "period_end": "2025-01-01"},
            "period_order",
        ),
    ],
)
def test_a_broken_rule_is_409_with_the_rule(
    *, client: TestClient, auth: Auth, family: dict[str, str], path: str, body: Any, rule: str
) -> None:
    before = store_position(client)

    response = client.post(
        f"/families/{family['family_id']}{path}", json=body, headers=auth("practitioner")
    )

    assert response.status_code == 409, response.text
    answer = response.json()
    assert (answer["error"], answer["rule"]) == ("rule_broken", rule)
    assert answer["detail"]
    assert store_position(client) == before


def test_an_unknown_family_is_404(client: TestClient, auth: Auth, family: dict[str, str]) -> None:
    before = store_position(client)
    unknown = "00000000-0000-4000-8000-000000000000"

    response = client.post(
        f"/families/{unknown}/contacts", json=CONTACT, headers=auth("practitioner")
    )
    events = client.get(f"/families/{unknown}/events", headers=auth("qa_officer"))

    assert (response.status_code, response.json()["error"]) == (404, "not_found")
    assert unknown in response.json()["detail"]
    assert events.status_code == 404
    assert store_position(client) == before


def test_an_unknown_area_filter_is_422(client: TestClient, auth: Auth) -> None:
    response = client.get("/families", params={"area": "atlantis"}, headers=auth("qa_officer"))

    assert (response.status_code, response.json()["field"]) == (422, "area")


@pytest.mark.parametrize(
    "params", [{"limit": 0}, {"limit": 201}, {"after": -1}, {"after": 2**70}, {"after": "X!"}]
)
def test_paging_out_of_range_is_422(client: TestClient, auth: Auth, params: dict[str, Any]) -> None:
    response = client.get("/families", params=params, headers=auth("qa_officer"))

    assert response.status_code == 422
    assert response.json()["field"] == next(iter(params))


# -- personal data is never echoed -------------------------------------------------------------

NAME = "Zephyrine"
BORN = "1990-02-03"
PERSONAL_CASES: dict[str, tuple[str, dict[str, Any]]] = {
    "member without relationship": (
        "",
        {
            "occurred_at": "2025-01-06T10:00:00Z",
            "area": "strood",
            "members": [{"given_name": NAME, "date_of_birth": BORN, "address": "1 Elm Row"}],
        },
    ),
    "member with a bad date of birth": (
        "",
        {
            "occurred_at": "2025-01-06T10:00:00Z",
            "area": "strood",
            "members": [{"relationship": "child", "given_name": NAME, "date_of_birth": "x"}],
        },
    ),
    "member with an unknown relationship": (
        "",
        {
            "occurred_at": "2025-01-06T10:00:00Z",
            "area": "strood",
            "members": [{"relationship": "aunt", "given_name": NAME, "date_of_birth": BORN}],
        },
    ),
    "a child too old": (
        "",
        {
            "occurred_at": "2025-01-06T10:00:00Z",
            "area": "strood",
            "members": [{"relationship": "child", "given_name": NAME, "date_of_birth": BORN}],
        },
    ),
    "notes with a naive time": (
        "/contacts",
        {**CONTACT, "occurred_at": "2025-01-07T10:00", "notes": f"{NAME} born {BORN}"},
    ),
    "notes too long": ("/contacts", {**CONTACT, "notes": f"{NAME} {BORN} " + "x" * 10_000}),
    "a member added with an extra field": (
        "/members",
        {
            "occurred_at": "2025-01-07T10:00:00Z",
            "relationship": "child",
            "given_name": NAME,
            "date_of_birth": BORN,
            "nickname": NAME,
        },
    ),
    "a correction of an unknown entry": (
        "/corrections",
        {
            "occurred_at": "2025-01-07T10:00:00Z",
            "target_entry_id": "00000000-0000-4000-8000-000000000000",
            "reason": "wrong_detail",
            "given_name": NAME,
            "date_of_birth": BORN,
        },
    ),
}


@pytest.mark.parametrize("case", list(PERSONAL_CASES))
def test_personal_data_is_never_echoed_in_an_error(
    client: TestClient, auth: Auth, family: dict[str, str], case: str
) -> None:
    path, body = PERSONAL_CASES[case]
    url = f"/families/{family['family_id']}{path}" if path else "/families"

    response = client.post(url, json=body, headers=auth("practitioner"))

    assert response.status_code in {409, 422}, response.text
    assert NAME not in response.text
    assert BORN not in response.text
    assert "Elm Row" not in response.text


def test_a_name_typed_into_a_code_field_is_not_echoed(client: TestClient, auth: Auth) -> None:
    response = client.post(
        "/families",
        json={
            "occurred_at": "2025-01-01T09:00:00Z",
            "area": "Zebedee Quillfeather",
            "members": [{"relationship": "child", "send": False}],
        },
        headers=auth("practitioner"),
    )

    assert response.status_code == 422
    assert response.json()["field"] == "area"
    assert "Zebedee" not in response.text


def test_a_position_at_the_end_of_the_range_answers_an_empty_page_not_a_500(
    client: TestClient, auth: Auth, family: dict[str, str]
) -> None:
    # The largest 64-bit position: reading "after" it once asked the store for position 2**63.
    # `after` is an opaque cursor now: that number, read as one, is past every position.
    response = client.get("/families", params={"after": 2**63 - 1}, headers=auth("qa_officer"))
    last = client.get(
        "/families", params={"after": encode(MAX_POSITION)}, headers=auth("qa_officer")
    )

    assert (response.status_code, response.json()["field"]) == (422, "after")
    assert last.status_code == 200, last.text
    assert (last.json()["items"], last.json()["next"]) == ([], None)


@pytest.mark.parametrize(
    "content",
    [
        pytest.param(b'{"occurred_at": ', id="malformed JSON"),
        pytest.param(b'{"occurred_at": "\xff\xfe"}', id="not UTF-8"),
        pytest.param(b"[" * 100_000 + b"]" * 100_000, id="nested too deep"),
    ],
)
def test_a_body_that_cannot_be_read_is_422_naming_the_body_not_an_offset(
    client: TestClient, auth: Auth, content: bytes
) -> None:
    before = store_position(client)

    response = client.post(
        "/families",
        content=content,
        headers={**auth("practitioner"), "Content-Type": "application/json"},
    )

    assert response.status_code == 422, response.text
    answer = response.json()
    assert (answer["error"], answer["field"]) == ("invalid", "body")
    assert answer["errors"] == [{"field": "body", "detail": answer["detail"]}]
    assert store_position(client) == before


@pytest.mark.parametrize(
    ("changes", "rule"),
    [
        # After the day it was recorded (the contact was recorded today, in 2026 or later).
        ({"occurred_at": "2099-01-01T10:00:00Z"}, "occurred_in_future"),
        ({"period_start": "2025-06-01"}, "period_order"),
    ],
)
def test_a_correction_that_would_break_a_rule_is_409_with_the_rule(
    *, client: TestClient, auth: Auth, family: dict[str, str], changes: Any, rule: str
) -> None:
    url = f"/families/{family['family_id']}"
    evidence = client.post(f"{url}/outcome-evidence", json=EVIDENCE, headers=auth("practitioner"))
    assert evidence.status_code == 201, evidence.text
    before = store_position(client)

    response = client.post(
        f"{url}/corrections",
        json={
            "occurred_at": "2025-06-11T10:00:00Z",
            "target_entry_id": evidence.json()["entry_id"],
            "reason": "wrong_date",
            "changes": changes,
        },
        headers=auth("practitioner"),
    )

    assert response.status_code == 409, response.text
    assert (response.json()["error"], response.json()["rule"]) == ("rule_broken", rule)
    assert store_position(client) == before


@pytest.mark.parametrize(
    "path", ["/families", "/families/{family_id}/timeline", "/families/{family_id}/journey"]
)
def test_a_position_the_store_has_not_reached_is_422_at_once_not_a_504_after_waiting(
    client: TestClient, auth: Auth, family: dict[str, str], path: str
) -> None:
    # No command answered it: waiting would only run out the read timeout (found by fuzzing).
    answered = int(family["position"])
    url = path.format(family_id=family["family_id"])
    qa = auth("qa_officer")

    ahead = client.get(url, params={"min_position": answered + 1_000_000}, headers=qa)
    reached = client.get(url, params={"min_position": answered}, headers=qa)

    assert (ahead.status_code, ahead.json()["field"]) == (422, "min_position")
    assert reached.status_code == 200, reached.text
