"""The re-referral analysis over families recorded through HTTP, on SQLite and PostgreSQL:
both definitions named, rates over wholly observed windows only (an open episode at the
cohort's end is left out of the rates and censored in the curve), small counts suppressed,
and the curve as a picture."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient

from infra.bootstrap import Journeys
from tests.support.api import Auth
from tests.support.episodes import close, family, read, request, settings  # noqa: F401 (a fixture)
from tests.support.walk import Walk

NOW = datetime(2026, 1, 1, tzinfo=UTC)  # the time of the answers: what has been observed


@pytest.fixture
def cohort(client: TestClient, auth: Auth, journeys: Journeys) -> Walk:
    """Six Chatham families re-referred 3 months after a closure, five never again, one
    Chatham family whose request in 2025 is still inside its 12 months on NOW, and one
    Strood family; the walk of the last family recorded."""
    journeys.app.clock = lambda: NOW
    for _ in range(6):
        walk = family(client, auth)
        request(walk, "2024-01-10T10:00:00Z")
        close(walk, "2024-02-10T10:00:00Z")
        request(walk, "2024-05-10T10:00:00Z")
    for _ in range(5):
        walk = family(client, auth)
        request(walk, "2024-01-15T10:00:00Z")
        close(walk, "2024-03-01T10:00:00Z")
    walk = family(client, auth)
    request(walk, "2025-06-01T10:00:00Z")  # open at the cohort's end
    walk = family(client, auth, area="strood")
    request(walk, "2024-02-01T10:00:00Z")
    return walk


def analysis(client: TestClient, auth: Auth, walk: Walk, **query: str) -> dict[str, Any]:
    path = "/research/re-referrals"
    answer: dict[str, Any] = read(client, auth, walk, path, "researcher", **query)
    return answer


def by_definition(answer: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {d["definition"]: d for d in answer["definitions"]}


def test_both_definitions_are_named_with_rates_over_observed_windows(
    client: TestClient, auth: Auth, cohort: Walk
) -> None:
    answer = analysis(client, auth, cohort, area="chatham")
    found = by_definition(answer)
    assert set(found) == {"cin", "closure"}
    assert "previous request" in found["cin"]["description"]
    assert "closure" in found["closure"]["description"]
    assert "Kaplan-Meier" in answer["method"]
    assert "withheld" in answer["suppression"]
    # Requests in 2024 (6 x 2 + 5): the 6 first ones were followed by another within a year;
    # the 2025 request's window is still open on NOW, so it is not counted.
    cin = found["cin"]["overall"]
    assert (cin["episodes"], cin["re_referred"], cin["suppressed"]) == (17, 6, False)
    assert cin["rate"] == round(6 / 17, 4)
    closure = found["closure"]["overall"]  # 11 closures, 6 followed by a request
    assert (closure["episodes"], closure["re_referred"]) == (11, 6)
    assert closure["rate"] == round(6 / 11, 4)
    years = found["closure"]["by"]["year"]
    assert [(r["value"], r["episodes"]) for r in years] == [(2024, 11)]
    reasons = found["closure"]["by"]["closure_reason"]
    assert [(r["value"], r["episodes"]) for r in reasons] == [("no_further_action", 11)]
    needs = found["cin"]["by"]["level_of_need"]
    assert [r["value"] for r in needs] == ["not_assessed"]


def test_the_curve_censors_the_open_episode_and_bands_the_estimate(
    client: TestClient, auth: Auth, cohort: Walk
) -> None:
    curve = by_definition(analysis(client, auth, cohort, area="chatham"))["cin"]
    km = curve["time_to_re_referral"]
    assert km["suppressed"] is False
    assert km["index_events"] == 18  # the open request too, censored at NOW
    assert (km["re_referred"], km["censored"]) == (6, 12)
    shares = [p["not_re_referred"] for p in km["points"]]
    assert shares == sorted(shares, reverse=True)
    assert all(p["lower"] <= p["not_re_referred"] <= p["upper"] for p in km["points"])
    assert shares[-1] == pytest.approx(1 - 6 / 17, abs=0.02)  # 6 of 17 by day 121
    assert km["median_days"] is None  # fewer than half were ever re-referred


def test_counts_under_five_are_withheld(client: TestClient, auth: Auth, cohort: Walk) -> None:
    answer = analysis(client, auth, cohort, area="strood")
    cin = by_definition(answer)["cin"]
    assert cin["overall"] == {
        "value": None, "episodes": None, "re_referred": 0, "rate": None, "suppressed": True,
    }  # fmt: skip
    assert cin["time_to_re_referral"]["suppressed"] is True
    assert cin["time_to_re_referral"]["points"] == []
    everyone = by_definition(analysis(client, auth, cohort))["cin"]["by"]["area"]
    shown = {r["value"]: (r["episodes"], r["suppressed"]) for r in everyone}
    assert shown == {"chatham": (17, False), "strood": (None, True)}


def test_the_curve_as_a_picture_and_who_may_see_it(
    client: TestClient, auth: Auth, cohort: Walk
) -> None:
    params = {"min_position": str(cohort.positions[-1])}
    picture = client.get("/research/re-referrals.svg", params=params, headers=auth("qa_officer"))
    assert picture.status_code == 200
    assert picture.headers["content-type"].startswith("image/svg+xml")
    assert "<svg" in picture.text
    assert "Time to re-referral" in picture.text
    refused = client.get("/research/re-referrals", headers=auth("practitioner"))
    assert refused.status_code == 403
