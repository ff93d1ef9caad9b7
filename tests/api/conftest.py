"""An API on a fresh SQLite store per test, and bearer tokens for any role."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from infra.bootstrap import Journeys
from infra.settings import Settings
from tests.support.api import REGISTRATION, Auth, auth_for, sqlite_settings


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


@pytest.fixture
def family(client: TestClient, auth: Auth) -> dict[str, str]:
    """A registered household (a child and a parent), with no episode open yet."""
    response = client.post("/families", json=REGISTRATION, headers=auth("practitioner"))
    assert response.status_code == 201, response.text
    answer: dict[str, str] = response.json()
    return answer
