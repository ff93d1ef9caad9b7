"""Who read a child's record: every read of a family's record through the API or the web
pages leaves one entry in the access log (who, role, agency, when, what, why); refusals of
a known family are logged as such; only QA officers read the log, and nothing edits it."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import pytest
from fastapi.routing import iter_route_contexts
from fastapi.testclient import TestClient

from api.access import WHAT
from api.app import create_app
from api.deps import SESSION_COOKIE
from infra.access_log import LoggedAccess
from infra.bootstrap import Journeys, bootstrap
from infra.settings import Settings
from infra.tokens import ROLES, Identity
from tests.api.conftest import Auth, auth_for, sqlite_settings
from tests.api.journey import Walk, at
from tests.api.test_access import PAGES, ROUTES

LEAD = "lp-1"
NOW = datetime(2025, 6, 2, 14, 30, tzinfo=UTC)


@dataclass
class Story:
    family_id: str
    position: int

    @property
    def uuid(self) -> UUID:
        return UUID(self.family_id)


@pytest.fixture
def story(client: TestClient, auth: Auth, journeys: Journeys) -> Story:
    """A family with an episode open and a lead practitioner; the clock then stands still."""
    walk = Walk(client, auth)
    family = walk.post(
        "",
        {"occurred_at": at("01-06"), "area": "strood", "members": [{"relationship": "child"}]},
        event="",
        role="practitioner",
    )
    walk.family_id = family["family_id"]
    walk.post("/requests-for-support", {"occurred_at": at("01-08"), "source": "5D"}, event="")
    walk.post("/support-decisions", {"occurred_at": at("01-09"), "decision": "agreed"}, event="")
    lead = walk.post(
        "/lead-practitioner",
        {"occurred_at": at("01-09"), "practitioner_id": LEAD, "agency": "early_help"},
        event="",
    )
    journeys.app.clock = lambda: NOW
    return Story(walk.family_id, lead["position"])


def logged(journeys: Journeys, family_id: UUID) -> list[LoggedAccess]:
    """Every entry of the family, newest first, read from the database (not through the API,
    which would log the reading)."""
    entries: list[LoggedAccess] = []
    before: int | None = None
    while True:
        page = journeys.access_log.page(family_id, before=before, limit=200)
        entries += page.items
        if page.next is None:
            return entries
        before = page.next


def token(
    journeys: Journeys, role: str, agency: str = "early_help", user_id: str | None = None
) -> str:
    return journeys.tokens.issue(Identity(user_id or f"{role}-1", role, agency))


def get(
    client: TestClient,
    journeys: Journeys,
    path: str,
    *,
    role: str,
    agency: str = "early_help",
    user_id: str | None = None,
    **options: Any,
) -> Any:
    """A GET with a bearer token, or for the web pages (`/web/...`) the same token as the
    session cookie."""
    signed = token(journeys, role, agency, user_id)
    headers = dict(options.pop("headers", {}))
    if path.startswith("/web/"):
        headers["Cookie"] = f"{SESSION_COOKIE}={signed}"
    else:
        headers["Authorization"] = f"Bearer {signed}"
    return client.get(path, headers=headers, follow_redirects=False, **options)


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
        "/web/families/{id}/timeline",
        "panel_member",
        "panel-3",
        "family page timeline",
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
    assert path in WHAT, f"name what {path} reads in api.access.WHAT"
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


def test_a_read_that_cannot_be_logged_is_not_answered(
    client: TestClient, journeys: Journeys, settings: Settings, story: Story
) -> None:
    raw = sqlite3.connect(settings.sqlite_path, isolation_level=None)
    raw.execute(
        "CREATE TRIGGER full_disk BEFORE INSERT ON journeys_access_log "
        "BEGIN SELECT RAISE(ABORT, 'the disk is full'); END"
    )
    path = f"/families/{story.family_id}/timeline"
    try:
        failing = TestClient(client.app, raise_server_exceptions=False)
        refused = get(
            failing, journeys, path, role="qa_officer", params={"min_position": story.position}
        )
    finally:
        raw.execute("DROP TRIGGER full_disk")
        raw.close()
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

    assert read.status_code == 200
    assert log.status_code == 200
    assert [(i["what"], i["role"], i["reason"]) for i in log.json()["items"]] == [
        ("access log", "qa_officer", None),
        ("events", "panel_member", "audit"),
    ]
