"""`journeys demo`: loaded once, ending on the day given, with nothing dated later."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

from simulation.calibration import stored_events
from tests.support.cli import info, opened_store, run


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
