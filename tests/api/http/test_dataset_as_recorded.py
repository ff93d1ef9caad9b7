"""The dataset report's sustained outcomes and the report as the record stood on a past
day, over families recorded through HTTP on SQLite and PostgreSQL, each entry recorded on
its own day (the application's clock): a correction recorded after the day changes today's
report and not that day's, in JSON and CSV."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from typing import Any

from fastapi.testclient import TestClient

from infra.bootstrap import Journeys
from tests.support.api import Auth
from tests.support.episodes import family, read, request, settings  # noqa: F401 (a fixture)
from tests.support.sustained import correct_date, supported
from tests.support.walk import Walk

PATH = "/reports/dataset"
EARLY_2024 = {"from": "2024-01-01", "to": "2024-03-31"}


def at_clock(journeys: Journeys, when: str) -> None:
    journeys.app.clock = lambda: datetime.fromisoformat(when).astimezone(UTC)


def dataset(client: TestClient, auth: Auth, walk: Walk, **query: str) -> dict[str, Any]:
    answer: dict[str, Any] = read(client, auth, walk, PATH, "qa_officer", **EARLY_2024, **query)
    return answer


def corrected_family(client: TestClient, auth: Auth, journeys: Journeys) -> Walk:
    """Recorded on 10 August 2024: an episode closed on 1 February with every outcome
    achieved, and a request for support on 15 July (inside 6 months: not sustained).
    Recorded on 20 August: the closure's date corrected to 12 January (the request now
    comes after the 6 months: sustained)."""
    at_clock(journeys, "2024-08-10T10:00:00Z")
    walk = family(client, auth)
    closure = supported(walk, closed="2024-02-01T10:00:00Z")
    request(walk, "2024-07-15T10:00:00Z")
    at_clock(journeys, "2024-08-20T10:00:00Z")
    correct_date(walk, closure, at="2024-08-20T10:00:00Z", to="2024-01-12T10:00:00Z")
    at_clock(journeys, "2024-09-01T10:00:00Z")
    return walk


def test_sustained_outcomes_are_counted_under_the_rule_set_asked(
    client: TestClient, auth: Auth, journeys: Journeys
) -> None:
    walk = corrected_family(client, auth, journeys)
    now = dataset(client, auth, walk)
    assert (now["outcomes_sustained"], now["rules"], now["as_recorded_at"]) == (1, "sf-2022", None)
    assert now["closed_with_outcomes_met"] == 1
    # Under the 12-month check the window is still open on 1 September: pending, not counted.
    assert dataset(client, auth, walk, rules="sf-2022-12m")["outcomes_sustained"] == 0
    unknown = client.get(PATH, params={"rules": "sf-1999"}, headers=auth("qa_officer"))
    assert unknown.status_code == 422
    assert "rules" in unknown.text


def test_a_past_day_report_does_not_show_a_correction_recorded_after_it(
    client: TestClient, auth: Auth, journeys: Journeys
) -> None:
    walk = corrected_family(client, auth, journeys)
    then = dataset(client, auth, walk, as_recorded_at="2024-08-15")
    assert then["as_recorded_at"].startswith("2024-08-15T23:59:59")
    assert then["outcomes_sustained"] == 0  # the closure still on 1 February
    assert then["requests_for_support"] == 1
    assert then["plans_closed"] == 1
    # Before anything was recorded, nothing; from the correction's day on, as today.
    assert dataset(client, auth, walk, as_recorded_at="2024-08-09")["requests_for_support"] == 0
    assert dataset(client, auth, walk, as_recorded_at="2024-08-20")["outcomes_sustained"] == 1

    params = {**EARLY_2024, "as_recorded_at": "2024-08-15", "format": "csv"}
    as_csv = client.get(PATH, params=params, headers=auth("qa_officer"))
    assert as_csv.status_code == 200
    rows = {row["measure"]: row for row in csv.DictReader(io.StringIO(as_csv.text))}
    assert rows["outcomes_sustained"]["count"] == "0"
    assert rows["outcomes_sustained"]["rules"] == "sf-2022"
    assert rows["plans_closed"]["as_recorded_at"].startswith("2024-08-15T23:59:59")
    assert "rules" not in rows
