"""A family's whole journey, recorded through HTTP, reads back in order as its events."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from infra.settings import Settings
from tests.support.api import Auth, auth_for
from tests.support.walk import Walk, walk_a_journey


def check_events_in_order(client: TestClient, auth: Auth, walk: Walk) -> None:
    response = client.get(f"/families/{walk.family_id}/events", headers=auth("qa_officer"))
    assert response.status_code == 200, response.text
    page = response.json()
    assert page["family_id"] == walk.family_id
    assert page["next"] is None
    assert [item["type"] for item in page["items"]] == walk.types
    assert [item["version"] for item in page["items"]] == list(range(1, len(walk.types) + 1))
    assert all(item["occurred_at"].startswith("2025-") for item in page["items"])


def test_a_whole_journey_is_recorded_and_read_back_in_order(client: TestClient, auth: Auth) -> None:
    walk = walk_a_journey(client, auth)

    check_events_in_order(client, auth, walk)
    assert client.get("/health").json()["position"] == walk.positions[-1]
    found = client.get(
        "/families",
        params={"area": "strood", "min_position": walk.positions[-1]},
        headers=auth("qa_officer"),  # a practitioner lists their caseload only,
    )
    assert [f["family_id"] for f in found.json()["items"]] == [walk.family_id]


def test_events_carry_who_recorded_each_entry_and_both_times(
    client: TestClient, auth: Auth
) -> None:
    walk = walk_a_journey(client, auth)

    items = client.get(f"/families/{walk.family_id}/events", headers=auth("qa_officer")).json()[
        "items"
    ]
    response = items[walk.types.index("EscalationResponded")]
    assert response["actor"] == {
        "user_id": "partner-1",
        "role": "partner",
        "agency": "children_social_care",
    }
    assert response["occurred_at"] == "2025-03-18T10:00:00Z"
    assert response["recorded_at"] > response["occurred_at"]
    evidence = items[walk.types.index("OutcomeEvidenced")]["data"]
    assert (evidence["value"], evidence["period_start"]) == ("92.5", "2025-05-01")


def test_families_are_found_page_by_page(client: TestClient, auth: Auth) -> None:
    headers = auth("practitioner")
    reader = auth("qa_officer")  # reads every family; a practitioner, their caseload only
    body = {
        "occurred_at": "2025-01-06T10:00:00Z",
        "members": [{"relationship": "child", "date_of_birth": "2015-03-01"}],
    }
    answers = [
        client.post("/families", json={**body, "area": area}, headers=headers).json()
        for area in ("strood", "chatham", "strood", "strood")
    ]
    registered = [answer["family_id"] for answer in answers]
    # The list reads the family directory, which follows the store: read your own writes.
    last = answers[-1]["position"]

    first = client.get(
        "/families", params={"area": "strood", "limit": 2, "min_position": last}, headers=reader
    )
    rest = client.get(
        "/families",
        params={"area": "strood", "limit": 2, "after": first.json()["next"]},
        headers=reader,
    )

    strood = [registered[0], registered[2], registered[3]]
    assert [f["family_id"] for f in first.json()["items"]] == strood[:2]
    assert [f["family_id"] for f in rest.json()["items"]] == strood[2:]
    assert rest.json()["next"] is None


@pytest.mark.postgres
def test_a_whole_journey_on_postgresql(postgres_url: str) -> None:
    settings = Settings(database_url=postgres_url, mode="development")
    with TestClient(create_app(settings)) as client:
        auth = auth_for(client.app.state.journeys)  # type: ignore[attr-defined]
        walk = walk_a_journey(client, auth)

        check_events_in_order(client, auth, walk)
        assert client.get("/health").json()["store"].startswith("PostgreSQL")
