"""GET /families: the directory of families as a practitioner or QA officer pages through it:
where each family stands (stage, since when, level of need, lead, latest activity), filtered
by area, stage and "my families", with an opaque cursor; bad filters are refused by name."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from infra.bootstrap import Journeys
from tests.support.api import Auth
from tests.support.walk import Walk, at


def family(client: TestClient, auth: Auth, area: str, *steps: str, lead: str = "lp-7") -> Walk:
    """A family of `area` taken through `steps` (referred, agreed, led, closed), a day apart
    in January 2025."""
    walk = Walk(client, auth)
    body = {"occurred_at": at("01-06"), "area": area, "members": [{"relationship": "child"}]}
    walk.family_id = walk.post("", body, event="Registered", role="practitioner")["family_id"]
    bodies = {
        "referred": ("/requests-for-support", {"source": "5D"}),
        "agreed": ("/support-decisions", {"decision": "agreed"}),
        "led": ("/lead-practitioner", {"practitioner_id": lead, "agency": "early_help"}),
        "closed": ("/closures", {"reason": "no_further_action"}),
    }
    for day, step in enumerate(steps, start=7):
        path, fields = bodies[step]
        walk.post(path, {"occurred_at": at(f"01-{day:02d}"), **fields}, event=step)
    return walk


def listed(client: TestClient, auth: Auth, role: str = "qa_officer", **params: Any) -> Any:
    response = client.get("/families", params=params, headers=auth(role, user_id="lp-7"))
    assert response.status_code == 200, response.text
    return response.json()


@pytest.fixture
def four(client: TestClient, auth: Auth) -> dict[str, Walk]:
    return {
        "led": family(client, auth, "strood", "referred", "agreed", "led"),
        "referred": family(client, auth, "chatham", "referred"),
        "registered": family(client, auth, "strood"),
        "closed": family(client, auth, "strood", "referred", "agreed", "led", "closed"),
    }


def test_each_family_shows_where_it_stands(
    client: TestClient, auth: Auth, four: dict[str, Walk]
) -> None:
    last = four["closed"].positions[-1]
    items = {f["family_id"]: f for f in listed(client, auth, min_position=last)["items"]}

    led = items[four["led"].family_id]
    assert (led["stage"], led["stage_since"]) == ("lead_assigned", at("01-09"))
    assert (led["lead_practitioner_id"], led["lead_agency"]) == ("lp-7", "early_help")
    assert (led["last_activity_at"], led["level_of_need"]) == (at("01-09"), None)
    closed = items[four["closed"].family_id]
    assert (closed["stage"], closed["stage_since"]) == ("closed", at("01-10"))
    assert closed["lead_practitioner_id"] is None
    registered = items[four["registered"].family_id]
    assert (registered["stage"], registered["stage_since"]) == ("registered", at("01-06"))


def test_filters_by_area_stage_and_my_families(
    client: TestClient, auth: Auth, four: dict[str, Walk]
) -> None:
    def ids(**params: Any) -> set[str]:
        found = listed(client, auth, min_position=four["closed"].positions[-1], **params)
        return {f["family_id"] for f in found["items"]}

    strood = {four[name].family_id for name in ("led", "registered", "closed")}
    assert ids(area="strood") == strood
    assert ids(stage="closed") == {four["closed"].family_id}
    assert ids(area="chatham", stage="referred") == {four["referred"].family_id}
    assert ids(area="chatham", stage="closed") == set()
    # lp-7 led the closed family too, but leads only the open one now.
    assert ids(mine=True) == {four["led"].family_id}


def test_pages_follow_the_opaque_cursor_in_the_order_of_registration(
    client: TestClient, auth: Auth, four: dict[str, Walk]
) -> None:
    last = four["closed"].positions[-1]
    first = listed(client, auth, limit=3, min_position=last)
    rest = listed(client, auth, limit=3, after=first["next"])

    order = [four[name].family_id for name in ("led", "referred", "registered", "closed")]
    assert [f["family_id"] for f in first["items"]] == order[:3]
    assert [f["family_id"] for f in rest["items"]] == order[3:]
    assert rest["next"] is None


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"after": "9223372036854775807"}, "after"),
        ({"after": "-1"}, "after"),
        ({"after": "zzzzzzzzzzzzz"}, "after"),
        ({"stage": "in_limbo"}, "stage"),
        ({"area": "atlantis"}, "area"),
        ({"limit": 0}, "limit"),
    ],
)
def test_bad_filters_and_cursors_are_refused_naming_the_field(
    client: TestClient, auth: Auth, params: dict[str, Any], field: str
) -> None:
    response = client.get("/families", params=params, headers=auth("qa_officer"))

    assert (response.status_code, response.json()["field"]) == (422, field)


def test_roles_that_do_not_find_families_are_refused(client: TestClient, auth: Auth) -> None:
    for role in ("partner", "researcher"):
        assert client.get("/families", headers=auth(role)).status_code == 403


def test_while_an_older_directory_is_still_live_the_list_asks_to_come_back(
    client: TestClient, auth: Auth, journeys: Journeys
) -> None:
    family(client, auth, "strood", "referred")
    journeys.runner.stop()  # the views stand still from here on
    older = journeys.views.create("families", 1, state="building")
    journeys.views.switch("families", older.view_id)  # as before an upgrade's rebuild

    response = client.get("/families", headers=auth("qa_officer"))
    page = client.get("/web/families", headers=auth("qa_officer"))

    assert (response.status_code, response.json()["error"]) == (504, "view_not_ready")
    assert page.status_code == 504


def test_a_practitioner_lists_only_the_families_of_their_caseload(
    client: TestClient, auth: Auth, four: dict[str, Walk]
) -> None:
    last: dict[str, Any] = {"min_position": four["closed"].positions[-1]}

    police = client.get("/families", params=last, headers=auth("practitioner", "police"))
    everyone = listed(client, auth, **last)

    assert police.status_code == 200, police.text
    assert police.json()["items"] == []  # no family here involves the police
    assert {f["family_id"] for f in everyone["items"]} == {w.family_id for w in four.values()}
