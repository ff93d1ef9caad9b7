"""GET /families/{family_id}/timeline: a family's story for QA and the case audit panel, as the
record stood at an instant and as of what had happened by then; personal details shown only
from the events, and only to the roles entitled to them; never stored in the view."""

from __future__ import annotations

import sqlite3
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from infra.bootstrap import Journeys
from infra.settings import Settings
from tests.support.api import Auth, auth_for, store_position
from tests.support.journey import CHILD, NOTES, PARENT
from tests.support.walk import Walk, at

LEAD = "lp-7"
CORRECTED_NOTES = "Quartermaine household: the call came from the attendance officer"
DISTINCTIVE = (
    CHILD.given_name,
    CHILD.family_name,
    PARENT.given_name,
    PARENT.address,
    NOTES.notes,
    CORRECTED_NOTES,
    "2014-03-09",  # the child's date of birth
)


@dataclass
class Story:
    family_id: str
    child: str
    contact: str
    correction: str
    position: int


def person(relationship: str, details: Any) -> dict[str, Any]:
    fields = {"given_name", "family_name", "address"}
    return {
        "relationship": relationship,
        "date_of_birth": details.date_of_birth.isoformat(),
        **{name: getattr(details, name) for name in fields if getattr(details, name)},
    }


@pytest.fixture
def story(client: TestClient, auth: Auth) -> Story:
    """A family with distinctive personal details: registered, a school's phone call recorded
    late (after the request for support), escalated, then the call's channel corrected."""
    walk = Walk(client, auth)
    family = walk.post(
        "",
        {
            "occurred_at": at("01-06"),
            "area": "gillingham",
            "members": [person("child", CHILD), person("parent_carer", PARENT)],
        },
        event="Registered",
        role="practitioner",
    )
    walk.family_id = family["family_id"]
    walk.post("/requests-for-support", {"occurred_at": at("01-08"), "source": "3A"}, event="")
    walk.post("/support-decisions", {"occurred_at": at("01-09"), "decision": "agreed"}, event="")
    walk.post(
        "/lead-practitioner",
        {"occurred_at": at("01-09", "12:00"), "practitioner_id": LEAD, "agency": "early_help"},
        event="",
    )
    contact = walk.post(
        "/contacts",
        {
            "occurred_at": at("01-07"),
            "agency": "school",
            "channel": "phone",
            "reason": "concern",
            "member_ids": [family["member_id_0"]],
            "notes": NOTES.notes,
        },
        event="",
        role="practitioner",
        agency="school",
    )
    walk.post(
        "/escalations",
        {
            "occurred_at": at("01-20"),
            "to_service": "children_social_care",
            "reason": "needs_escalated",
            "safeguarding": False,
            "lawful_basis": "public_task",
        },
        event="",
        user_id=LEAD,
        role="lead_practitioner",
    )
    correction = walk.post(
        "/corrections",
        {
            "occurred_at": at("01-21"),
            "target_entry_id": contact["entry_id"],
            "reason": "wrong_code",
            "changes": {"channel": "home_visit"},
            "notes": CORRECTED_NOTES,
        },
        event="",
        role="qa_officer",
    )
    return Story(
        family_id=family["family_id"],
        child=family["member_id_0"],
        contact=contact["entry_id"],
        correction=correction["entry_id"],
        position=correction["position"],
    )


def read(
    client: TestClient, headers: dict[str, str], family_id: str, **params: Any
) -> dict[str, Any]:
    response = client.get(f"/families/{family_id}/timeline", params=params, headers=headers)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def timeline_of(client: TestClient, auth: Auth, story: Story, **params: Any) -> dict[str, Any]:
    return read(client, auth("qa_officer"), story.family_id, min_position=story.position, **params)


def by_id(body: dict[str, Any], entry_id: str) -> dict[str, Any]:
    [entry] = [e for e in body["entries"] if e["entry_id"] == entry_id]
    found: dict[str, Any] = entry
    return found


def test_the_timeline_tells_the_story_in_the_order_it_happened(
    client: TestClient, auth: Auth, story: Story
) -> None:
    body = timeline_of(client, auth, story)

    assert set(body) == {"family_id", "entries", "next", "position"}
    assert (body["family_id"], body["next"]) == (story.family_id, None)
    assert body["position"] >= story.position
    assert [e["type"] for e in body["entries"]] == [
        "Registered",
        "ContactRecorded",  # recorded after the request for support; it happened before
        "SupportRequested",
        "SupportAgreed",
        "LeadPractitionerAssigned",
        "EscalationRaised",
        "EntryCorrected",
    ]
    contact = by_id(body, story.contact)
    assert set(contact) == {
        "entry_id", "type", "version", "occurred_at", "recorded_at", "actor", "agency",
        "episode_id", "summary", "facts", "corrections", "retracted", "personal_fields",
        "personal",
    }  # fmt: skip
    assert contact["occurred_at"] == "2025-01-07T10:00:00Z"
    assert contact["actor"] == {
        "user_id": "practitioner-1",
        "role": "practitioner",
        "agency": "school",
    }
    assert contact["agency"] == "school"
    assert contact["summary"] == "Contact by Home visit from School: Concern raised"
    assert contact["facts"]["channel"] == "home_visit"
    assert contact["retracted"] is None
    [correction] = contact["corrections"]
    assert correction["entry_id"] == story.correction
    assert correction["reason"] == "wrong_code"
    assert correction["actor"]["role"] == "qa_officer"
    assert correction["changes"] == [{"field": "channel", "before": "phone", "after": "home_visit"}]
    escalation = body["entries"][5]
    assert escalation["agency"] == "children_social_care"
    assert escalation["summary"] == (
        "Escalated to Children's social care (front door): Needs have increased beyond early help"
    )
    assert escalation["episode_id"] is not None


@pytest.mark.parametrize("role", ["qa_officer", "panel_member", "lead_practitioner"])
def test_entitled_readers_see_personal_details_read_from_the_events(
    client: TestClient, auth: Auth, story: Story, role: str
) -> None:
    headers = auth(role, user_id=LEAD if role == "lead_practitioner" else None)
    body = read(client, headers, story.family_id, min_position=story.position)

    registration = body["entries"][0]
    assert registration["personal"]["members"][story.child] == {
        "given_name": CHILD.given_name,
        "family_name": CHILD.family_name,
        "date_of_birth": "2014-03-09",
    }
    assert f"members.{story.child}.given_name" in registration["personal_fields"]
    contact = by_id(body, story.contact)
    assert (contact["personal"], contact["personal_fields"]) == ({"notes": NOTES.notes}, ["notes"])
    assert contact["corrections"][0]["personal"] == {"notes": CORRECTED_NOTES}
    assert by_id(body, story.correction)["personal"] == {"notes": CORRECTED_NOTES}
    assert by_id(body, story.correction)["summary"] == (
        "Correction of contact recorded: channel, personal details (Wrong code chosen)"
    )
    assert body["entries"][2]["personal"] is None  # the request for support holds none


def test_the_stored_view_holds_no_personal_details(
    client: TestClient, auth: Auth, story: Story, settings: Settings
) -> None:
    timeline_of(client, auth, story)  # the view has caught up with the story

    with sqlite3.connect(settings.sqlite_path) as db:
        rows = db.execute("SELECT view_id, key, doc FROM journeys_view_docs").fetchall()

    assert any(v.startswith("timeline.") and k == story.family_id for v, k, _ in rows)
    for _, _, doc in rows:
        assert not [value for value in DISTINCTIVE if value and value in doc]


def test_as_recorded_before_a_correction_neither_it_nor_its_notes_are_shown(
    client: TestClient, auth: Auth, story: Story
) -> None:
    today = timeline_of(client, auth, story)
    made = datetime.fromisoformat(by_id(today, story.correction)["recorded_at"])

    then = client.get(
        f"/families/{story.family_id}/timeline",
        params={"as_recorded_at": (made - timedelta(microseconds=1)).isoformat()},
        headers=auth("qa_officer"),
    )

    assert then.status_code == 200, then.text
    contact = by_id(then.json(), story.contact)
    assert (contact["facts"]["channel"], contact["corrections"]) == ("phone", [])
    assert "EntryCorrected" not in [e["type"] for e in then.json()["entries"]]
    assert CORRECTED_NOTES not in then.text
    assert NOTES.notes in then.text  # the contact's own notes were recorded by then


def test_a_date_alone_means_the_end_of_that_day_utc(
    client: TestClient, auth: Auth, story: Story
) -> None:
    everything = timeline_of(client, auth, story)["entries"]
    day = datetime.fromisoformat(everything[0]["recorded_at"]).date()
    recorded_that_day = [
        e["entry_id"] for e in everything if datetime.fromisoformat(e["recorded_at"]).date() <= day
    ]

    on_the_day = timeline_of(client, auth, story, as_recorded_at=day.isoformat())["entries"]
    before = timeline_of(client, auth, story, as_recorded_at=(day - timedelta(days=1)).isoformat())
    by_the_8th = timeline_of(client, auth, story, as_occurred_by="2025-01-08")["entries"]

    assert [e["entry_id"] for e in on_the_day] == recorded_that_day
    assert before["entries"] == []
    assert [e["type"] for e in by_the_8th] == ["Registered", "ContactRecorded", "SupportRequested"]


@pytest.mark.parametrize("field", ["as_recorded_at", "as_occurred_by"])
@pytest.mark.parametrize(
    "value",
    [
        "Zinnia",  # malformed
        "2025-02-30",  # impossible
        "2025-02-30T10:00:00Z",
        "2025-13-01T10:00:00Z",
        "2025-03-03T10:00:00",  # no time zone
        "0001-01-01T00:00:00+01:00",  # out of range in UTC
    ],
)
def test_times_that_are_malformed_impossible_or_without_a_zone_are_refused(
    client: TestClient, auth: Auth, story: Story, field: str, value: str
) -> None:
    response = client.get(
        f"/families/{story.family_id}/timeline", params={field: value}, headers=auth("qa_officer")
    )

    assert response.status_code == 422, response.text
    body = response.json()
    assert (body["error"], body["field"]) == ("invalid", field)
    assert body["detail"]
    assert value not in response.text  # the value sent is not repeated


@pytest.mark.parametrize(
    ("params", "field"),
    [({"after": "not-a-cursor"}, "after"), ({"limit": 0}, "limit"), ({"limit": 501}, "limit")],
)
def test_a_bad_cursor_or_limit_is_refused(
    client: TestClient, auth: Auth, story: Story, params: dict[str, Any], field: str
) -> None:
    response = client.get(
        f"/families/{story.family_id}/timeline", params=params, headers=auth("qa_officer")
    )

    assert response.status_code == 422, response.text
    assert (response.json()["error"], response.json()["field"]) == ("invalid", field)


def test_pages_follow_one_another_to_the_end(client: TestClient, auth: Auth, story: Story) -> None:
    everything = [e["entry_id"] for e in timeline_of(client, auth, story)["entries"]]
    seen: list[str] = []
    body = timeline_of(client, auth, story, limit=2)
    while True:
        seen += [e["entry_id"] for e in body["entries"]]
        assert len(body["entries"]) == 2 or body["next"] is None
        if body["next"] is None:
            break
        body = timeline_of(client, auth, story, limit=2, after=body["next"])

    assert seen == everything


def test_an_unknown_family_is_not_found(client: TestClient, auth: Auth) -> None:
    response = client.get(
        "/families/7f0c4b8e-3d5e-4a40-9d8c-2b1e0f6a9c11/timeline", headers=auth("qa_officer")
    )

    assert response.status_code == 404
    assert response.json()["error"] == "not_found"


@pytest.mark.parametrize(
    ("role", "user_id"),
    [
        ("practitioner", None),
        ("partner", None),
        ("researcher", None),
        ("admin", None),
        ("lead_practitioner", "lp-9"),  # never led this family
    ],
)
def test_others_may_not_read_the_timeline(
    client: TestClient, auth: Auth, story: Story, role: str, user_id: str | None
) -> None:
    response = client.get(
        f"/families/{story.family_id}/timeline",
        params={"min_position": story.position},
        headers=auth(role, "children_social_care", user_id=user_id),
    )

    assert response.status_code == 403, response.text
    assert response.json()["error"] == "forbidden"
    assert CHILD.given_name not in response.text


def test_a_family_the_view_has_not_reached_is_read_from_its_events(
    client: TestClient, auth: Auth, journeys: Journeys
) -> None:
    journeys.runner.stop()  # the view stands still
    walk = Walk(client, auth)
    family = walk.post(
        "",
        {"occurred_at": at("01-06"), "area": "strood", "members": [person("child", CHILD)]},
        event="Registered",
        role="practitioner",
    )

    body = read(client, auth("qa_officer"), family["family_id"])

    assert journeys.views.read("timeline", family["family_id"])[1] is None
    assert [e["type"] for e in body["entries"]] == ["Registered"]
    assert body["entries"][0]["personal"]["members"][family["member_id_0"]]["given_name"] == (
        CHILD.given_name
    )


def standing_views(tmp_path: Path, *, read_wait_seconds: float) -> TestClient:
    """An app whose views never move: no projector runs (projections external), so the
    store reaches positions the views do not."""
    settings = Settings(
        sqlite_path=tmp_path / "j.sqlite",
        database_url=None,
        mode="development",
        projections="external",
        read_wait_seconds=read_wait_seconds,
    )
    return TestClient(create_app(settings))


def registered(client: TestClient, auth: Auth) -> dict[str, str]:
    return Walk(client, auth).post(
        "",
        {"occurred_at": at("01-06"), "area": "strood", "members": [{"relationship": "child"}]},
        event="Registered",
        role="practitioner",
    )


def test_a_position_the_view_does_not_reach_in_time_answers_504(tmp_path: Path) -> None:
    with standing_views(tmp_path, read_wait_seconds=0.2) as client:
        journeys: Journeys = client.app.state.journeys  # type: ignore[attr-defined]
        auth = auth_for(journeys)
        family = registered(client, auth)
        head = store_position(client)

        response = client.get(
            f"/families/{family['family_id']}/timeline",
            params={"min_position": head},
            headers=auth("qa_officer"),
        )

    assert response.status_code == 504, response.text
    body = response.json()
    assert body["error"] == "view_not_ready"
    assert 0 <= body["position"] < head


def test_the_caller_may_wait_less_than_the_server_allows_and_hears_where_the_view_is(
    tmp_path: Path,
) -> None:
    with standing_views(tmp_path, read_wait_seconds=10) as client:
        journeys: Journeys = client.app.state.journeys  # type: ignore[attr-defined]
        auth = auth_for(journeys)
        family = registered(client, auth)
        url = f"/families/{family['family_id']}/timeline"
        behind = {"min_position": family["position"], "wait_seconds": 0.05}

        started = time.monotonic()
        late = client.get(url, params=behind, headers=auth("qa_officer"))
        waited = time.monotonic() - started
        now = client.get(url, headers=auth("qa_officer"))  # no wait asked: the events answer
        too_long = client.get(
            url, params={**behind, "wait_seconds": 61}, headers=auth("qa_officer")
        )

    assert late.status_code == 504, late.text
    assert late.json()["position"] < int(family["position"])
    assert waited < journeys.settings.read_wait_seconds  # not the server's 10 s
    assert now.status_code == 200
    assert (too_long.status_code, too_long.json()["field"]) == (422, "wait_seconds")
