"""The data keys' table in the SQLite file (the port, and the keys themselves: keys)."""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from infra.privacy.keys import KeyRow, KeyTable, PurgeReport

_SQLITE_SCHEMA = (
    """CREATE TABLE IF NOT EXISTS journeys_data_keys (
        family_id TEXT PRIMARY KEY,
        wrapped BLOB,
        created_at REAL NOT NULL,
        destroyed_at REAL,
        purged_at REAL)""",
    "CREATE TABLE IF NOT EXISTS journeys_data_keys_swept (position INTEGER NOT NULL)",
)


def secure_delete_connection(path: Path, *, timeout: float) -> sqlite3.Connection:
    """A connection of its own to the store's SQLite file (autocommit, WAL) whose every
    write zeroes what it deletes, so that no page (nor a page freed by a split) keeps old
    bytes: for what erasure must leave nowhere (keys, blind index hashes)."""
    conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False, timeout=timeout)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA secure_delete=ON")
    return conn


class SQLiteKeyTable(KeyTable):
    """The key table in the event store's SQLite file, through one connection of its own
    that always has `secure_delete` on."""

    placeholder = "?"

    def __init__(
        self, path: Path, *, lock_timeout: float = 10.0, checkpoint_seconds: float = 10.0
    ) -> None:
        self._path = path
        self._lock_timeout = lock_timeout
        self._checkpoint_seconds = checkpoint_seconds
        self._lock = threading.Lock()
        self._conn: sqlite3.Connection | None = None

    def _connection(self) -> sqlite3.Connection:
        if self._conn is None:
            self._conn = secure_delete_connection(self._path, timeout=self._lock_timeout)
        return self._conn

    def _run(self, sql: str, params: Sequence[Any] = ()) -> list[Any]:
        with self._lock:
            return self._connection().execute(sql, params).fetchall()

    def setup(self) -> None:
        with self._lock:
            conn = self._connection()
            for statement in _SQLITE_SCHEMA:
                conn.execute(statement)

    def get(self, family_id: str) -> KeyRow | None:
        rows = self._run("SELECT wrapped FROM journeys_data_keys WHERE family_id = ?", (family_id,))
        return KeyRow(rows[0][0]) if rows else None

    def destroy(self, family_ids: Sequence[str]) -> int:
        now = time.time()
        with self._lock:
            conn = self._connection()
            conn.execute("BEGIN IMMEDIATE")
            try:
                cursor = conn.executemany(
                    "UPDATE journeys_data_keys SET wrapped = NULL, destroyed_at = ? "
                    "WHERE family_id = ? AND wrapped IS NOT NULL",
                    [(now, family_id) for family_id in family_ids],
                )
                destroyed = cursor.rowcount
                conn.executemany(
                    "INSERT INTO journeys_data_keys (family_id, wrapped, created_at, "
                    "destroyed_at) VALUES (?, NULL, ?, ?) ON CONFLICT (family_id) DO NOTHING",
                    [(family_id, now, now) for family_id in family_ids],
                )
            except BaseException:
                conn.rollback()
                raise
            conn.commit()
        return destroyed

    def needs_purge(self) -> bool:
        return bool(
            self._run(
                "SELECT 1 FROM journeys_data_keys WHERE destroyed_at IS NOT NULL "
                "AND purged_at IS NULL LIMIT 1"
            )
        )

    def purge(self) -> PurgeReport:
        report = PurgeReport()
        # The zeroed pages are in the WAL; the old ones in the database file and in older
        # WAL frames. A checkpoint that copies every frame and truncates the WAL removes
        # both; it waits for readers, so it is tried again for a while.
        deadline = time.monotonic() + self._checkpoint_seconds
        while True:
            busy, _, _ = self._run("PRAGMA wal_checkpoint(TRUNCATE)")[0]
            if not busy:
                report.done.append("WAL checkpointed into the database file and truncated")
                break
            if time.monotonic() >= deadline:
                report.not_done.append(
                    "WAL checkpoint(TRUNCATE) kept being blocked by readers; try again "
                    "(`journeys retention run` sweeps)"
                )
                return report
            time.sleep(0.05)
        self._run(
            "UPDATE journeys_data_keys SET purged_at = ? "
            "WHERE destroyed_at IS NOT NULL AND purged_at IS NULL",
            (time.time(),),
        )
        return report

    def swept_to(self) -> int:
        rows = self._run("SELECT MAX(position) FROM journeys_data_keys_swept")
        return int(rows[0][0] or 0)

    def mark_swept(self, position: int) -> None:
        with self._lock:
            conn = self._connection()
            conn.execute("BEGIN IMMEDIATE")
            (swept,) = conn.execute("SELECT MAX(position) FROM journeys_data_keys_swept").fetchone()
            conn.execute("DELETE FROM journeys_data_keys_swept")
            conn.execute(
                "INSERT INTO journeys_data_keys_swept (position) VALUES (?)",
                (max(position, swept or 0),),
            )
            conn.commit()

    def close(self) -> None:
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None
