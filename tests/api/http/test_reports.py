"""The dataset report over families recorded through HTTP, on SQLite and PostgreSQL:
re-referrals at exactly 365 and 366 days, an open episode at the cohort's end, a whole
journey's figures, a refused retraction of a closure, and a correction of a closure date
that changes them."""

from __future__ import annotations

import csv
import io
from typing import Any

from fastapi.testclient import TestClient

from tests.support.api import Auth
from tests.support.episodes import close, family, read, request, settings  # noqa: F401 (a fixture)
from tests.support.walk import Walk, walk_a_journey


def dataset(client: TestClient, auth: Auth, walk: Walk, **query: str) -> dict[str, Any]:
    answer: dict[str, Any] = read(client, auth, walk, "/reports/dataset", "qa_officer", **query)
    return answer


def test_re_referral_at_365_days_counts_and_at_366_does_not(client: TestClient, auth: Auth) -> None:
    on_the_day, day_after = family(client, auth), family(client, auth)
    for walk, again in ((on_the_day, "2025-03-01T10:00:00Z"), (day_after, "2025-03-02T10:00:00Z")):
        request(walk, "2024-02-01T10:00:00Z")
        close(walk, "2024-03-01T10:00:00Z")  # 2024-03-01 + 365 days = 2025-03-01
        request(walk, again)
    report = dataset(client, auth, day_after, **{"from": "2025-01-01", "to": "2025-12-31"})
    assert report["requests_for_support"] == 2
    assert report["re_referrals_closure"] == 1  # the 365th day is within 12 months
    assert report["re_referrals_cin"] == 0  # over a year after the previous request
    whole = dataset(client, auth, day_after)
    assert whole["requests_for_support"] == 4
    assert whole["re_referrals_closure"] == 1


def test_the_report_counts_only_its_area_and_period_and_speaks_csv(
    client: TestClient, auth: Auth
) -> None:
    here, there = family(client, auth, "chatham"), family(client, auth, "strood")
    request(here, "2025-01-10T10:00:00Z")
    close(here, "2025-02-10T10:00:00Z")
    request(there, "2025-01-11T10:00:00Z")  # still open at the cohort's end
    january = {"from": "2025-01-01", "to": "2025-01-31"}
    report = dataset(client, auth, there, area="chatham", **january)
    assert report["requests_for_support"] == 1
    assert report["plans_closed"] == 0  # closed in February, with no plan
    assert dataset(client, auth, there, **january)["requests_for_support"] == 2
    csv_headers = {**auth("qa_officer"), "Accept": "text/csv"}
    response = client.get("/reports/dataset", params={"area": "strood"}, headers=csv_headers)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    rows = {row["measure"]: row for row in csv.DictReader(io.StringIO(response.text))}
    assert rows["requests_for_support"]["count"] == "1"
    assert rows["requests_for_support"]["area"] == "strood"


def test_a_corrected_closure_date_changes_the_re_referral_figures(
    client: TestClient, auth: Auth
) -> None:
    walk = family(client, auth)
    request(walk, "2024-01-05T10:00:00Z")
    closure = close(walk, "2024-01-20T10:00:00Z")
    request(walk, "2025-01-25T10:00:00Z")  # 12 months and 5 days after the closure
    assert dataset(client, auth, walk)["re_referrals_closure"] == 0
    walk.post(
        "/corrections",
        {
            "occurred_at": "2025-02-01T10:00:00Z",
            "target_entry_id": closure["entry_id"],
            "reason": "wrong_date",
            "changes": {"occurred_at": "2024-02-01T10:00:00Z"},
        },
        event="EntryCorrected",
        role="qa_officer",
    )
    assert dataset(client, auth, walk)["re_referrals_closure"] == 1


def test_a_whole_journey_counts_once_in_each_measure(client: TestClient, auth: Auth) -> None:
    walk = walk_a_journey(client, auth)
    report = dataset(
        client, auth, walk, area="strood", **{"from": "2025-01-01", "to": "2025-12-31"}
    )
    assert {k: v for k, v in report.items() if k not in {"area", "from", "to", "position"}} == {
        "requests_for_support": 1,
        "assessments_completed": 1,
        "families_with_plan": 1,
        "children_with_plan": 1,  # the household's children now (the baby left)
        "episodes_with_plan": 1,
        "plans_closed": 1,
        "closed_with_outcomes_met": 0,  # closed as a step-up
        "escalated_to_statutory_services": 1,
        "stepped_down": 1,
        "re_referrals_cin": 0,
        "re_referrals_closure": 0,  # a step-down is not a request for support
        "outcomes_sustained": 0,  # closed as a step-up: not eligible
        "rules": "sf-2022",
        "as_recorded_at": None,  # as the record stands now
    }
    before = dataset(client, auth, walk, area="strood", to="2024-12-31")
    assert before["requests_for_support"] == before["assessments_completed"] == 0
    assert dataset(client, auth, walk, area="chatham")["requests_for_support"] == 0


def test_a_closure_cannot_be_retracted_so_the_figures_stand(client: TestClient, auth: Auth) -> None:
    """The domain refuses to retract a closure (it is corrected, or followed by what happened
    next): the refused retraction must leave the re-referral figures as they were."""
    walk = family(client, auth)
    request(walk, "2024-01-05T10:00:00Z")
    closure = close(walk, "2024-01-20T10:00:00Z")
    request(walk, "2024-06-01T10:00:00Z")
    before = dataset(client, auth, walk)
    assert before["re_referrals_closure"] == before["re_referrals_cin"] == 1
    refused = client.post(
        f"/families/{walk.family_id}/retractions",
        json={
            "occurred_at": "2024-06-02T10:00:00Z",
            "target_entry_id": closure["entry_id"],
            "reason": "recorded_in_error",
        },
        headers=auth("qa_officer"),
    )
    assert refused.status_code == 409, refused.text
    assert dataset(client, auth, walk) == before


def test_bad_periods_and_areas_are_named_and_researchers_are_refused(
    client: TestClient, auth: Auth
) -> None:
    headers = auth("qa_officer")
    backwards = client.get("/reports/dataset?from=2025-02-01&to=2025-01-01", headers=headers)
    assert backwards.status_code == 422
    assert "to" in backwards.text
    nowhere = client.get("/reports/dataset?area=atlantis", headers=headers)
    assert nowhere.status_code == 422
    assert "area" in nowhere.text
    refused = client.get("/reports/dataset", headers=auth("researcher"))
    assert refused.status_code == 403
