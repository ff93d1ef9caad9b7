"""Families with episodes of early help, recorded through HTTP in a line each: for the
dataset report's and the re-referral analysis' tests."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from infra.settings import Settings
from tests.support.api import REGISTRATION, Auth, sqlite_settings
from tests.support.walk import Walk


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def settings(request: pytest.FixtureRequest, tmp_path: Any) -> Settings:
    """Every test here on both databases: the aggregates are SQL written for each."""
    if request.param == "sqlite":
        return sqlite_settings(tmp_path)
    return Settings(database_url=request.getfixturevalue("postgres_url"), mode="development")


def family(client: httpx.Client, auth: Auth, area: str = "chatham") -> Walk:
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


def read(client: TestClient, auth: Auth, walk: Walk, path: str, role: str, **query: str) -> Any:
    """A report's JSON answer once its view has reached the walk's last entry."""
    params = {**query, "min_position": str(walk.positions[-1])}
    response = client.get(path, params=params, headers=auth(role))
    assert response.status_code == 200, response.text
    return response.json()
