"""An `Idempotency-Key` makes a command safe to resend: the first result comes back, marked
as replayed, and nothing new is stored."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.support.api import REGISTRATION, Auth, store_position

CONTACT = {
    "occurred_at": "2025-01-07T10:00:00Z",
    "agency": "school",
    "channel": "phone",
    "reason": "concern",
}


def test_a_resent_command_returns_the_first_result_and_stores_nothing(
    client: TestClient, auth: Auth, family: dict[str, str]
) -> None:
    url = f"/families/{family['family_id']}/contacts"
    headers = {**auth("practitioner"), "Idempotency-Key": "contact-2025-01-07-1"}
    first = client.post(url, json=CONTACT, headers=headers)
    after_first = store_position(client)

    again = client.post(url, json=CONTACT, headers=headers)

    assert (first.status_code, again.status_code) == (201, 201)
    assert "Idempotent-Replayed" not in first.headers
    assert again.headers["Idempotent-Replayed"] == "true"
    assert {k: v for k, v in again.json().items() if k != "position"} == {
        k: v for k, v in first.json().items() if k != "position"
    }
    assert store_position(client) == after_first
    events = client.get(f"/families/{family['family_id']}/events", headers=auth("qa_officer"))
    assert [e["type"] for e in events.json()["items"]] == ["Registered", "ContactRecorded"]


def test_a_key_reused_for_a_different_command_is_409(
    client: TestClient, auth: Auth, family: dict[str, str]
) -> None:
    url = f"/families/{family['family_id']}/contacts"
    headers = {**auth("practitioner"), "Idempotency-Key": "k-1"}
    assert client.post(url, json=CONTACT, headers=headers).status_code == 201
    before = store_position(client)

    response = client.post(url, json={**CONTACT, "channel": "email"}, headers=headers)

    assert response.status_code == 409
    assert (response.json()["error"], response.json()["rule"]) == (
        "rule_broken",
        "idempotency_key_reused",
    )
    assert store_position(client) == before


def test_a_resent_registration_registers_one_family(client: TestClient, auth: Auth) -> None:
    headers = {**auth("practitioner"), "Idempotency-Key": "registration-42"}

    first = client.post("/families", json=REGISTRATION, headers=headers)
    again = client.post("/families", json=REGISTRATION, headers=headers)

    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.json()["family_id"] == first.json()["family_id"]
    assert again.json()["member_id_0"] == first.json()["member_id_0"]
    read_after = {"min_position": first.json()["position"]}  # the list follows the store
    listed = client.get("/families", params=read_after, headers=auth("qa_officer")).json()["items"]
    assert [f["family_id"] for f in listed] == [first.json()["family_id"]]


def test_keys_belong_to_the_user_who_sent_them(
    client: TestClient, auth: Auth, family: dict[str, str]
) -> None:
    url = f"/families/{family['family_id']}/contacts"
    key = {"Idempotency-Key": "my-first-contact"}

    mine = client.post(url, json=CONTACT, headers={**auth("practitioner", user_id="a"), **key})
    theirs = client.post(url, json=CONTACT, headers={**auth("practitioner", user_id="b"), **key})

    assert "Idempotent-Replayed" not in theirs.headers
    assert theirs.json()["contact_id"] != mine.json()["contact_id"]


def test_a_command_answers_when_it_was_recorded_and_a_replay_the_first_time(
    client: TestClient, auth: Auth, family: dict[str, str]
) -> None:
    url = f"/families/{family['family_id']}/contacts"
    headers = {**auth("practitioner"), "Idempotency-Key": "contact-recorded-at"}
    first = client.post(url, json=CONTACT, headers=headers)

    again = client.post(url, json=CONTACT, headers=headers)

    events = client.get(f"/families/{family['family_id']}/events", headers=auth("qa_officer"))
    contact = events.json()["items"][-1]
    assert contact["type"] == "ContactRecorded"
    assert first.json()["recorded_at"] == contact["recorded_at"]
    assert again.json()["recorded_at"] == contact["recorded_at"]
