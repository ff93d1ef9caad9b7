"""The blind index in the SQLite file (the port, and the hashing: blind_index)."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from infra.privacy.blind_index import BlindIndex, Hasher, tables_for
from infra.privacy.keys import PurgeReport
from infra.privacy.keys_sqlite import secure_delete_connection


class SQLiteBlindIndex(BlindIndex):
    """In the event store's SQLite file, through one connection of its own that always has
    `secure_delete` on, so that a deleted hash is overwritten with zeros."""

    schema = (
        *tables_for(blob="BLOB", position="INTEGER"),
        "INSERT INTO journeys_blind_index_position (one, position) VALUES (1, 0) "
        "ON CONFLICT (one) DO NOTHING",
    )
    select_position = "SELECT position FROM journeys_blind_index_position"
    lock_position = select_position  # BEGIN IMMEDIATE holds the database's write lock
    update_position = "UPDATE journeys_blind_index_position SET position = ?"
    insert_row = (
        "INSERT INTO journeys_blind_index (family_id, member_id, kind, hash) "
        "SELECT ?, ?, ?, ? WHERE NOT EXISTS "
        "(SELECT 1 FROM journeys_blind_index_erased WHERE family_id = ?) "
        "ON CONFLICT (family_id, member_id, kind) DO UPDATE SET hash = excluded.hash"
    )
    insert_erased = (
        "INSERT INTO journeys_blind_index_erased (family_id) VALUES (?) "
        "ON CONFLICT (family_id) DO NOTHING"
    )
    delete_family = "DELETE FROM journeys_blind_index WHERE family_id = ?"
    delete_all = "DELETE FROM journeys_blind_index"

    def __init__(self, path: Path, hasher: Hasher, *, lock_timeout: float = 10.0) -> None:
        super().__init__(hasher)
        self._path = path
        self._lock_timeout = lock_timeout
        self._lock = threading.Lock()
        self._conn: sqlite3.Connection | None = None

    def _connection(self) -> sqlite3.Connection:
        if self._conn is None:
            conn = secure_delete_connection(self._path, timeout=self._lock_timeout)
            conn.row_factory = sqlite3.Row
            self._conn = conn
        return self._conn

    @contextmanager
    def _transaction(self, *, write: bool) -> Iterator[Any]:
        with self._lock:
            conn = self._connection()
            conn.execute("BEGIN IMMEDIATE" if write else "BEGIN")
            try:
                yield conn.cursor()
            except BaseException:
                conn.rollback()
                raise
            conn.commit()

    def _search_sql(self, count: int) -> str:
        pairs = " OR ".join(["(kind = ? AND hash = ?)"] * count)
        return (
            f"SELECT family_id, member_id FROM journeys_blind_index WHERE {pairs} "
            "GROUP BY family_id, member_id HAVING COUNT(*) = ? "
            "ORDER BY family_id, member_id LIMIT ?"
        )

    def purge(self) -> PurgeReport:
        # The rows were deleted with secure_delete on: the zeroed pages are in the WAL, and
        # the key table's purge, which follows, checkpoints the WAL into the file.
        return PurgeReport(done=["blind index rows deleted with secure_delete on"])

    def close(self) -> None:
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None
