"""Who read a child's record: every read of a family's record through the API or the web
pages leaves one entry in the access log (who, role, agency, when, what, why); a reason not
on the list is refused; refusals of a known family are logged as such."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from uuid import uuid4

import pytest
from fastapi.routing import iter_route_contexts
from fastapi.testclient import TestClient

from api.app import create_app
from api.common.access import WHAT
from infra.bootstrap import Journeys
from infra.tokens import ROLES
from tests.support.access_log import LEAD, NOW, Story, get, logged
from tests.support.api import sqlite_settings
from tests.support.routes import PAGES, ROUTES


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
    assert path in WHAT, f"name what {path} reads in api.common.access.WHAT"
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
