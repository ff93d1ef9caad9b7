"""The dataset report and the re-referral analysis, over families recorded through HTTP:
re-referrals at exactly 365 and 366 days, an open episode at the cohort's end, and a
correction of a closure date that changes the figures."""

from __future__ import annotations

import csv
import io
from typing import Any

from fastapi.testclient import TestClient

from tests.api.conftest import REGISTRATION, Auth
from tests.api.journey import Walk


def family(client: TestClient, auth: Auth, area: str = "chatham") -> Walk:
    walk = Walk(client, auth)
    answer = walk.post(
        "", {**REGISTRATION, "occurred_at": "2024-01-02T10:00:00Z", "area": area},
        event="Registered", role="practitioner",
    )  # fmt: skip
    walk.family_id = answer["family_id"]
    return walk


def request(walk: Walk, at: str) -> dict[str, Any]:
    return walk.post(
        "/requests-for-support", {"occurred_at": at, "source": "3A"},
        event="SupportRequested", ids=("episode_id",),
    )  # fmt: skip


def close(walk: Walk, at: str, reason: str = "no_further_action") -> dict[str, Any]:
    return walk.post(
        "/closures", {"occurred_at": at, "reason": reason, "outcome_statuses": []},
        event="EpisodeClosed", ids=("episode_id",),
    )  # fmt: skip


def dataset(client: TestClient, auth: Auth, walk: Walk, **query: str) -> dict[str, Any]:
    params = {**query, "min_position": str(walk.positions[-1])}
    response = client.get("/reports/dataset", params=params, headers=auth("qa_officer"))
    assert response.status_code == 200, response.text
    answer: dict[str, Any] = response.json()
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
