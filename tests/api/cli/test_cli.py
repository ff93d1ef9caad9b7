"""The `journeys` command line: tokens that verify, clear refusals, a demo loaded once, and
a description of the store."""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from infra.bootstrap import Journeys, bootstrap
from infra.settings import Settings
from infra.tokens import Tokens
from projections.catalogue import all_projections
from simulation.calibration import stored_events
from tests.support.cli import run


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    """A store of this test's own, whatever JOURNEYS_* the shell has set."""
    return {
        "JOURNEYS_SQLITE_PATH": str(tmp_path / "journeys.sqlite"),
        "JOURNEYS_DATABASE_URL": "",
        "JOURNEYS_MODE": "development",
    }


def info(env: dict[str, str]) -> dict[str, str]:
    code, out, _ = run(env, "info")
    assert code == 0, out
    return dict(line.split(": ", 1) for line in out.strip().splitlines())


def test_token_prints_a_token_that_verifies_on_its_last_line(env: dict[str, str]) -> None:
    code, out, _ = run(env, "token", "--role", "qa_officer", "--user", "qa-7")

    assert code == 0
    settings = Settings(mode="development")  # the secret and issuer the CLI used
    tokens = Tokens(
        secret=settings.jwt_secret.get_secret_value(),
        issuer=settings.jwt_issuer,
        minutes=settings.token_minutes,
    )
    identity = tokens.verify(out.strip().splitlines()[-1])
    assert (identity.user_id, identity.role, identity.agency) == (
        "qa-7",
        "qa_officer",
        "early_help",
    )


def test_token_refuses_an_unknown_role_or_agency_and_names_the_valid_ones(
    env: dict[str, str],
) -> None:
    code, out, err = run(env, "token", "--role", "boss")
    assert code == 2
    assert "unknown role 'boss'" in err
    assert "qa_officer" in err
    assert out == ""

    code, _, err = run(env, "token", "--role", "partner", "--agency", "polce")
    assert code == 2
    assert "unknown agency 'polce'" in err
    assert "police" in err


def test_bad_settings_are_one_line_and_exit_code_two(env: dict[str, str]) -> None:
    for command in (
        ["info"], ["token", "--role", "admin"], ["serve"], ["demo"], ["projections", "status"]
    ):  # fmt: skip
        code, out, err = run({**env, "JOURNEYS_MODE": "production"}, *command)
        assert code == 2, command
        assert err.strip().splitlines() == [
            "journeys: settings: JOURNEYS_JWT_SECRET must be set to a secret of your own in "
            "production"
        ]
        assert "Traceback" not in out + err

    code, _, err = run({**env, "JOURNEYS_TOKEN_MINUTES": "0"}, "info")
    assert code == 2
    assert "JOURNEYS_TOKEN_MINUTES" in err


def test_demo_if_empty_loads_the_demo_once(env: dict[str, str]) -> None:
    assert info(env)["events"].startswith("0 ")

    code, out, _ = run(env, "demo", "--families", "12", "--years", "1", "--seed", "3", "--if-empty")
    assert code == 0, out
    assert "Loaded 12 families" in out
    loaded = info(env)

    code, out, _ = run(env, "demo", "--families", "12", "--years", "1", "--seed", "3", "--if-empty")
    assert code == 0
    assert "already loaded" in out
    # A store loaded on an earlier day keeps the end it had then: say which day that was.
    last = max(event.timestamp for event in demo_events(env)).date()
    assert f"its last entry was recorded on {last}" in out
    assert info(env) == loaded

    code, _, err = run(env, "demo", "--families", "12", "--years", "1")
    assert code == 1
    assert "already holds" in err
    assert info(env) == loaded


# Plans look ahead: an outcome's target and an action's due date are the only future dates.
PLANNED_DATES = frozenset({"target_date", "due_date"})
ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


def dates_in(value: Any, name: str = "") -> Iterator[datetime | date]:
    """Every date and time in an event's fields (nested values too), but planned ones."""
    if name in PLANNED_DATES:
        return
    if isinstance(value, datetime | date):
        yield value
    elif isinstance(value, str) and ISO_DAY.match(value):  # a correction's new value, as text
        yield datetime.fromisoformat(value) if "T" in value else date.fromisoformat(value)
    elif isinstance(value, tuple | list):
        for item in value:
            yield from dates_in(item)
    elif dataclasses.is_dataclass(value) and not isinstance(value, type):
        for item in dataclasses.fields(value):
            yield from dates_in(getattr(value, item.name), item.name)
    elif hasattr(value, "__dict__") and not isinstance(value, type):
        for key, item in vars(value).items():
            yield from dates_in(item, key)


def demo_events(env: dict[str, str]) -> list[Any]:
    journeys = opened_store(env)
    try:
        return list(stored_events(journeys.app))
    finally:
        journeys.close()


def test_the_demo_ends_on_the_day_given_and_nothing_in_it_is_later(env: dict[str, str]) -> None:
    today = date(2025, 6, 18)  # a Wednesday
    day_began = datetime(2025, 6, 18, tzinfo=UTC)

    code, out, _ = run(env, "demo", "--families", "30", "--years", "1", "--today", "2025-06-18")

    assert code == 0, out
    assert "to 2025-06-18" in out
    events = demo_events(env)
    occurred = max(event.occurred_at for event in events)
    recorded = max(event.timestamp for event in events)
    # Open cases are current: the last entries are of the last working days before it.
    assert day_began - timedelta(days=3) < occurred < day_began
    assert day_began - timedelta(days=3) < recorded <= day_began
    assert min(event.timestamp for event in events) >= day_began - timedelta(days=366)
    dated = [(type(event).__name__, when) for event in events for when in dates_in(event)]
    assert {"Registered", "EntryCorrected", "OutcomeEvidenced"} <= {name for name, _ in dated}
    later = [
        (name, when)
        for name, when in dated
        if (when.date() if isinstance(when, datetime) else when) > today
        or (isinstance(when, datetime) and when > day_began)
    ]
    assert later == []


def test_the_demo_by_default_ends_today_and_never_after_now(env: dict[str, str]) -> None:
    code, out, _ = run(env, "demo", "--families", "30", "--years", "0.5")

    assert code == 0, out
    events = demo_events(env)
    now = datetime.now(UTC)
    # The world ends as today began (it ended months before until it did): within a week,
    # whatever the day and however quiet a small demo's last days were.
    assert now - timedelta(days=7) < max(event.occurred_at for event in events)
    assert max(event.timestamp for event in events) <= now


def test_the_demo_refuses_to_end_in_the_future(env: dict[str, str]) -> None:
    tomorrow = (datetime.now(UTC) + timedelta(days=1)).date().isoformat()

    code, _, err = run(env, "demo", "--families", "3", "--today", tomorrow)

    assert code == 2
    assert f"--today {tomorrow} is in the future" in err
    assert info(env)["events"].startswith("0 ")


def test_info_describes_the_store_and_counts_families_and_events(env: dict[str, str]) -> None:
    code, _, _ = run(env, "demo", "--families", "5", "--years", "0.5", "--seed", "9")
    assert code == 0

    described = info(env)
    assert described["store"] == f"SQLite {env['JOURNEYS_SQLITE_PATH']}"
    assert described["families"] == "5"
    assert int(described["events"].split()[0]) > int(described["families"])
    assert described["code lists"] == "2025-3"


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


def opened_store(env: dict[str, str]) -> Journeys:
    """The CLI's store, opened by the test as a running projector would open it."""
    return bootstrap(
        Settings(
            sqlite_path=Path(env["JOURNEYS_SQLITE_PATH"]), database_url=None, mode="development"
        )
    )


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
