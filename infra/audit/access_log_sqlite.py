"""The access log in the SQLite file (the port, and what both backends share: access_log).

Append-only by triggers that refuse UPDATE, DELETE, and an INSERT that would replace a row."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from infra.audit.access_log import REFUSED_MESSAGE, TABLES, AccessLog, tables_for

_KEYS = {"journeys_access_log": "id", "journeys_access_outcome": "access_id"}


def _sqlite_triggers(table: str) -> tuple[str, ...]:
    return (
        f"""CREATE TRIGGER IF NOT EXISTS {table}_no_update
            BEFORE UPDATE ON {table}
            BEGIN SELECT RAISE(ABORT, '{REFUSED_MESSAGE}: UPDATE is refused'); END""",
        f"""CREATE TRIGGER IF NOT EXISTS {table}_no_delete
            BEFORE DELETE ON {table}
            BEGIN SELECT RAISE(ABORT, '{REFUSED_MESSAGE}: DELETE is refused'); END""",
        # INSERT OR REPLACE deletes the row it collides with without firing DELETE triggers
        # (unless recursive_triggers is on), so a collision is refused before it happens.
        f"""CREATE TRIGGER IF NOT EXISTS {table}_no_replace
            BEFORE INSERT ON {table}
            WHEN EXISTS (SELECT 1 FROM {table} WHERE {_KEYS[table]} = NEW.{_KEYS[table]})
            BEGIN SELECT RAISE(ABORT, '{REFUSED_MESSAGE}: REPLACE is refused'); END""",
    )


class SQLiteAccessLog(AccessLog):
    """In the SQLite file: times as fixed-width ISO 8601 text in UTC, which sorts as time."""

    mark = "?"
    schema = (
        *tables_for(
            id_type="INTEGER PRIMARY KEY AUTOINCREMENT", family_type="TEXT", at_type="TEXT"
        ),
        *(trigger for table in TABLES for trigger in _sqlite_triggers(table)),
    )

    def _time(self, at: datetime) -> str:
        return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")

    def _read_time(self, stored: Any) -> datetime:
        return datetime.strptime(str(stored), "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)
