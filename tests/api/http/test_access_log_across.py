"""The access log across families: filtered by who, when and outcome, a page at a time, as
CSV with a header row; a read refused for a bad parameter is logged once, as invalid."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from uuid import UUID, uuid4

import pytest
from fastapi.testclient import TestClient

from infra.audit.access_log import Access
from infra.bootstrap import Journeys
from infra.settings import Settings
from tests.support.access_log import LEAD, NOW, Story, full_disk, get, logged


@dataclass(frozen=True)
class Logged:
    """Entries of two families by several readers over two days, written straight into the
    log (as the routes do), with the ids they got."""

    family: UUID
    other: UUID
    ids: dict[str, int]


@pytest.fixture
def several(journeys: Journeys, story: Story) -> Logged:
    other = uuid4()
    ids: dict[str, int] = {}

    def write(name: str, family: UUID, user: str, role: str, agency: str, *, outcome: Any) -> None:
        entry = Access(family, user, role, agency, "timeline", {}, "audit", outcome)
        ids[name] = journeys.access_log.append(entry).access_id

    write("qa reads", story.uuid, "qa-1", "qa_officer", "early_help", outcome="read")
    write("lead reads other", other, LEAD, "lead_practitioner", "early_help", outcome="read")
    journeys.app.clock = lambda: NOW + timedelta(days=1)
    write("police refused", story.uuid, "pr-7", "practitioner", "police", outcome="refused")
    write("qa reads other", other, "qa-1", "qa_officer", "early_help", outcome="read")
    journeys.access_log.amend_invalid([ids["qa reads other"]])
    return Logged(story.uuid, other, ids)


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({}, ["qa reads other", "police refused", "lead reads other", "qa reads"]),
        (  # as a form sends the filters left blank: no filter
            dict.fromkeys(("user_id", "role", "agency", "outcome", "from", "to"), ""),
            ["qa reads other", "police refused", "lead reads other", "qa reads"],
        ),
        ({"user_id": "qa-1"}, ["qa reads other", "qa reads"]),
        ({"role": "lead_practitioner"}, ["lead reads other"]),
        ({"agency": "police"}, ["police refused"]),
        ({"outcome": "refused"}, ["police refused"]),
        ({"outcome": "invalid"}, ["qa reads other"]),
        ({"from": "2025-06-03"}, ["qa reads other", "police refused"]),
        ({"to": "2025-06-02T23:59:59+00:00"}, ["lead reads other", "qa reads"]),
        ({"to": "2025-06-02", "user_id": "qa-1"}, ["qa reads"]),
    ],
)
def test_the_log_across_families_filters_by_who_when_and_outcome(
    client: TestClient,
    journeys: Journeys,
    several: Logged,
    params: dict[str, str],
    expected: list[str],
) -> None:
    names = {access_id: name for name, access_id in several.ids.items()}
    for family in (None, several.other):
        asked = params if family is None else {**params, "family_id": str(family)}
        response = get(client, journeys, "/access-log", role="qa_officer", params=asked)
        assert response.status_code == 200, response.text
        found = [names[i["access_id"]] for i in response.json()["items"]]
        wanted = [n for n in expected if family is None or n.endswith("other")]
        assert found == wanted, asked


def test_the_log_across_families_reads_a_page_at_a_time(
    client: TestClient, journeys: Journeys, several: Logged
) -> None:
    seen: list[int] = []
    params: dict[str, Any] = {"limit": 3}
    while True:
        response = get(client, journeys, "/access-log", role="qa_officer", params=params)
        assert response.status_code == 200, response.text
        seen += [i["access_id"] for i in response.json()["items"]]
        if response.json()["next"] is None:
            break
        params["after"] = response.json()["next"]

    assert seen == sorted(several.ids.values(), reverse=True)


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"role": "headteacher"}, "role"),
        ({"agency": "Zinnia's school"}, "agency"),
        ({"outcome": "maybe"}, "outcome"),
        ({"from": "last tuesday"}, "from"),
        ({"to": "2025-06-02T10:00:00"}, "to"),
        ({"family_id": "Zinnia"}, "family_id"),
        ({"user_id": "qa-1\x00"}, "user_id"),  # PostgreSQL text cannot hold a NUL
        ({"user_id": "Zinnia\n"}, "user_id"),
    ],
)
@pytest.mark.parametrize("path", ["/access-log", "/access-log.csv"])
def test_a_bad_filter_of_the_log_is_refused_naming_the_field(
    client: TestClient, journeys: Journeys, path: str, params: dict[str, str], field: str
) -> None:
    response = get(client, journeys, path, role="qa_officer", params=params)

    assert response.status_code == 422
    assert response.json()["field"] == field
    assert "Zinnia" not in response.text


def test_the_csv_holds_every_entry_the_filters_match_with_a_header_row(
    client: TestClient, journeys: Journeys, several: Logged
) -> None:
    for _ in range(3):
        journeys.access_log.append(
            Access(
                several.other,
                "=cmd|x",
                "qa_officer",
                "police",
                "events",
                {"agency": "police"},
                None,
            )
        )
    params = {"agency": "police"}

    exported = get(client, journeys, "/access-log.csv", role="qa_officer", params=params)
    listed = get(client, journeys, "/access-log", role="qa_officer", params=params).json()

    assert exported.status_code == 200, exported.text
    assert exported.headers["content-type"].startswith("text/csv")
    assert "attachment" in exported.headers["content-disposition"]
    header, *rows = list(csv.reader(io.StringIO(exported.text)))
    assert header == [
        "access_id",
        "at",
        "user_id",
        "role",
        "agency",
        "family_id",
        "what",
        "detail",
        "reason",
        "outcome",
    ]
    assert [int(row[0]) for row in rows] == [i["access_id"] for i in listed["items"]]
    assert len(rows) == 4
    police = rows[-1]
    assert police == [
        str(several.ids["police refused"]),
        "2025-06-03T14:30:00Z",
        "pr-7",
        "practitioner",
        "police",
        str(several.family),
        "timeline",
        "{}",
        "audit",
        "refused",
    ]
    # A cell that a spreadsheet would run as a formula is kept as text.
    assert {row[2] for row in rows[:3]} == {"'=cmd|x"}
    assert {row[7] for row in rows[:3]} == {'{"agency":"police"}'}


@pytest.mark.parametrize(
    ("path", "params"),
    [
        ("/families/{id}/timeline", {"limit": "0"}),  # refused by the route's declared types
        ("/families/{id}/timeline", {"as_recorded_at": "last tuesday"}),  # by the route itself
        ("/families/{id}/access-log", {"after": "not-a-cursor"}),
        ("/web/families/{id}", {"as_recorded_at": "last tuesday"}),
    ],
)
def test_a_read_refused_for_a_bad_parameter_is_logged_once_as_invalid(
    client: TestClient, journeys: Journeys, story: Story, path: str, params: dict[str, str]
) -> None:
    response = get(
        client,
        journeys,
        path.format(id=story.family_id),
        role="qa_officer",
        user_id="qa-5",
        params={**params, "reason": "audit"},
    )
    answered = get(client, journeys, path.format(id=story.family_id), role="qa_officer")

    assert response.status_code == 422, response.text
    assert answered.status_code == 200, answered.text
    entries = logged(journeys, story.uuid)
    assert [(e.user_id, e.reason, e.outcome) for e in entries] == [
        ("qa_officer-1", None, "read"),
        ("qa-5", "audit", "invalid"),
    ]
    found = get(client, journeys, "/access-log", role="qa_officer", params={"outcome": "invalid"})
    assert [i["user_id"] for i in found.json()["items"]] == ["qa-5"]


def test_a_422_whose_amendment_cannot_be_written_fails_and_stays_logged_as_read(
    client: TestClient, journeys: Journeys, settings: Settings, story: Story
) -> None:
    path = f"/families/{story.family_id}/timeline"
    with full_disk(settings, "journeys_access_outcome"):
        failing = TestClient(client.app, raise_server_exceptions=False)
        answer = get(failing, journeys, path, role="qa_officer", params={"limit": "0"})

    # The entry says `read`, and the request failed: the log never claims less than happened.
    assert answer.status_code == 500
    assert [e.outcome for e in logged(journeys, story.uuid)] == ["read"]
