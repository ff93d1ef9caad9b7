"""Bearer tokens for any role, the settings of a fresh SQLite store, the store's position
as /health reports it, and a household to register: what the API's tests share."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from fastapi.testclient import TestClient

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


REGISTRATION = {
    "occurred_at": "2025-01-06T10:00:00Z",
    "area": "chatham",
    "members": [
        {"relationship": "child", "given_name": "Ada", "date_of_birth": "2015-03-01"},
        {"relationship": "parent_carer", "given_name": "Bea", "family_name": "Stone"},
    ],
}
