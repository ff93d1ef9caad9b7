"""Sustained outcomes under sf-2022 (held 6 months) and sf-2022-12m, over families recorded
through HTTP, on SQLite and PostgreSQL: held exactly 6 months, a re-referral and an
escalation after 6 months but inside 12, evidence recorded late, a refused retraction of a
closure and a corrected closure date, pending, and not eligible with 2 needs."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from typing import Any

from fastapi.testclient import TestClient

from infra.bootstrap import Journeys
from tests.support.api import Auth
from tests.support.episodes import family, read, request, settings  # noqa: F401 (a fixture)
from tests.support.sustained import correct_date, escalate, evidence, supported
from tests.support.walk import Walk

CLOSED = "2024-02-01T10:00:00Z"  # 6 months later: 2024-08-01T10:00Z; 12: 2025-02-01


def verdicts(
    client: TestClient, auth: Auth, walk: Walk, role: str = "qa_officer", **query: str
) -> dict[str, Any]:
    answer: dict[str, Any] = read(client, auth, walk, "/outcomes/sustained", role, **query)
    return answer


def only(answer: dict[str, Any]) -> dict[str, Any]:
    [episode] = answer["episodes"]
    return dict(episode)


def at_clock(journeys: Journeys, when: str) -> None:
    journeys.app.clock = lambda: datetime.fromisoformat(when).astimezone(UTC)


def test_held_exactly_six_months_is_sustained_and_pending_the_moment_before(
    client: TestClient, auth: Auth, journeys: Journeys
) -> None:
    walk = family(client, auth)
    closure = supported(walk, closed=CLOSED)
    at_clock(journeys, "2024-08-01T09:59:00Z")
    pending = verdicts(client, auth, walk)
    assert only(pending)["status"] == "pending"
    assert pending["counts"] == {"sustained": 0, "not_sustained": 0, "pending": 1,
                                 "not_eligible": 0}  # fmt: skip
    assert pending["claims"] == []
    at_clock(journeys, "2024-08-01T10:00:00Z")
    answer = verdicts(client, auth, walk)
    assert only(answer)["status"] == "sustained"
    assert only(answer)["window_ends_at"].startswith("2024-08-01T10:00:00")
    [claim] = answer["claims"]
    assert claim["episode_id"] == closure["episode_id"]
    assert claim["family_id"] == walk.family_id  # a QA officer sees the family's id
    assert answer["rules"]["id"] == "sf-2022"
    assert answer["rules"]["hold_months"] == 6
    twelve = verdicts(client, auth, walk, rules="sf-2022-12m")
    assert only(twelve)["status"] == "pending"


def test_a_re_referral_on_the_windows_last_moment_does_not_break_it(
    client: TestClient, auth: Auth, journeys: Journeys
) -> None:
    walk = family(client, auth)
    supported(walk, closed=CLOSED)
    request(walk, "2024-08-01T09:59:00Z")
    other = family(client, auth)
    supported(other, closed=CLOSED)
    request(other, "2024-08-01T10:00:00Z")
    at_clock(journeys, "2024-09-01T10:00:00Z")
    answer = verdicts(client, auth, other)
    by_family = {e["family_id"]: e for e in answer["episodes"]}
    broken = by_family[walk.family_id]
    assert broken["status"] == "not_sustained"
    assert broken["broken_by"]["kind"] == "re_referral"
    assert broken["broken_by"]["at"].startswith("2024-08-01T09:59")
    assert by_family[other.family_id]["status"] == "sustained"


def test_an_escalation_at_day_200_breaks_the_twelve_month_check_only(
    client: TestClient, auth: Auth, journeys: Journeys
) -> None:
    walk = family(client, auth)
    supported(walk, closed=CLOSED)
    again = request(walk, "2024-08-14T10:00:00Z")  # day 195: a request, as the domain asks
    raised = escalate(walk, "2024-08-19T10:00:00Z")  # day 200 after the closure
    at_clock(journeys, "2025-06-01T10:00:00Z")
    assert only(verdicts(client, auth, walk))["status"] == "sustained"
    twelve = only(verdicts(client, auth, walk, rules="sf-2022-12m"))
    assert twelve["status"] == "not_sustained"
    assert twelve["broken_by"] == {"kind": "re_referral", "entry_id": again["entry_id"],
                                   "at": twelve["broken_by"]["at"]}  # fmt: skip
    escalation = next(b for b in twelve["breaks"] if b["kind"] == "escalation")
    assert escalation["entry_id"] == raised["entry_id"]
    assert escalation["at"].startswith("2024-08-19")


def test_evidence_recorded_late_breaks_it_and_its_retraction_mends_it(
    client: TestClient, auth: Auth, journeys: Journeys
) -> None:
    walk = family(client, auth)
    supported(walk, closed=CLOSED)
    evidence(walk, "2024-04-01T10:00:00Z", value="96", period=("2024-03-01", "2024-03-31"))
    at_clock(journeys, "2024-09-01T10:00:00Z")
    assert only(verdicts(client, auth, walk))["status"] == "sustained"  # 96%: no regression
    # Recorded after the window ended (the clock is past it), of a time inside it.
    journeys.app.clock = lambda: datetime.now(UTC)
    late = evidence(walk, "2024-05-02T10:00:00Z", value="71.5", period=("2024-04-01", "2024-04-30"))
    at_clock(journeys, "2024-09-01T10:00:00Z")
    broken = only(verdicts(client, auth, walk))
    assert broken["status"] == "not_sustained"
    assert broken["broken_by"]["kind"] == "regression"
    assert broken["broken_by"]["entry_id"] == late["entry_id"]
    journeys.app.clock = lambda: datetime.now(UTC)
    walk.post(
        "/retractions",
        {"occurred_at": "2024-05-03T10:00:00Z", "target_entry_id": late["entry_id"],
         "reason": "recorded_in_error"},
        event="EntryRetracted", role="qa_officer",
    )  # fmt: skip
    at_clock(journeys, "2024-09-01T10:00:00Z")
    assert only(verdicts(client, auth, walk))["status"] == "sustained"


def test_a_corrected_closure_date_changes_the_verdict_and_a_retraction_is_refused(
    client: TestClient, auth: Auth, journeys: Journeys
) -> None:
    walk = family(client, auth)
    closure = supported(walk, closed=CLOSED)
    request(walk, "2024-07-15T10:00:00Z")
    at_clock(journeys, "2024-09-01T10:00:00Z")
    before = verdicts(client, auth, walk)
    assert only(before)["status"] == "not_sustained"
    journeys.app.clock = lambda: datetime.now(UTC)
    refused = client.post(
        f"/families/{walk.family_id}/retractions",
        json={"occurred_at": "2024-08-02T10:00:00Z", "target_entry_id": closure["entry_id"],
              "reason": "recorded_in_error"},
        headers=auth("qa_officer"),
    )  # fmt: skip
    assert refused.status_code == 409, refused.text
    correct_date(walk, closure, at="2024-08-02T10:00:00Z", to="2024-01-12T10:00:00Z")
    at_clock(journeys, "2024-09-01T10:00:00Z")
    after = only(verdicts(client, auth, walk))
    assert after["status"] == "sustained"  # the window now ended on 2024-07-12
    assert after["closed_at"].startswith("2024-01-12")


def test_two_needs_are_not_eligible_and_researchers_are_refused(
    client: TestClient, auth: Auth, journeys: Journeys
) -> None:
    walk = family(client, auth)
    supported(walk, needs=("good_education", "health"), closed=CLOSED)
    at_clock(journeys, "2024-09-01T10:00:00Z")
    answer = verdicts(client, auth, walk)
    episode = only(answer)
    assert episode["status"] == "not_eligible"
    assert episode["failed"] == "fewer than 3 needs (2)"
    # Claim lists name families and episodes: researchers take the pseudonymised extract.
    refused = client.get("/outcomes/sustained", headers=auth("researcher"))
    assert refused.status_code == 403
    headers = {**auth("panel_member"), "Accept": "text/csv"}
    response = client.get("/outcomes/sustained", params={"area": "chatham"}, headers=headers)
    assert response.status_code == 200
    [row] = list(csv.DictReader(io.StringIO(response.text)))
    assert row["status"] == "not_eligible"
    assert row["family_id"] == walk.family_id
    assert row["rules"] == "sf-2022"
    outside = verdicts(client, auth, walk, **{"from": "2024-03-01"})
    assert outside["episodes"] == []
    unknown = client.get("/outcomes/sustained?rules=sf-1999", headers=auth("qa_officer"))
    assert unknown.status_code == 422
    assert "rules" in unknown.text
    assert client.get("/outcomes/sustained", headers=auth("practitioner")).status_code == 403
