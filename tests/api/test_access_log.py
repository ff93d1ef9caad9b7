"""Who read a child's record: every read of a family's record through the API or the web
pages leaves one entry in the access log (who, role, agency, when, what, why); refusals of
a known family are logged as such; only QA officers read the log, and nothing edits it."""

from __future__ import annotations

import csv
import io
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import pytest
from fastapi.routing import iter_route_contexts
from fastapi.testclient import TestClient

from api.app import create_app
from api.http.access import WHAT
from api.http.cursors import decode, encode
from infra.audit.access_log import Access
from infra.bootstrap import Journeys, bootstrap
from infra.settings import Settings
from infra.tokens import ROLES
from tests.support.access_log import LEAD, NOW, Story, get, logged, tell_story, token
from tests.support.api import Auth, auth_for, sqlite_settings
from tests.support.routes import PAGES, ROUTES
from tests.support.walk import at


@pytest.fixture
def story(client: TestClient, auth: Auth, journeys: Journeys) -> Story:
    return tell_story(client, auth, journeys)


@dataclass(frozen=True)
class Read:
    """A read of the story's family, and what the log must say of it."""

    path: str
    role: str
    user_id: str
    what: str
    query: dict[str, str] = field(default_factory=dict)
    agency: str = "early_help"

    @property
    def detail(self) -> dict[str, str]:
        """What shaped the answer is logged; how it was paged is not."""
        return {k: v for k, v in self.query.items() if k != "limit"}


READS = [
    Read(
        "/families/{id}/timeline",
        "qa_officer",
        "qa-9",
        "timeline",
        {"as_recorded_at": "2025-03-01", "as_occurred_by": "2025-02-01T12:00:00Z", "limit": "5"},
    ),
    Read("/families/{id}/journey", "panel_member", "panel-3", "journey"),
    Read("/families/{id}/journey.svg", "lead_practitioner", LEAD, "journey picture"),
    Read("/families/{id}/events", "practitioner", LEAD, "events"),  # the lead, either role
    Read(
        "/families/{id}/access-log",
        "qa_officer",
        "qa-9",
        "access log",
        {"user_id": "qa-2", "from": "2025-01-01", "limit": "5"},
    ),
    Read(
        "/web/families/{id}", "qa_officer", "qa-9", "family page", {"as_recorded_at": "2025-03-01"}
    ),
    Read(
        "/web/families/{id}/print",
        "panel_member",
        "panel-3",
        "family print",
        {"as_recorded_at": "2025-03-01"},
    ),
]


@pytest.mark.parametrize("read", READS, ids=[r.path for r in READS])
def test_each_read_of_a_family_leaves_one_entry_saying_who_what_when_and_why(
    client: TestClient, journeys: Journeys, story: Story, read: Read
) -> None:
    response = get(
        client,
        journeys,
        read.path.format(id=story.family_id),
        role=read.role,
        agency=read.agency,
        user_id=read.user_id,
        params={**read.query, "reason": "case_review", "min_position": story.position},
    )

    assert response.status_code == 200, response.text
    [entry] = logged(journeys, story.uuid)
    assert (entry.user_id, entry.role, entry.agency) == (read.user_id, read.role, read.agency)
    assert (entry.what, entry.detail, entry.reason) == (read.what, read.detail, "case_review")
    assert (entry.family_id, entry.at, entry.outcome) == (story.uuid, NOW, "read")


def reading_role(allowed: set[str]) -> str:
    """A role that may read the route without being a lead the family must have had."""
    return next(r for r in ("qa_officer", "panel_member", "practitioner", *ROLES) if r in allowed)


# GET routes under one family that read nothing of its record, and why.
NOT_THE_RECORD = {
    # Recomputes the hash chain of the stored bytes: says intact or not, and names the first
    # entry that does not match by id; no content of the record.
    "/families/{family_id}/integrity"
}


def family_reads() -> list[tuple[str, str]]:
    """Every GET route that takes one family and nothing else, with a role allowed to use it
    (a route missing from test_access's table fails there; here it is tried as QA)."""
    app = create_app(sqlite_settings(Path("unused")))  # listing routes connects nothing
    table = {**{route: roles for route, (_, roles) in ROUTES.items()}, **PAGES}
    paths = {
        str(route.path)
        for route in iter_route_contexts(app.routes)
        if "GET" in (route.methods or ()) and str(route.path).count("{") == 1
    }
    return [
        (path, reading_role(table.get(("GET", path), {"qa_officer"})))
        for path in sorted(paths - NOT_THE_RECORD)
        if "{family_id}" in path
    ]


@pytest.mark.parametrize(("path", "role"), family_reads())
def test_no_route_reads_a_family_without_logging_it(
    client: TestClient, journeys: Journeys, story: Story, path: str, role: str
) -> None:
    # A guard for routes added later: each one that reads a family must log it, by name.
    response = get(
        client,
        journeys,
        path.format(family_id=story.family_id),
        role=role,
        agency="police",
        params={"agency": "police"},  # whose view, for the shared view; others ignore it
    )

    assert response.status_code == 200, response.text
    entries = logged(journeys, story.uuid)
    assert path in WHAT, f"name what {path} reads in api.http.access.WHAT"
    assert [(e.what, e.role, e.outcome) for e in entries] == [(WHAT[path], role, "read")]


def test_the_reason_may_be_given_as_a_header(
    client: TestClient, journeys: Journeys, story: Story
) -> None:
    path = f"/families/{story.family_id}/journey"
    given = [
        get(client, journeys, path, role="qa_officer", headers={"X-Journeys-Reason": "complaint"}),
        get(
            client,
            journeys,
            path,
            role="qa_officer",
            headers={"X-Journeys-Reason": "audit"},
            params={"reason": "audit"},
        ),
        get(client, journeys, path, role="qa_officer"),
    ]

    assert [r.status_code for r in given] == [200, 200, 200]
    assert [e.reason for e in logged(journeys, story.uuid)] == [None, "audit", "complaint"]


@pytest.mark.parametrize(
    ("options", "field"),
    [
        ({"params": {"reason": "Zinnia Quartermaine asked"}}, "reason"),
        ({"params": {"reason": ""}}, "reason"),
        ({"headers": {"X-Journeys-Reason": "Zinnia Quartermaine asked"}}, "reason"),
        ({"params": {"reason": "audit"}, "headers": {"X-Journeys-Reason": "other"}}, "reason"),
        ({"params": {"reason": "Zinnia " * 20}}, "reason"),
    ],
    ids=["unknown code", "empty", "unknown header", "two reasons", "too long"],
)
def test_a_reason_not_on_the_list_is_refused_and_nothing_is_read(
    client: TestClient, journeys: Journeys, story: Story, options: dict[str, Any], field: str
) -> None:
    response = get(
        client, journeys, f"/families/{story.family_id}/timeline", role="qa_officer", **options
    )

    assert response.status_code == 422
    body = response.json()
    assert (body["error"], body["field"]) == ("invalid", field)
    assert "Zinnia" not in response.text  # free text is never repeated back
    assert logged(journeys, story.uuid) == []


def test_the_valid_reasons_are_named_in_the_refusal(
    client: TestClient, journeys: Journeys, story: Story
) -> None:
    response = get(
        client,
        journeys,
        f"/families/{story.family_id}/events",
        role="practitioner",
        params={"reason": "curiosity"},
    )

    assert response.status_code == 422
    assert {"audit", "case_review", "safeguarding_check", "other"} <= set(response.json()["valid"])


def test_a_refused_attempt_at_a_known_family_is_logged_as_refused(
    client: TestClient, journeys: Journeys, story: Story
) -> None:
    family = story.family_id
    attempts = [
        # a lead practitioner who has never led this family
        get(
            client,
            journeys,
            f"/families/{family}/timeline",
            role="lead_practitioner",
            user_id="lp-9",
            params={"min_position": story.position},
        ),
        # roles that may not read a family's events or page
        get(
            client,
            journeys,
            f"/families/{family}/events",
            role="researcher",
            params={"reason": "other"},
        ),
        get(client, journeys, f"/web/families/{family}", role="partner", agency="police"),
    ]

    assert [a.status_code for a in attempts] == [403, 403, 403]
    entries = logged(journeys, story.uuid)
    assert [(e.user_id, e.role, e.what, e.reason, e.outcome) for e in entries] == [
        ("partner-1", "partner", "family page", None, "refused"),
        ("researcher-1", "researcher", "events", "other", "refused"),
        ("lp-9", "lead_practitioner", "timeline", None, "refused"),
    ]


def test_no_entry_for_a_family_that_does_not_exist(client: TestClient, journeys: Journeys) -> None:
    unknown = uuid4()
    answers = [
        get(client, journeys, f"/families/{unknown}/timeline", role="qa_officer"),
        get(client, journeys, f"/families/{unknown}/events", role="researcher"),
        get(client, journeys, f"/families/{unknown}/access-log", role="qa_officer"),
    ]

    assert [a.status_code for a in answers] == [404, 403, 404]
    assert logged(journeys, unknown) == []


@pytest.mark.parametrize("role", sorted(set(ROLES) - {"qa_officer"}))
def test_only_qa_officers_read_the_access_log(
    client: TestClient, journeys: Journeys, story: Story, role: str
) -> None:
    get(client, journeys, f"/families/{story.family_id}/journey", role="qa_officer")

    response = get(client, journeys, f"/families/{story.family_id}/access-log", role=role)

    assert response.status_code == 403
    assert "qa_officer" in response.json()["detail"]
    assert [(e.role, e.what, e.outcome) for e in logged(journeys, story.uuid)] == [
        (role, "access log", "refused"),
        ("qa_officer", "journey", "read"),
    ]


def test_the_log_reads_a_page_at_a_time_newest_first_and_logs_its_own_reading(
    client: TestClient, journeys: Journeys, story: Story
) -> None:
    for n in range(7):
        get(
            client,
            journeys,
            f"/families/{story.family_id}/journey",
            role="panel_member",
            user_id=f"panel-{n}",
        )
    path = f"/families/{story.family_id}/access-log"

    pages: list[dict[str, Any]] = []
    cursor: str | None = None
    while True:
        params: dict[str, Any] = {"limit": 3, **({"after": cursor} if cursor else {})}
        response = get(client, journeys, path, role="qa_officer", params=params)
        assert response.status_code == 200, response.text
        pages.append(response.json())
        cursor = pages[-1]["next"]
        if cursor is None:
            break

    seen = [item for page in pages for item in page["items"]]
    # The first page starts with its own reading; later readings are newer than the cursor.
    assert [len(page["items"]) for page in pages] == [3, 3, 2]
    assert [item["user_id"] for item in seen] == ["qa_officer-1"] + [
        f"panel-{n}" for n in reversed(range(7))
    ]
    assert [item["what"] for item in seen] == ["access log"] + ["journey"] * 7
    assert len({item["access_id"] for item in seen}) == 8
    assert seen[0]["at"] == "2025-06-02T14:30:00Z"
    assert seen[0]["detail"] == {}
    assert seen[1] | {"access_id": 0} == {
        "access_id": 0,
        "family_id": story.family_id,
        "at": "2025-06-02T14:30:00Z",
        "user_id": "panel-6",
        "role": "panel_member",
        "agency": "early_help",
        "what": "journey",
        "detail": {},
        "reason": None,
        "outcome": "read",
    }


def test_the_log_filters_by_user_and_time(
    client: TestClient, journeys: Journeys, story: Story
) -> None:
    path = f"/families/{story.family_id}/journey"
    get(client, journeys, path, role="panel_member", user_id="panel-1")
    get(client, journeys, path, role="qa_officer", user_id="qa-2")
    journeys.app.clock = lambda: NOW + timedelta(days=1)
    get(client, journeys, path, role="panel_member", user_id="panel-1")

    def who(**params: str) -> list[tuple[str, str]]:
        response = get(
            client,
            journeys,
            f"/families/{story.family_id}/access-log",
            role="qa_officer",
            user_id="qa-1",
            params=params,
        )
        assert response.status_code == 200, response.text
        return [(i["user_id"], i["at"][:10]) for i in response.json()["items"]]

    assert who(user_id="panel-1") == [("panel-1", "2025-06-03"), ("panel-1", "2025-06-02")]
    assert who(to="2025-06-02") == [("qa-2", "2025-06-02"), ("panel-1", "2025-06-02")]
    assert who(**{"from": "2025-06-03", "user_id": "panel-1"}) == [("panel-1", "2025-06-03")]
    today = who(**{"from": "2025-06-03T00:00:00Z", "to": "2025-06-03T23:00:00+01:00"})
    assert today[-1] == ("panel-1", "2025-06-03")  # before this test's readings of the log
    assert {day for _, day in today} == {"2025-06-03"}


def test_a_bad_time_filter_is_refused_naming_the_field(
    client: TestClient, journeys: Journeys, story: Story
) -> None:
    response = get(
        client,
        journeys,
        f"/families/{story.family_id}/access-log",
        role="qa_officer",
        params={"from": "last tuesday"},
    )

    assert response.status_code == 422
    assert response.json()["field"] == "from"


@pytest.mark.parametrize("method", ["PUT", "PATCH", "DELETE", "POST"])
def test_no_route_changes_the_log(
    client: TestClient, journeys: Journeys, story: Story, method: str
) -> None:
    get(client, journeys, f"/families/{story.family_id}/journey", role="qa_officer")
    before = logged(journeys, story.uuid)
    for role in ("qa_officer", "admin"):
        headers = {"Authorization": f"Bearer {token(journeys, role)}"}
        for path in (
            f"/families/{story.family_id}/access-log",
            f"/families/{story.family_id}/access-log/{before[0].access_id}",
        ):
            response = client.request(method, path, headers=headers, json={"user_id": "x"})
            assert response.status_code in (404, 405), (path, response.status_code)
            if path.endswith("access-log"):
                assert response.status_code == 405
                assert response.json()["error"] == "not_allowed"

    assert logged(journeys, story.uuid) == before


@contextmanager
def full_disk(settings: Settings, table: str) -> Iterator[None]:
    """While inside, every insert into `table` fails, as on a full disk."""
    raw = sqlite3.connect(settings.sqlite_path, isolation_level=None)
    raw.execute(
        f"CREATE TRIGGER full_disk BEFORE INSERT ON {table} "
        "BEGIN SELECT RAISE(ABORT, 'the disk is full'); END"
    )
    try:
        yield
    finally:
        raw.execute("DROP TRIGGER full_disk")
        raw.close()


def test_a_read_that_cannot_be_logged_is_not_answered(
    client: TestClient, journeys: Journeys, settings: Settings, story: Story
) -> None:
    path = f"/families/{story.family_id}/timeline"
    with full_disk(settings, "journeys_access_log"):
        failing = TestClient(client.app, raise_server_exceptions=False)
        refused = get(
            failing, journeys, path, role="qa_officer", params={"min_position": story.position}
        )
    answered = get(client, journeys, path, role="qa_officer")

    assert refused.status_code == 500
    assert "entries" not in refused.text
    assert answered.status_code == 200
    assert len(logged(journeys, story.uuid)) == 1


def test_the_log_survives_many_reads_and_a_restart(
    client: TestClient, journeys: Journeys, settings: Settings, story: Story
) -> None:
    paths = ("timeline", "journey", "journey.svg", "events")
    for n in range(120):
        response = get(
            client,
            journeys,
            f"/families/{story.family_id}/{paths[n % 4]}",
            role="qa_officer",
            user_id=f"qa-{n}",
        )
        assert response.status_code == 200

    restarted = bootstrap(settings)  # another process on the same store
    try:
        entries = logged(restarted, story.uuid)
    finally:
        restarted.close()

    assert [e.user_id for e in entries] == [f"qa-{n}" for n in reversed(range(120))]
    assert [e.access_id for e in entries] == sorted((e.access_id for e in entries), reverse=True)
    assert {e.what for e in entries} == {"timeline", "journey", "journey picture", "events"}


@pytest.mark.postgres
def test_reads_are_logged_on_postgresql(postgres_url: str) -> None:
    settings = Settings(database_url=postgres_url, mode="development")
    with TestClient(create_app(settings)) as client:
        journeys: Journeys = client.app.state.journeys  # type: ignore[attr-defined]
        auth = auth_for(journeys)
        family = client.post(
            "/families",
            json={
                "occurred_at": at("01-06"),
                "area": "strood",
                "members": [{"relationship": "child"}],
            },
            headers=auth("practitioner"),
        ).json()
        read = get(
            client,
            journeys,
            f"/families/{family['family_id']}/events",
            role="panel_member",
            params={"reason": "audit"},
        )
        log = get(
            client, journeys, f"/families/{family['family_id']}/access-log", role="qa_officer"
        )
        invalid = get(
            client,
            journeys,
            f"/families/{family['family_id']}/timeline",
            role="qa_officer",
            params={"limit": "0"},
        )
        across = get(
            client,
            journeys,
            "/access-log",
            role="qa_officer",
            params={"family_id": family["family_id"], "outcome": "invalid"},
        )
        exported = get(
            client,
            journeys,
            "/access-log.csv",
            role="qa_officer",
            params={"family_id": family["family_id"], "role": "panel_member"},
        )

    assert read.status_code == 200
    assert log.status_code == 200
    assert [(i["what"], i["role"], i["reason"]) for i in log.json()["items"]] == [
        ("access log", "qa_officer", None),
        ("events", "panel_member", "audit"),
    ]
    assert invalid.status_code == 422
    assert [(i["what"], i["outcome"]) for i in across.json()["items"]] == [("timeline", "invalid")]
    [row] = list(csv.DictReader(io.StringIO(exported.text)))
    assert (row["what"], row["reason"], row["outcome"]) == ("events", "audit", "read")


def test_the_log_pages_with_the_one_opaque_cursor_of_every_list(
    client: TestClient, journeys: Journeys, story: Story
) -> None:
    for n in range(12):
        journeys.access_log.append(
            Access(story.uuid, f"qa-{n}", "qa_officer", "early_help", "journey", {}, None)
        )
    path = f"/families/{story.family_id}/access-log"
    first = get(client, journeys, path, role="qa_officer", params={"limit": 5}).json()

    # `next` is a cursor of api.http.cursors, and any such cursor pages from where it points.
    assert decode(first["next"]) == first["items"][-1]["access_id"]
    older_than = first["items"][1]["access_id"]
    response = get(
        client, journeys, path, role="qa_officer", params={"limit": 2, "after": encode(older_than)}
    )
    assert response.status_code == 200, response.text
    assert [i["access_id"] for i in response.json()["items"]] == [older_than - 1, older_than - 2]


@pytest.mark.parametrize("path", ["/families/{id}/access-log", "/access-log"])
@pytest.mark.parametrize("cursor", ["012", "-1", "zzzzzzzzzzzzz", "0x1f", "1.5", "A", ""])
def test_a_cursor_not_made_by_the_log_is_refused_naming_after(
    client: TestClient, journeys: Journeys, story: Story, path: str, cursor: str
) -> None:
    response = get(
        client,
        journeys,
        path.format(id=story.family_id),
        role="qa_officer",
        params={"after": cursor},
    )

    assert response.status_code == 422, response.text
    assert response.json()["field"] == "after"


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
