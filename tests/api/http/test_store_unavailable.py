"""When the event store cannot be reached, a request is answered 503 with a JSON error a
person can act on, not a 500.

At start-up an unreachable PostgreSQL stops the server from starting (bootstrap connects to
prepare its tables): a loud failure that a supervisor retries.

Only one request is made during the outage: eventsourcing's recorder retries a failed
statement 10 times, each waiting up to the pool timeout (POSTGRES_CONNECT_TIMEOUT, 5 s), so
once the pool's dead connections are used up a request takes ~50 s to give up.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from eventsourcing.persistence import OperationalError
from fastapi.testclient import TestClient
from psycopg import sql

from api.app import create_app
from infra.settings import Settings
from tests.support.api import REGISTRATION, auth_for
from tests.support.postgres import PostgresServer

UNREACHABLE = "postgresql://postgres@127.0.0.1:1/nope"


@contextmanager
def database_unreachable(server: PostgresServer, dbname: str) -> Iterator[None]:
    """Refuse new connections to `dbname` and cut the open ones; allow them again after."""
    name = sql.Identifier(dbname)
    with server.connect() as admin:
        admin.execute(sql.SQL("ALTER DATABASE {} ALLOW_CONNECTIONS false").format(name))
        admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s", (dbname,)
        )
    try:
        yield
    finally:
        with server.connect() as admin:
            admin.execute(sql.SQL("ALTER DATABASE {} ALLOW_CONNECTIONS true").format(name))


@pytest.mark.postgres
@pytest.mark.slow
def test_requests_while_the_store_is_unreachable_are_503(
    postgres_server: PostgresServer, postgres_dbname: str, postgres_url: str
) -> None:
    settings = Settings(database_url=postgres_url, mode="development")
    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        headers = auth_for(client.app.state.journeys)("practitioner")  # type: ignore[attr-defined]
        family = client.post("/families", json=REGISTRATION, headers=headers).json()
        contact = {
            "occurred_at": "2025-01-07T10:00:00Z",
            "agency": "school",
            "channel": "phone",
            "reason": "concern",
        }

        with database_unreachable(postgres_server, postgres_dbname):
            response = client.post(
                f"/families/{family['family_id']}/contacts", json=contact, headers=headers
            )

    assert response.status_code == 503, response.text
    assert response.json() == {
        "error": "store_unavailable",
        "detail": "the event store cannot be reached; try again shortly",
    }
    assert response.headers["Retry-After"]


@pytest.mark.slow
def test_an_unreachable_store_at_start_up_stops_the_server() -> None:
    settings = Settings(database_url=UNREACHABLE, mode="development")

    with pytest.raises(OperationalError), TestClient(create_app(settings)):
        pass  # pragma: no cover
