"""GET /health tells a monitor whether each view keeps up, and which event stopped one."""

from __future__ import annotations

from fastapi.testclient import TestClient

from infra.bootstrap import Journeys
from projections.catalogue import all_projections
from tests.api.conftest import Auth
from tests.api.journey import Walk, at


def register(client: TestClient, auth: Auth) -> int:
    body = {"occurred_at": at("01-06"), "area": "strood", "members": [{"relationship": "child"}]}
    answer = Walk(client, auth).post("", body, event="Registered")
    return int(answer["position"])


def test_health_lists_every_view_caught_up_after_a_command(
    client: TestClient, journeys: Journeys, auth: Auth
) -> None:
    position = register(client, auth)
    journeys.views.wait("families", position, timeout=10)

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

    failing.apply = broken  # type: ignore[method-assign]
    register(client, auth)
    journeys.runner.run_once()

    health = client.get("/health")
    assert health.status_code == 200
    assert health.json()["status"] == "degraded"
    [view] = [v for v in health.json()["views"] if v["name"] == "families"]
    assert view["health"] == "failing"
    assert view["lag_events"] > 0
    assert "RuntimeError applying Family.Registered" in view["last_error"]
