"""The data keys' table in PostgreSQL (the port, and the keys themselves: keys)."""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

from infra.privacy.keys import KeyRow, KeyTable, PurgeReport

_POSTGRES_SCHEMA = (
    """CREATE TABLE IF NOT EXISTS journeys_data_keys (
        family_id TEXT PRIMARY KEY,
        wrapped BYTEA,
        created_at DOUBLE PRECISION NOT NULL,
        destroyed_at DOUBLE PRECISION,
        purged_at DOUBLE PRECISION)""",
    "CREATE TABLE IF NOT EXISTS journeys_data_keys_swept (position BIGINT NOT NULL)",
)

# Each step of a PostgreSQL purge: what it does, and the statement.
_POSTGRES_PURGE = (
    ("key table rewritten (VACUUM FULL)", "VACUUM FULL journeys_data_keys"),
    ("checkpoint", "CHECKPOINT"),
    ("WAL segment switched", "SELECT pg_switch_wal()"),
    ("checkpoint after the switch (older WAL segments released)", "CHECKPOINT"),
)


class PostgresKeyTable(KeyTable):
    """The key table in the event store's PostgreSQL database, through the store's pool."""

    placeholder = "%s"

    def __init__(self, datastore: Any) -> None:
        self._datastore = datastore

    def _run(self, sql: str, params: Sequence[Any] = (), *, commit: bool = True) -> list[Any]:
        with self._datastore.transaction(commit=commit) as cursor:
            cursor.execute(sql, params)
            return list(cursor.fetchall()) if cursor.description else []

    def setup(self) -> None:
        with self._datastore.transaction(commit=True) as cursor:
            for statement in _POSTGRES_SCHEMA:
                cursor.execute(statement)

    def get(self, family_id: str) -> KeyRow | None:
        rows = self._run(
            "SELECT wrapped FROM journeys_data_keys WHERE family_id = %s",
            (family_id,),
            commit=False,
        )
        return KeyRow(_bytes(rows[0]["wrapped"])) if rows else None

    def destroy(self, family_ids: Sequence[str]) -> int:
        now = time.time()
        with self._datastore.transaction(commit=True) as cursor:
            cursor.execute(
                "UPDATE journeys_data_keys SET wrapped = NULL, destroyed_at = %s "
                "WHERE family_id = ANY(%s) AND wrapped IS NOT NULL",
                (now, list(family_ids)),
            )
            destroyed = int(cursor.rowcount)
            cursor.execute(
                "INSERT INTO journeys_data_keys (family_id, wrapped, created_at, destroyed_at) "
                "SELECT f, NULL, %s, %s FROM unnest(%s::text[]) AS f "
                "ON CONFLICT (family_id) DO NOTHING",
                (now, now, list(family_ids)),
            )
        return destroyed

    def needs_purge(self) -> bool:
        return bool(
            self._run(
                "SELECT 1 FROM journeys_data_keys WHERE destroyed_at IS NOT NULL "
                "AND purged_at IS NULL LIMIT 1",
                commit=False,
            )
        )

    def purge(self) -> PurgeReport:
        import psycopg

        report = PurgeReport()
        with self._datastore.get_connection() as conn:  # autocommit: VACUUM needs it
            for done, statement in _POSTGRES_PURGE:
                try:
                    conn.execute(statement)
                except psycopg.errors.InsufficientPrivilege:
                    report.not_done.append(f"{done}: the database role may not ({statement})")
                else:
                    report.done.append(done)
        if report.done and report.done[0].startswith("key table rewritten"):
            self._run(
                "UPDATE journeys_data_keys SET purged_at = %s "
                "WHERE destroyed_at IS NOT NULL AND purged_at IS NULL",
                (time.time(),),
            )
        return report

    def close(self) -> None:
        pass  # the store's pool is the store's to close

    def swept_to(self) -> int:
        rows = self._run(
            "SELECT MAX(position) AS position FROM journeys_data_keys_swept", commit=False
        )
        return int(rows[0]["position"] or 0)

    def mark_swept(self, position: int) -> None:
        with self._datastore.transaction(commit=True) as cursor:
            cursor.execute("LOCK TABLE journeys_data_keys_swept IN EXCLUSIVE MODE")
            cursor.execute("SELECT MAX(position) AS position FROM journeys_data_keys_swept")
            swept = cursor.fetchall()[0]["position"] or 0
            cursor.execute("DELETE FROM journeys_data_keys_swept")
            cursor.execute(
                "INSERT INTO journeys_data_keys_swept (position) VALUES (%s)",
                (max(position, swept),),
            )


def _bytes(value: Any) -> bytes | None:
    return None if value is None else bytes(value)
