"""The access log of a family as a QA officer reads it: only QA officers read it, a page at a
time, newest first, filtered by user and time; nothing edits it; a read that cannot be
logged is not answered; the log survives restarts and runs on PostgreSQL."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.common.cursors import decode, encode
from infra.audit.access_log import Access
from infra.bootstrap import Journeys, bootstrap
from infra.settings import Settings
from infra.tokens import ROLES
from tests.support.access_log import NOW, Story, full_disk, get, logged, token
from tests.support.api import auth_for
from tests.support.walk import at


@pytest.mark.parametrize("role", sorted(set(ROLES) - {"qa_officer"}))
def test_only_qa_officers_read_the_access_log(
    client: TestClient, journeys: Journeys, story: Story, role: str
) -> None:
    get(client, journeys, f"/families/{story.family_id}/journey", role="qa_officer")

    response = get(client, journeys, f"/families/{story.family_id}/access-log", role=role)

    assert response.status_code == 403
    assert "qa_officer" in response.json()["detail"]
    assert [(e.role, e.what, e.outcome) for e in logged(journeys, story.uuid)] == [
        (role, "access log", "refused"),
        ("qa_officer", "journey", "read"),
    ]


def test_the_log_reads_a_page_at_a_time_newest_first_and_logs_its_own_reading(
    client: TestClient, journeys: Journeys, story: Story
) -> None:
    for n in range(7):
        get(
            client,
            journeys,
            f"/families/{story.family_id}/journey",
            role="panel_member",
            user_id=f"panel-{n}",
        )
    path = f"/families/{story.family_id}/access-log"

    pages: list[dict[str, Any]] = []
    cursor: str | None = None
    while True:
        params: dict[str, Any] = {"limit": 3, **({"after": cursor} if cursor else {})}
        response = get(client, journeys, path, role="qa_officer", params=params)
        assert response.status_code == 200, response.text
        pages.append(response.json())
        cursor = pages[-1]["next"]
        if cursor is None:
            break

    seen = [item for page in pages for item in page["items"]]
    # The first page starts with its own reading; later readings are newer than the cursor.
    assert [len(page["items"]) for page in pages] == [3, 3, 2]
    assert [item["user_id"] for item in seen] == ["qa_officer-1"] + [
        f"panel-{n}" for n in reversed(range(7))
    ]
    assert [item["what"] for item in seen] == ["access log"] + ["journey"] * 7
    assert len({item["access_id"] for item in seen}) == 8
    assert seen[0]["at"] == "2025-06-02T14:30:00Z"
    assert seen[0]["detail"] == {}
    assert seen[1] | {"access_id": 0} == {
        "access_id": 0,
        "family_id": story.family_id,
        "at": "2025-06-02T14:30:00Z",
        "user_id": "panel-6",
        "role": "panel_member",
        "agency": "early_help",
        "what": "journey",
        "detail": {},
        "reason": None,
        "outcome": "read",
    }


def test_the_log_filters_by_user_and_time(
    client: TestClient, journeys: Journeys, story: Story
) -> None:
    path = f"/families/{story.family_id}/journey"
    get(client, journeys, path, role="panel_member", user_id="panel-1")
    get(client, journeys, path, role="qa_officer", user_id="qa-2")
    journeys.app.clock = lambda: NOW + timedelta(days=1)
    get(client, journeys, path, role="panel_member", user_id="panel-1")

    def who(**params: str) -> list[tuple[str, str]]:
        response = get(
            client,
            journeys,
            f"/families/{story.family_id}/access-log",
            role="qa_officer",
            user_id="qa-1",
            params=params,
        )
        assert response.status_code == 200, response.text
        return [(i["user_id"], i["at"][:10]) for i in response.json()["items"]]

    assert who(user_id="panel-1") == [("panel-1", "2025-06-03"), ("panel-1", "2025-06-02")]
    assert who(to="2025-06-02") == [("qa-2", "2025-06-02"), ("panel-1", "2025-06-02")]
    assert who(**{"from": "2025-06-03", "user_id": "panel-1"}) == [("panel-1", "2025-06-03")]
    today = who(**{"from": "2025-06-03T00:00:00Z", "to": "2025-06-03T23:00:00+01:00"})
    assert today[-1] == ("panel-1", "2025-06-03")  # before this test's readings of the log
    assert {day for _, day in today} == {"2025-06-03"}


def test_a_bad_time_filter_is_refused_naming_the_field(
    client: TestClient, journeys: Journeys, story: Story
) -> None:
    response = get(
        client,
        journeys,
        f"/families/{story.family_id}/access-log",
        role="qa_officer",
        params={"from": "last tuesday"},
    )

    assert response.status_code == 422
    assert response.json()["field"] == "from"


@pytest.mark.parametrize("method", ["PUT", "PATCH", "DELETE", "POST"])
def test_no_route_changes_the_log(
    client: TestClient, journeys: Journeys, story: Story, method: str
) -> None:
    get(client, journeys, f"/families/{story.family_id}/journey", role="qa_officer")
    before = logged(journeys, story.uuid)
    for role in ("qa_officer", "admin"):
        headers = {"Authorization": f"Bearer {token(journeys, role)}"}
        for path in (
            f"/families/{story.family_id}/access-log",
            f"/families/{story.family_id}/access-log/{before[0].access_id}",
        ):
            response = client.request(method, path, headers=headers, json={"user_id": "x"})
            assert response.status_code in (404, 405), (path, response.status_code)
            if path.endswith("access-log"):
                assert response.status_code == 405
                assert response.json()["error"] == "not_allowed"

    assert logged(journeys, story.uuid) == before


def test_a_read_that_cannot_be_logged_is_not_answered(
    client: TestClient, journeys: Journeys, settings: Settings, story: Story
) -> None:
    path = f"/families/{story.family_id}/timeline"
    with full_disk(settings, "journeys_access_log"):
        failing = TestClient(client.app, raise_server_exceptions=False)
        refused = get(
            failing, journeys, path, role="qa_officer", params={"min_position": story.position}
        )
    answered = get(client, journeys, path, role="qa_officer")

    assert refused.status_code == 500
    assert "entries" not in refused.text
    assert answered.status_code == 200
    assert len(logged(journeys, story.uuid)) == 1


def test_the_log_survives_many_reads_and_a_restart(
    client: TestClient, journeys: Journeys, settings: Settings, story: Story
) -> None:
    paths = ("timeline", "journey", "journey.svg", "events")
    for n in range(120):
        response = get(
            client,
            journeys,
            f"/families/{story.family_id}/{paths[n % 4]}",
            role="qa_officer",
            user_id=f"qa-{n}",
        )
        assert response.status_code == 200

    restarted = bootstrap(settings)  # another process on the same store
    try:
        entries = logged(restarted, story.uuid)
    finally:
        restarted.close()

    assert [e.user_id for e in entries] == [f"qa-{n}" for n in reversed(range(120))]
    assert [e.access_id for e in entries] == sorted((e.access_id for e in entries), reverse=True)
    assert {e.what for e in entries} == {"timeline", "journey", "journey picture", "events"}


@pytest.mark.postgres
def test_reads_are_logged_on_postgresql(postgres_url: str) -> None:
    settings = Settings(database_url=postgres_url, mode="development")
    with TestClient(create_app(settings)) as client:
        journeys: Journeys = client.app.state.journeys  # type: ignore[attr-defined]
        auth = auth_for(journeys)
        family = client.post(
            "/families",
            json={
                "occurred_at": at("01-06"),
                "area": "strood",
                "members": [{"relationship": "child"}],
            },
            headers=auth("practitioner"),
        ).json()
        read = get(
            client,
            journeys,
            f"/families/{family['family_id']}/events",
            role="panel_member",
            params={"reason": "audit"},
        )
        log = get(
            client, journeys, f"/families/{family['family_id']}/access-log", role="qa_officer"
        )
        invalid = get(
            client,
            journeys,
            f"/families/{family['family_id']}/timeline",
            role="qa_officer",
            params={"limit": "0"},
        )
        across = get(
            client,
            journeys,
            "/access-log",
            role="qa_officer",
            params={"family_id": family["family_id"], "outcome": "invalid"},
        )
        exported = get(
            client,
            journeys,
            "/access-log.csv",
            role="qa_officer",
            params={"family_id": family["family_id"], "role": "panel_member"},
        )

    assert read.status_code == 200
    assert log.status_code == 200
    assert [(i["what"], i["role"], i["reason"]) for i in log.json()["items"]] == [
        ("access log", "qa_officer", None),
        ("events", "panel_member", "audit"),
    ]
    assert invalid.status_code == 422
    assert [(i["what"], i["outcome"]) for i in across.json()["items"]] == [("timeline", "invalid")]
    [row] = list(csv.DictReader(io.StringIO(exported.text)))
    assert (row["what"], row["reason"], row["outcome"]) == ("events", "audit", "read")


def test_the_log_pages_with_the_one_opaque_cursor_of_every_list(
    client: TestClient, journeys: Journeys, story: Story
) -> None:
    for n in range(12):
        journeys.access_log.append(
            Access(story.uuid, f"qa-{n}", "qa_officer", "early_help", "journey", {}, None)
        )
    path = f"/families/{story.family_id}/access-log"
    first = get(client, journeys, path, role="qa_officer", params={"limit": 5}).json()

    # `next` is a cursor of api.common.cursors, and any such cursor pages from where it points.
    assert decode(first["next"]) == first["items"][-1]["access_id"]
    older_than = first["items"][1]["access_id"]
    response = get(
        client, journeys, path, role="qa_officer", params={"limit": 2, "after": encode(older_than)}
    )
    assert response.status_code == 200, response.text
    assert [i["access_id"] for i in response.json()["items"]] == [older_than - 1, older_than - 2]


@pytest.mark.parametrize("path", ["/families/{id}/access-log", "/access-log"])
@pytest.mark.parametrize("cursor", ["012", "-1", "zzzzzzzzzzzzz", "0x1f", "1.5", "A", ""])
def test_a_cursor_not_made_by_the_log_is_refused_naming_after(
    client: TestClient, journeys: Journeys, story: Story, path: str, cursor: str
) -> None:
    response = get(
        client,
        journeys,
        path.format(id=story.family_id),
        role="qa_officer",
        params={"after": cursor},
    )

    assert response.status_code == 422, response.text
    assert response.json()["field"] == "after"
