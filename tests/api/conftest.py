"""An API on a fresh SQLite store per test, and bearer tokens for any role."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from infra.bootstrap import Journeys
from infra.settings import Settings
from infra.tokens import Identity

Auth = Callable[..., dict[str, str]]


def sqlite_settings(folder: Path) -> Settings:
    # database_url and mode given explicitly, whatever JOURNEYS_* the shell has set.
    return Settings(sqlite_path=folder / "j.sqlite", database_url=None, mode="development")


def auth_for(journeys: Journeys) -> Auth:
    def auth(role: str, agency: str = "early_help", user_id: str | None = None) -> dict[str, str]:
        identity = Identity(user_id or f"{role}-1", role, agency)
        return {"Authorization": f"Bearer {journeys.tokens.issue(identity)}"}

    return auth


def store_position(client: TestClient) -> int:
    response = client.get("/health")
    assert response.status_code == 200, response.text
    position: int = response.json()["position"]
    return position


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return sqlite_settings(tmp_path)


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(settings)) as client:
        yield client


@pytest.fixture
def journeys(client: TestClient) -> Journeys:
    journeys: Journeys = client.app.state.journeys  # type: ignore[attr-defined]
    return journeys


@pytest.fixture
def auth(journeys: Journeys) -> Auth:
    """Headers with a signed token: auth("qa_officer"), auth("partner", "police")."""
    return auth_for(journeys)


REGISTRATION = {
    "occurred_at": "2025-01-06T10:00:00Z",
    "area": "chatham",
    "members": [
        {"relationship": "child", "given_name": "Ada", "date_of_birth": "2015-03-01"},
        {"relationship": "parent_carer", "given_name": "Bea", "family_name": "Stone"},
    ],
}


@pytest.fixture
def family(client: TestClient, auth: Auth) -> dict[str, str]:
    """A registered household (a child and a parent), with no episode open yet."""
    response = client.post("/families", json=REGISTRATION, headers=auth("practitioner"))
    assert response.status_code == 201, response.text
    answer: dict[str, str] = response.json()
    return answer
