"""The webhook subscription routes: admins register, list and remove; the secret is given
once; a bad agency or URL is a 422 naming the field; removing an unknown one is a 404."""

from __future__ import annotations

from fastapi.testclient import TestClient

from infra.tokens import ROLES
from tests.support.api import Auth

URL = "https://hooks.example.org/journeys"


def test_an_admin_registers_lists_and_removes_a_subscription(
    client: TestClient, auth: Auth
) -> None:
    admin = auth("admin")
    made = client.post(
        "/webhooks/subscriptions", json={"agency": "school", "url": URL}, headers=admin
    )
    assert made.status_code == 201, made.text
    created = made.json()
    assert created["secret"].startswith("whsec_")
    assert (created["agency"], created["url"], created["active"]) == ("school", URL, True)

    listed = client.get("/webhooks/subscriptions", headers=admin).json()["subscriptions"]
    assert [s["id"] for s in listed] == [created["id"]]
    assert "secret" not in listed[0]
    assert created["secret"] not in client.get("/webhooks/subscriptions", headers=admin).text

    path = f"/webhooks/subscriptions/{created['id']}"
    assert client.delete(path, headers=admin).status_code == 204
    [removed] = client.get("/webhooks/subscriptions", headers=admin).json()["subscriptions"]
    assert removed["active"] is False
    assert client.delete(path, headers=admin).status_code == 404


def test_other_roles_are_refused(client: TestClient, auth: Auth) -> None:
    for role in set(ROLES) - {"admin"}:
        answer = client.post(
            "/webhooks/subscriptions", json={"agency": "school", "url": URL}, headers=auth(role)
        )
        assert answer.status_code == 403, role
        assert client.get("/webhooks/subscriptions", headers=auth(role)).status_code == 403
    listed = client.get("/webhooks/subscriptions", headers=auth("admin")).json()
    assert listed == {"subscriptions": []}


def test_a_bad_agency_or_url_is_refused_naming_the_field(client: TestClient, auth: Auth) -> None:
    admin = auth("admin")
    bad = {
        "agency": {"agency": "nobody", "url": URL},
        "url": {"agency": "school", "url": "ftp://hooks.example.org/x"},
    }
    for field, body in bad.items():
        answer = client.post("/webhooks/subscriptions", json=body, headers=admin)
        assert answer.status_code == 422, answer.text
        assert answer.json()["field"] == field
    no_host = client.post(
        "/webhooks/subscriptions", json={"agency": "school", "url": "https://"}, headers=admin
    )
    assert (no_host.status_code, no_host.json()["field"]) == (422, "url")
    assert client.get("/webhooks/subscriptions", headers=admin).json() == {"subscriptions": []}
