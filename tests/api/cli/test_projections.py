"""`journeys projections status | rebuild`: each view's state, the exit codes a monitor
reads, and rebuilding."""

from __future__ import annotations

import json
from typing import Any

from projections.catalogue import all_projections
from tests.support.cli import info, opened_store, run

# `journeys projections status` exit codes, as the README documents them.
FAILING, NOT_CAUGHT_UP = 1, 3


def view_statuses(env: dict[str, str]) -> tuple[int, dict[str, dict[str, Any]]]:
    code, out, _ = run(env, "projections", "status", "--json")
    return code, {s["name"]: s for s in json.loads(out)}


def test_projections_status_says_not_started_until_a_rebuild_catches_every_view_up(
    env: dict[str, str],
) -> None:
    code, _, _ = run(env, "demo", "--families", "8", "--years", "0.5", "--seed", "4")
    assert code == 0
    events = int(info(env)["events"].split()[0])

    code, before = view_statuses(env)
    assert code == NOT_CAUGHT_UP
    assert set(before) == {p.name for p in all_projections()}
    # No view has read an event: not "behind" by the age of the store's first event.
    assert all(s["lag_events"] == events for s in before.values())
    assert all(s["health"] == "not started" for s in before.values())
    assert all(s["lag_seconds"] is None for s in before.values())
    code, table, _ = run({**env, "COLUMNS": "200"}, "projections", "status")  # one line a view
    assert code == NOT_CAUGHT_UP
    assert table.count("not started") == len(before)

    code, out, _ = run(env, "projections", "rebuild")
    assert code == 0, out
    assert all(f"{name}: version" in out for name in before)

    code, after = view_statuses(env)
    assert code == 0
    assert all(s["position"] == events and s["health"] == "caught up" for s in after.values())
    assert all(s["lag_seconds"] == 0 for s in after.values())
    assert all(after[n]["generation"] == before[n]["generation"] + 1 for n in before)


def test_projections_status_exits_three_while_a_started_view_is_behind(env: dict[str, str]) -> None:
    code, _, _ = run(env, "demo", "--families", "6", "--years", "0.5", "--seed", "4")
    assert code == 0
    events = int(info(env)["events"].split()[0])
    journeys = opened_store(env)
    try:
        journeys.runner.ensure_views()
        for projection, view in journeys.runner.targets():
            journeys.runner.step(projection, view, limit=3)
    finally:
        journeys.close()

    code, statuses = view_statuses(env)

    assert code == NOT_CAUGHT_UP
    assert all(s["health"] == "behind" for s in statuses.values())
    assert all(s["lag_events"] == events - 3 for s in statuses.values())
    # The age of the oldest event not yet applied: the demo recorded it in the past.
    assert all(s["lag_seconds"] > 0 for s in statuses.values())


def test_projections_status_exits_one_when_a_view_is_failing(env: dict[str, str]) -> None:
    code, _, _ = run(env, "demo", "--families", "4", "--years", "0.5", "--seed", "4")
    assert code == 0
    journeys = opened_store(env)

    def broken(*_: object) -> None:
        raise RuntimeError("a bug in a handler")

    try:
        journeys.runner.ensure_views()
        journeys.runner.projections["families"].apply = broken  # type: ignore[method-assign, assignment]
        journeys.runner.catch_up()
    finally:
        journeys.close()

    code, statuses = view_statuses(env)

    assert code == FAILING
    assert statuses["families"]["health"] == "failing"
    assert "RuntimeError applying Family.Registered" in statuses["families"]["last_error"]
    assert all(s["health"] == "caught up" for n, s in statuses.items() if n != "families")


def test_projections_status_of_an_empty_store_is_caught_up(env: dict[str, str]) -> None:
    code, statuses = view_statuses(env)

    assert code == 0
    assert all(s["health"] == "caught up" for s in statuses.values())


def test_rebuild_of_an_unknown_view_names_the_views(env: dict[str, str]) -> None:
    code, _, err = run(env, "projections", "rebuild", "nonesuch")
    assert code == 2
    assert "no view named 'nonesuch'" in err
    assert "families" in err
