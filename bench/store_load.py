"""A fresh copy of a cached store for each backend, so views built on one do not meet the
next: a copy of the SQLite file, or a new PostgreSQL database loaded from it in bulk.

PostgreSQL gets its tables from the library (a JourneysApplication opened on the empty
database once), then the events table is filled by one COPY of the SQLite rows in
notification order, so the bigserial gives every event the same position as in SQLite.
"""

from __future__ import annotations

import shutil
import sqlite3
import tempfile
import time
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from pathlib import Path
from uuid import UUID

from psycopg import sql

from domain.application import JourneysApplication
from infra.settings import Settings
from tests.support.postgres import PostgresServer, fresh_database

COPY_ROWS = 20_000
"""Rows read from SQLite per fetch while copying."""


@dataclass(frozen=True)
class LoadedStore:
    """A copy of the store on one backend, and what making the copy cost."""

    settings: Settings
    seconds: float
    events: int


@contextmanager
def sqlite_copy(store: Path, *, rebuild_window: int | None = None) -> Iterator[LoadedStore]:
    """`rebuild_window`: the runner's, when not the default of Settings."""
    with tempfile.TemporaryDirectory(prefix="journeys-views-") as folder:
        began = time.perf_counter()
        target = Path(folder) / store.name
        shutil.copyfile(store, target)
        settings = _windowed(
            Settings(mode="development", database_url=None, sqlite_path=target), rebuild_window
        )
        yield LoadedStore(settings, time.perf_counter() - began, _sqlite_events(store))


@contextmanager
def postgres_copy(
    store: Path, server: PostgresServer, *, rebuild_window: int | None = None
) -> Iterator[LoadedStore]:
    with fresh_database(server) as dbname:
        began = time.perf_counter()
        settings = _windowed(
            Settings(mode="development", database_url=server.url(dbname)), rebuild_window
        )
        app = JourneysApplication(env=settings.eventsourcing_env())  # makes the tables
        table = app.recorder.events_table_name  # type: ignore[attr-defined]
        app.close()
        events = copy_events(store, server, dbname, table)
        yield LoadedStore(settings, time.perf_counter() - began, events)


def _windowed(settings: Settings, rebuild_window: int | None) -> Settings:
    if rebuild_window is None:
        return settings
    return settings.model_copy(update={"rebuild_window": rebuild_window})


def copy_events(store: Path, server: PostgresServer, dbname: str, table: str) -> int:
    """COPY every stored event of the SQLite `store` into `table`, in notification order."""
    statement = sql.SQL(
        "COPY {} (originator_id, originator_version, topic, state) FROM STDIN (FORMAT BINARY)"
    ).format(sql.Identifier(table))
    count = 0
    with closing(sqlite3.connect(store)) as source, server.connect(dbname) as target:
        rows = source.execute(
            "SELECT originator_id, originator_version, topic, state FROM stored_events "
            "ORDER BY rowid"
        )
        with target.cursor() as cursor, cursor.copy(statement) as copy:
            copy.set_types(["uuid", "int8", "text", "bytea"])
            while batch := rows.fetchmany(COPY_ROWS):
                for originator_id, version, topic, state in batch:
                    copy.write_row((UUID(originator_id), version, topic, state))
                count += len(batch)
        target.execute(sql.SQL("VACUUM ANALYZE {}").format(sql.Identifier(table)))
    return count


def _sqlite_events(store: Path) -> int:
    with closing(sqlite3.connect(store)) as db:
        return int(db.execute("SELECT MAX(rowid) FROM stored_events").fetchone()[0] or 0)
