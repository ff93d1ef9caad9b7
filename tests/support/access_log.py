"""A family whose record is read, and the access log's entries of it: what the tests of who
read a child's record share (over the API and the web pages alike)."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from fastapi.testclient import TestClient

from api.common.deps import SESSION_COOKIE
from infra.audit.access_log import LoggedAccess
from infra.bootstrap import Journeys
from infra.settings import Settings
from infra.tokens import Identity
from tests.support.api import Auth
from tests.support.walk import Walk, at

LEAD = "lp-1"
NOW = datetime(2025, 6, 2, 14, 30, tzinfo=UTC)


@dataclass
class Story:
    family_id: str
    position: int

    @property
    def uuid(self) -> UUID:
        return UUID(self.family_id)


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


def tell_story(client: TestClient, auth: Auth, journeys: Journeys) -> Story:
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
