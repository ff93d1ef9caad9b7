"""Every route but /health (and the development login) needs a valid bearer token with a
role allowed to use it. The expected policy (DESIGN.md, "Roles") is the table in
tests/support/routes.py; a route missing from it fails `test_the_table_covers_every_route`.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import uuid4

import pytest
from fastapi.routing import iter_route_contexts
from fastapi.testclient import TestClient

from api.app import create_app
from api.common.deps import SESSION_COOKIE
from infra.bootstrap import Journeys
from infra.tokens import ROLES, Identity, Tokens
from tests.support.api import Auth, auth_for, sqlite_settings, store_position
from tests.support.routes import PAGES, QUERIES, ROUTES, UNGUARDED


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    # One app for the whole table: these requests are refused before they store anything.
    with TestClient(create_app(sqlite_settings(tmp_path_factory.mktemp("access")))) as client:
        yield client


@pytest.fixture(scope="module")
def journeys(client: TestClient) -> Journeys:
    journeys: Journeys = client.app.state.journeys  # type: ignore[attr-defined]
    return journeys


@pytest.fixture(scope="module")
def auth(journeys: Journeys) -> Auth:
    return auth_for(journeys)


class FreshIds(dict[str, str]):
    """Fills every {name} of a path template with a new UUID."""

    def __missing__(self, name: str) -> str:
        return str(uuid4())


def send(client: TestClient, route: tuple[str, str], headers: dict[str, str] | None = None) -> Any:
    method, template = route
    body, _ = ROUTES[route]
    ids = ("family_id", "member_id", "consent_id", "assessment_id", "plan_id", "escalation_id")
    # A research extract's shape is a name, not an id.
    path = template.format_map(
        {
            **{name: uuid4() for name in (*ids, "hold_id", "audit_id", "action_id")},
            "subscription_id": uuid4(),
            "shape": "episodes",
        }
    )
    return client.request(method, path, json=body, headers=headers or {}, params=QUERIES.get(route))


def test_the_table_covers_every_route(tmp_path: Path) -> None:
    app = create_app(sqlite_settings(tmp_path))  # not started: listing routes connects nothing
    served = {
        (method, route.path)
        for route in iter_route_contexts(app.routes)
        if route.path not in UNGUARDED and not str(route.path).startswith("/docs")
        for method in route.methods or ()
        if method != "HEAD"
    }

    assert served == set(ROUTES) | set(PAGES)


@pytest.mark.parametrize("route", list(ROUTES), ids=" ".join)
def test_a_missing_token_is_refused(client: TestClient, route: tuple[str, str]) -> None:
    before = store_position(client)

    response = send(client, route)

    assert response.status_code == 401
    assert response.json()["error"] == "unauthenticated"
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert store_position(client) == before


def bad_tokens(journeys: Journeys) -> dict[str, str]:
    identity = Identity("someone", "lead_practitioner", "early_help")
    stranger = Tokens(secret="not-our-secret-" * 3, issuer="journeys", minutes=60)
    yesterday = datetime.now(UTC) - timedelta(days=1)
    return {
        "garbage": "not-a-token",
        "expired": journeys.tokens.issue(identity, now=yesterday),
        "signed elsewhere": stranger.issue(identity),
        "other issuer": Tokens(journeys.tokens.secret, "elsewhere", 60).issue(identity),
    }


@pytest.mark.parametrize("route", list(ROUTES), ids=" ".join)
def test_an_invalid_or_expired_token_is_refused(
    client: TestClient, journeys: Journeys, route: tuple[str, str]
) -> None:
    before = store_position(client)

    answers = {
        name: send(client, route, {"Authorization": f"Bearer {token}"})
        for name, token in bad_tokens(journeys).items()
    }

    assert {name: r.status_code for name, r in answers.items()} == dict.fromkeys(answers, 401)
    assert all(r.json()["error"] == "unauthenticated" for r in answers.values())
    assert store_position(client) == before


@pytest.mark.parametrize("route", list(ROUTES), ids=" ".join)
def test_only_the_allowed_roles_get_through(
    client: TestClient, auth: Auth, route: tuple[str, str]
) -> None:
    _, allowed = ROUTES[route]
    refused = set(ROLES) - allowed
    before = store_position(client)

    answers = {role: send(client, route, auth(role, "children_social_care")) for role in ROLES}

    assert {r for r, a in answers.items() if a.status_code == 403} == refused
    for role in refused:
        body = answers[role].json()
        assert body["error"] == "forbidden"
        assert all(name in body["detail"] for name in allowed)
    assert store_position(client) == before or route == ("POST", "/families")
    # Allowed roles reach the store: an unknown family (or subscription) is 404; a
    # registration succeeds.
    expected = (
        {"GET": 200, "POST": 201, "DELETE": 404}
        if "{family_id}" not in route[1]
        else {"GET": 404, "POST": 404}
    )
    assert {answers[r].status_code for r in allowed} == {expected[route[0]]}


def open_page(client: TestClient, route: tuple[str, str], token: str | None = None) -> Any:
    path = route[1].format(family_id=uuid4())
    cookie = {"Cookie": f"{SESSION_COOKIE}={token}"} if token is not None else {}
    # A form's POST is posted (an empty form: who may post is decided before what is posted).
    return client.request(route[0], path, headers=cookie, follow_redirects=False)


@pytest.mark.parametrize("route", list(PAGES), ids=" ".join)
def test_a_page_without_a_valid_session_sends_the_browser_to_sign_in(
    client: TestClient, journeys: Journeys, route: tuple[str, str]
) -> None:
    answers = [
        open_page(client, route),
        *(open_page(client, route, t) for t in bad_tokens(journeys).values()),
    ]

    assert {a.status_code for a in answers} == {303}
    assert {a.headers["location"].split("?")[0] for a in answers} == {"/session"}


@pytest.mark.parametrize("route", list(PAGES), ids=" ".join)
def test_only_the_allowed_roles_see_a_page(
    client: TestClient, journeys: Journeys, route: tuple[str, str]
) -> None:
    allowed = PAGES[route]
    tokens = {
        role: journeys.tokens.issue(Identity(f"{role}-1", role, "early_help")) for role in ROLES
    }

    answers = {role: open_page(client, route, token) for role, token in tokens.items()}

    assert {r for r, a in answers.items() if a.status_code == 403} == set(ROLES) - allowed
    assert all(a.headers["content-type"].startswith("text/html") for a in answers.values())
    assert all(name in answers[r].text for r in set(ROLES) - allowed for name in allowed)
    # Allowed roles reach the store: an unknown family is a 404 page.
    expected = 404 if "{family_id}" in route[1] else 200
    assert {answers[r].status_code for r in allowed} == {expected}
