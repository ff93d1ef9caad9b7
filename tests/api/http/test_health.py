"""GET /health tells a monitor whether each view keeps up, which event stopped one, and
which have not started yet."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from infra.bootstrap import Journeys
from infra.settings import Settings
from projections.catalogue import all_projections
from tests.support.api import Auth, auth_for
from tests.support.walk import Walk, at


def register(client: TestClient, auth: Auth) -> int:
    body = {"occurred_at": at("01-06"), "area": "strood", "members": [{"relationship": "child"}]}
    answer = Walk(client, auth).post("", body, event="Registered")
    return int(answer["position"])


def test_health_lists_every_view_caught_up_after_a_command(
    client: TestClient, journeys: Journeys, auth: Auth
) -> None:
    position = register(client, auth)
    for projection in all_projections():
        journeys.views.wait(projection.name, position, timeout=10)

    health = client.get("/health").json()
    assert health["status"] == "ok"
    views = {v["name"]: v for v in health["views"] if v["state"] == "live"}
    assert set(views) == {p.name for p in all_projections()}
    assert views["families"]["position"] == position
    assert views["families"]["lag_events"] == 0


def test_a_failing_view_makes_health_degraded_and_names_the_event(
    client: TestClient, journeys: Journeys, auth: Auth
) -> None:
    journeys.runner.stop()
    failing = journeys.runner.projections["families"]

    def broken(*_: object) -> None:
        raise RuntimeError("a bug in a handler")

    failing.apply = broken  # type: ignore[method-assign, assignment]
    register(client, auth)
    journeys.runner.run_once()

    health = client.get("/health")
    assert health.status_code == 200
    assert health.json()["status"] == "degraded"
    [view] = [v for v in health.json()["views"] if v["name"] == "families"]
    assert view["health"] == "failing"
    assert view["lag_events"] > 0
    assert "RuntimeError applying Family.Registered" in view["last_error"]


@pytest.fixture
def external(tmp_path: Path) -> Iterator[TestClient]:
    """An API process that leaves the views to `journeys project`, before it has run."""
    settings = Settings(
        sqlite_path=tmp_path / "j.sqlite",
        database_url=None,
        mode="development",
        projections="external",
    )
    with TestClient(create_app(settings)) as client:
        yield client


def test_views_no_projector_has_started_show_as_starting_with_no_lag_made_up(
    external: TestClient,
) -> None:
    journeys: Journeys = external.app.state.journeys  # type: ignore[attr-defined]
    position = register(external, auth_for(journeys))

    health = external.get("/health").json()
    assert health["status"] == "starting"
    assert {v["name"] for v in health["views"]} == {p.name for p in all_projections()}
    for view in health["views"]:
        assert (view["health"], view["position"], view["lag_events"]) == (
            "not started",
            0,
            position,
        )
        assert view["lag_seconds"] is None

    journeys.runner.ensure_views()
    journeys.runner.catch_up()

    health = external.get("/health").json()
    assert health["status"] == "ok"
    assert {v["health"] for v in health["views"]} == {"caught up"}
    assert {v["lag_seconds"] for v in health["views"]} == {0}
