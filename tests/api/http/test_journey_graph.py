"""GET /families/{id}/journey (and .svg) and GET /pathways (and .svg) over HTTP, on a family
recorded through HTTP: what a QA officer reads, who may read it, and what is refused."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import asdict
from datetime import UTC, datetime
from typing import Any, cast
from uuid import UUID

import pytest
from fastapi.testclient import TestClient

from api.common.schemas.journey import JourneyPublic
from infra.bootstrap import Journeys
from projections.base import replay
from projections.journey import STAGE_LABELS, JourneyProjection, journey_answers
from projections.journey_picture import journey_svg
from tests.support.api import Auth
from tests.support.journey import FamilyEvent
from tests.support.walk import Walk, at, walk_a_journey

SVG = "{http://www.w3.org/2000/svg}"
# What the walk records about the household and in its notes: none of it may be drawn.
PERSONAL = ("Ada", "Bea", "Stone", "2015-03-01", "School rang about attendance")


@pytest.fixture
def walk(client: TestClient, auth: Auth) -> Walk:
    """A family in Strood: referred, assessed, planned, reviewed, escalated and taken on by
    children's social care, stepped down into early help (see tests/support/walk.py)."""
    return walk_a_journey(client, auth)


def get(client: TestClient, auth: Auth, path: str, role: str = "qa_officer", **params: Any) -> Any:
    response = client.get(path, params=params, headers=auth(role))
    assert response.status_code == 200, response.text
    return response


def test_the_journey_of_a_family_escalated_and_stepped_down(
    client: TestClient, auth: Auth, walk: Walk
) -> None:
    path = f"/families/{walk.family_id}/journey"
    journey = get(client, auth, path, min_position=walk.positions[-1]).json()

    assert journey["family_id"] == walk.family_id
    assert journey["position"] >= walk.positions[-1]
    assert [step["stage"] for step in journey["path"]] == [
        "registered",
        "referred",
        "support_agreed",
        "lead_assigned",
        "assessment",
        "assessed",
        "plan",
        "plan",
        "review",
        "escalated",
        "stepped_up",
        "closed",
        "stepped_down",
    ]
    assert (journey["current_stage"], journey["current_level_of_need"]) == ("stepped_down", None)
    assert (journey["step_cycles"], journey["episodes"], journey["re_referrals"]) == (1, 2, 0)
    stepped_up = journey["path"][10]
    assert stepped_up == {
        "stage": "stepped_up",
        "at": "2025-03-18T10:00:00Z",
        "level_of_need": "statutory",
        "agency": "children_social_care",
        "episode_id": journey["path"][1]["episode_id"],
        "entry_id": stepped_up["entry_id"],
        "detail": "accepted",
    }
    assert journey["time_in_stage"]["assessment"] == 7.0  # 13 to 20 January
    assert journey["time_in_stage"]["plan"] == 42.0  # agreed 27 January, reviewed 10 March
    services = {s["agency"]: s for s in journey["services"]}
    assert {"early_help", "school", "gp", "children_social_care"} <= set(services)
    assert services["school"]["first"] == "2025-01-07T10:00:00Z"  # the contact


def redate_the_review(client: TestClient, auth: Auth, walk: Walk, journey: Any) -> int:
    """A QA officer corrects the review's date from 10 to 3 March; the store position."""
    review = next(step for step in journey["path"] if step["stage"] == "review")
    corrected = client.post(
        f"/families/{walk.family_id}/corrections",
        json={
            "occurred_at": at("06-20"),
            "target_entry_id": review["entry_id"],
            "reason": "wrong_date",
            "changes": {"occurred_at": at("03-03")},
        },
        headers=auth("qa_officer"),
    )
    assert corrected.status_code == 201, corrected.text
    position: int = corrected.json()["position"]
    return position


def test_a_corrected_date_changes_the_time_in_stage(
    client: TestClient, auth: Auth, walk: Walk
) -> None:
    path = f"/families/{walk.family_id}/journey"
    before = get(client, auth, path, min_position=walk.positions[-1]).json()
    corrected = redate_the_review(client, auth, walk, before)
    after = get(client, auth, path, min_position=corrected).json()

    assert before["time_in_stage"]["plan"] - after["time_in_stage"]["plan"] == 7.0
    assert after["time_in_stage"]["review"] - before["time_in_stage"]["review"] == 7.0


def test_the_journey_as_recorded_before_a_correction_is_the_record_of_that_moment(
    client: TestClient, auth: Auth, journeys: Journeys, walk: Walk
) -> None:
    path = f"/families/{walk.family_id}/journey"
    before = get(client, auth, path, min_position=walk.positions[-1]).json()
    stored = get(client, auth, f"/families/{walk.family_id}/events").json()["items"]
    moment = stored[-1]["recorded_at"]  # the last entry recorded before the correction
    corrected = redate_the_review(client, auth, walk, before)

    now = get(client, auth, path, min_position=corrected).json()
    then = get(client, auth, path, as_recorded_at=moment).json()

    assert then["path"] == before["path"] != now["path"]
    assert then["time_in_stage"] != now["time_in_stage"]
    recorded = [
        e
        for e in journeys.app.family_events(UUID(walk.family_id))
        if cast(FamilyEvent, e).timestamp <= datetime.fromisoformat(moment)
    ]
    replayed = journey_answers(
        replay(JourneyProjection(), recorded).docs[walk.family_id],
        as_of=datetime.fromisoformat(moment),
    )
    assert then == JourneyPublic.model_validate(
        {**asdict(replayed), "position": then["position"]}
    ).model_dump(mode="json")
    picture = get(client, auth, path + ".svg", as_recorded_at=moment)
    assert picture.content == journey_svg(replayed, labels=journeys.app.codes)


def test_a_journey_as_recorded_at_a_time_without_a_zone_is_refused_naming_the_field(
    client: TestClient, auth: Auth, walk: Walk
) -> None:
    path = f"/families/{walk.family_id}/journey"
    for asked in (path, path + ".svg"):
        response = client.get(
            asked, params={"as_recorded_at": "2025-03-01T10:00"}, headers=auth("qa_officer")
        )
        assert (response.status_code, response.json()["field"]) == (422, "as_recorded_at")


def test_a_journey_as_recorded_before_the_family_was_registered_is_refused(
    client: TestClient, auth: Auth, walk: Walk
) -> None:
    response = client.get(
        f"/families/{walk.family_id}/journey",
        params={"as_recorded_at": "2001-01-01T00:00:00Z"},
        headers=auth("qa_officer"),
    )

    assert (response.status_code, response.json()["field"]) == (422, "as_recorded_at")


def test_a_family_not_yet_projected_is_read_from_its_events(
    client: TestClient, auth: Auth, journeys: Journeys
) -> None:
    journeys.runner.stop()  # the views stand still from here on
    walk = Walk(client, auth)
    registered = walk.post(
        "",
        {"occurred_at": at("02-03"), "area": "chatham", "members": [{"relationship": "child"}]},
        event="Registered",
        role="practitioner",
    )
    walk.family_id = registered["family_id"]
    walk.post("/requests-for-support", {"occurred_at": at("02-04"), "source": "5D"}, event="R")

    journey = get(client, auth, f"/families/{walk.family_id}/journey").json()

    assert journeys.views.read("journey", walk.family_id)[1] is None
    assert journey["position"] == walk.positions[-1]
    assert journey["current_stage"] == "referred"


def test_unknown_families_strangers_and_other_roles_are_refused(
    client: TestClient, auth: Auth, walk: Walk, journeys: Journeys
) -> None:
    # lp-7's lead ended at the closure on 20 March: they still read within the grace period.
    journeys.app.clock = lambda: datetime(2025, 6, 1, tzinfo=UTC)
    path = f"/families/{walk.family_id}/journey"
    unknown = "/families/00000000-0000-4000-8000-000000000000/journey"

    assert client.get(unknown, headers=auth("qa_officer")).status_code == 404
    assert client.get(unknown + ".svg", headers=auth("panel_member")).status_code == 404
    stranger = client.get(path, headers=auth("lead_practitioner", user_id="lp-99"))
    assert (stranger.status_code, stranger.json()["error"]) == (403, "forbidden")
    assert (
        client.get(path + ".svg", headers=auth("lead_practitioner", user_id="lp-99")).status_code
        == 403
    )
    their_lead = auth("lead_practitioner", user_id="lp-7")
    led = client.get(path, params={"min_position": walk.positions[-1]}, headers=their_lead)
    assert led.status_code == 200
    for role in ("practitioner", "partner", "researcher"):
        assert client.get(path, headers=auth(role)).status_code == 403


def test_the_picture_shows_the_stages_and_no_personal_details(
    client: TestClient, auth: Auth, walk: Walk
) -> None:
    path = f"/families/{walk.family_id}/journey.svg"
    response = get(client, auth, path, min_position=walk.positions[-1])

    assert response.headers["content-type"] == "image/svg+xml"
    root = ET.fromstring(response.content)
    assert root.tag == f"{SVG}svg"
    texts = " ".join("".join(node.itertext()) for node in root.iter(f"{SVG}text"))
    for stage in STAGE_LABELS.values():
        assert stage in texts
    for expected in ("Family journey", "Strood", "Statutory", "stepped down", walk.family_id):
        assert expected in texts
    for detail in PERSONAL:
        assert detail not in response.text


def test_the_same_journey_draws_the_same_picture(
    client: TestClient, auth: Auth, journeys: Journeys, walk: Walk
) -> None:
    journeys.views.wait("journey", walk.positions[-1], timeout=10)
    _, doc = journeys.views.read("journey", walk.family_id)
    assert doc is not None
    answers = journey_answers(doc, as_of=datetime(2025, 7, 1, tzinfo=UTC))

    first = journey_svg(answers, labels=journeys.app.codes)
    again = journey_svg(answers, labels=journeys.app.codes)

    assert first == again
    assert b"<dc:date>" not in first  # no time of drawing in the metadata


# -- pathways ---------------------------------------------------------------------------------


def refer(client: TestClient, auth: Auth, *, area: str, day: str) -> int:
    """A family of `area` referred on `day` (2025) and declining support; its position."""
    walk = Walk(client, auth)
    body = {"occurred_at": at(day), "area": area, "members": [{"relationship": "child"}]}
    walk.family_id = walk.post("", body, event="Registered", role="practitioner")["family_id"]
    walk.post("/requests-for-support", {"occurred_at": at(day), "source": "3A"}, event="R")
    walk.post("/support-decisions", {"occurred_at": at(day), "decision": "declined"}, event="D")
    return walk.positions[-1]


def test_pathways_of_a_cohort_by_area_and_dates(client: TestClient, auth: Auth, walk: Walk) -> None:
    refer(client, auth, area="chatham", day="01-20")
    last = refer(client, auth, area="strood", day="04-01")

    # Exact counts for a QA officer (a researcher sees counts under 5 withheld: test_extracts).
    strood = get(client, auth, "/pathways", "qa_officer", area="strood", min_position=last).json()
    january = get(client, auth, "/pathways", **{"from": "2025-01-01", "to": "2025-01-31"}).json()

    assert (strood["families"], strood["area"], strood["position"] >= last) == (2, "strood", True)
    assert strood["paths"][0]["families"] == 1
    assert {tuple(p["stages"]) for p in strood["paths"]} == {
        ("registered", "referred", "support_declined"),
        (
            "registered",
            "referred",
            "support_agreed",
            "lead_assigned",
            "assessment",
            "assessed",
            "plan",
            "review",
            "escalated",
            "stepped_up",
            "closed",
            "stepped_down",
        ),
    }
    assert (january["families"], january["from"], january["to"]) == (2, "2025-01-01", "2025-01-31")
    gaps = {(g["from_stage"], g["to_stage"]): g for g in january["days_between_stages"]}
    assert gaps["referred", "support_agreed"] == {
        "from_stage": "referred",
        "to_stage": "support_agreed",
        "median_days": 1.0,
        "transitions": 1,
    }
    assert gaps["referred", "support_declined"]["median_days"] == 0.0
    assert january["repeated_step_cycles"] == 0


def test_pathways_refuse_an_unknown_area_and_dates_out_of_order(
    client: TestClient, auth: Auth
) -> None:
    headers = auth("qa_officer")

    answers = {
        "area": client.get("/pathways", params={"area": "atlantis"}, headers=headers),
        "to": client.get(
            "/pathways", params={"from": "2025-02-01", "to": "2025-01-01"}, headers=headers
        ),
        "from": client.get("/pathways", params={"from": "1 March"}, headers=headers),
        "svg": client.get("/pathways.svg", params={"area": "atlantis"}, headers=headers),
    }

    assert {name: r.status_code for name, r in answers.items()} == dict.fromkeys(answers, 422)
    assert {name: r.json()["field"] for name, r in answers.items()} == {
        "area": "area",
        "to": "to",
        "from": "from",
        "svg": "area",
    }
    assert "chatham" in answers["area"].json()["valid"]


def test_the_pathways_picture_is_svg_with_the_cohort(
    client: TestClient, auth: Auth, walk: Walk
) -> None:
    response = get(client, auth, "/pathways.svg", area="strood", min_position=walk.positions[-1])

    assert response.headers["content-type"] == "image/svg+xml"
    root = ET.fromstring(response.content)
    texts = " ".join("".join(node.itertext()) for node in root.iter(f"{SVG}text"))
    assert "1 families" in texts
    assert "Strood" in texts
    assert "escalated" in texts
    assert walk.family_id not in response.text


def test_a_journey_as_recorded_in_the_future_counts_its_days_up_to_now(
    client: TestClient, auth: Auth, walk: Walk
) -> None:
    path = f"/families/{walk.family_id}/journey"
    then = get(client, auth, path, as_recorded_at="2999-01-01T00:00:00Z").json()
    now = get(client, auth, path, min_position=walk.positions[-1]).json()

    assert then["as_of"] <= now["as_of"]  # not the year 2999
    assert then["path"] == now["path"]
