"""GET /families/search: a family found by a member's name or date of birth, only among the
families the caller may read, every search in the access log (never its terms), no name in
any answer."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.common.reads_search import NO_FAMILY
from infra.bootstrap import Journeys
from tests.support.api import Auth
from tests.support.walk import Walk, at


def register(client: TestClient, auth: Auth, *members: dict[str, Any]) -> dict[str, Any]:
    response = client.post(
        "/families",
        json={"occurred_at": at("01-06"), "area": "strood", "members": list(members)},
        headers=auth("practitioner"),
    )
    assert response.status_code == 201, response.text
    answer: dict[str, Any] = response.json()
    return answer


def search(client: TestClient, auth: Auth, role: str = "qa_officer", **query: str) -> Any:
    return client.get("/families/search", params=query, headers=auth(role))


ZOE = {"relationship": "child", "given_name": "Zoë", "family_name": "Núñez-Hart",
       "date_of_birth": "2014-02-03"}  # fmt: skip
MUM = {"relationship": "parent_carer", "given_name": "Inés", "family_name": "Núñez-Hart"}


@pytest.fixture
def family(client: TestClient, auth: Auth) -> dict[str, Any]:
    register(client, auth, {"relationship": "child", "given_name": "Zoe", "family_name": "Hart"})
    return register(client, auth, ZOE, MUM)


def test_a_family_is_found_by_each_term_typed_in_another_case_without_accents(
    client: TestClient, auth: Auth, family: dict[str, Any]
) -> None:
    zoe, mum = family["member_id_0"], family["member_id_1"]

    by_name = search(client, auth, family_name="nunez hart").json()
    by_given = search(client, auth, given_name="ZOE").json()["items"]
    by_birth = search(client, auth, date_of_birth="2014-02-03").json()["items"]
    together = search(client, auth, family_name="NUNEZHART", given_name="ines").json()["items"]

    assert [i["family_id"] for i in by_name["items"]] == [family["family_id"]]
    assert set(by_name["items"][0]["member_ids"]) == {zoe, mum}
    assert by_name["items"][0]["area"] == "strood"
    assert by_name["more"] is False
    assert len(by_given) == 2  # Zoe Hart too
    assert [(i["family_id"], i["member_ids"]) for i in by_birth] == [(family["family_id"], [zoe])]
    assert [(i["family_id"], i["member_ids"]) for i in together] == [(family["family_id"], [mum])]


def test_terms_must_all_match_the_same_member(
    client: TestClient, auth: Auth, family: dict[str, Any]
) -> None:
    answer = search(client, auth, given_name="Ines", date_of_birth="2014-02-03")

    assert answer.status_code == 200
    assert answer.json() == {"items": [], "more": False}


def test_no_name_is_ever_in_an_answer(
    client: TestClient, auth: Auth, family: dict[str, Any]
) -> None:
    text = search(client, auth, family_name="Nunez-Hart").text

    assert not [n for n in ("Zo", "Nú", "Nu", "Hart", "Inés", "2014-02-03") if n in text]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({}, "family_name"),
        ({"family_name": "", "given_name": ""}, "family_name"),
        ({"date_of_birth": "2014-02-30"}, "date_of_birth"),
        ({"date_of_birth": "1392000000"}, "date_of_birth"),
        ({"family_name": "x" * 101}, "family_name"),
    ],
)
def test_a_search_without_a_valid_term_is_refused_naming_the_field(
    client: TestClient, auth: Auth, journeys: Journeys, query: dict[str, str], field: str
) -> None:
    answer = search(client, auth, **query)

    assert answer.status_code == 422, answer.text
    assert answer.json()["field"] == field
    assert journeys.access_log.page(NO_FAMILY).items == []


def test_only_families_the_caller_may_read_are_found(client: TestClient, auth: Auth) -> None:
    walk = Walk(client, auth)
    led = walk.post("", {"occurred_at": at("01-06"), "area": "strood", "members": [ZOE]},
                    event="Registered", role="practitioner")  # fmt: skip
    walk.family_id = led["family_id"]
    walk.post("/requests-for-support", {"occurred_at": at("01-08"), "source": "3A"}, event="")
    walk.post("/support-decisions", {"occurred_at": at("01-09"), "decision": "agreed"}, event="")
    walk.post(
        "/lead-practitioner",
        {"occurred_at": at("01-09", "12:00"), "practitioner_id": "lp-7", "agency": "early_help"},
        event="",
    )
    other = register(client, auth, ZOE)["family_id"]

    def found(role: str, user_id: str | None = None) -> list[str]:
        response = client.get(
            "/families/search",
            params={"given_name": "zoe", "min_position": walk.positions[-1]},
            headers=auth(role, user_id=user_id),
        )
        assert response.status_code == 200, response.text
        return [i["family_id"] for i in response.json()["items"]]

    assert set(found("qa_officer")) == set(found("panel_member")) == {led["family_id"], other}
    assert found("lead_practitioner", "lp-7") == [led["family_id"]]
    assert found("lead_practitioner", "lp-8") == []
    assert found("practitioner") == []
    for role in ("partner", "researcher", "admin"):
        assert search(client, auth, role, given_name="zoe").status_code == 403


def test_every_search_is_logged_without_its_terms(
    client: TestClient, auth: Auth, journeys: Journeys, family: dict[str, Any]
) -> None:
    search(client, auth, "qa_officer", family_name="Nunez Hart", reason="audit")
    search(client, auth, "practitioner", family_name="Nunez Hart")
    search(client, auth, "qa_officer", given_name="Nobody")

    logged = list(reversed(journeys.access_log.page(family["family_id"]).items))
    nothing = journeys.access_log.page(NO_FAMILY).items

    assert [(e.user_id, e.what, e.outcome, e.reason) for e in logged] == [
        ("qa_officer-1", "search", "read", "audit"),
        ("practitioner-1", "search", "refused", None),  # matched, but not theirs to read
    ]
    assert [(e.user_id, e.what, dict(e.detail)) for e in nothing] == [
        ("qa_officer-1", "search", {"by": "given_name"})
    ]
    assert dict(logged[0].detail) == {"by": "family_name"}
    assert not [e for e in [*logged, *nothing] if "unez" in repr(e) or "obody" in repr(e)]


def test_the_route_is_not_taken_for_a_family_id(client: TestClient, auth: Auth) -> None:
    answer = client.get("/families/search/events", headers=auth("qa_officer"))

    assert answer.status_code == 422  # "search" is no family id
    assert client.get("/families/search", headers=auth("qa_officer")).json()["field"] == (
        "family_name"
    )
