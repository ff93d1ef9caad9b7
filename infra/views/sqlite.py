"""Views in the event store's SQLite file (the port: `infra.views.store.ViewStore`)."""

from __future__ import annotations

import contextlib
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from infra.views import tables
from infra.views.store import Cursor, DbApiCursor, Queries, ViewStore


class SQLiteViewStore(ViewStore):
    """Views in the event store's SQLite file: one connection per thread, WAL mode, and
    BEGIN IMMEDIATE for writes so a writer waits for the lock instead of failing."""

    dialect = tables.SQLITE
    queries = Queries.marked(dialect.mark)

    def __init__(self, path: Path, *, lock_timeout: float = 10.0) -> None:
        super().__init__()
        self._path = path
        self._lock_timeout = lock_timeout
        self._local = threading.local()
        self._connections: list[sqlite3.Connection] = []
        self._lock = threading.Lock()
        # An in-memory database (tests) is one connection shared by all threads, in turn.
        self._memory_lock: Any = (
            threading.RLock() if str(path) == ":memory:" else contextlib.nullcontext()
        )

    def _connection(self) -> sqlite3.Connection:
        shared = str(self._path) == ":memory:"  # one database only while one connection
        conn: sqlite3.Connection | None = (
            self._connections[0]
            if shared and self._connections
            else getattr(self._local, "conn", None)
        )
        if conn is None:
            conn = sqlite3.connect(
                self._path, isolation_level=None, check_same_thread=False,
                timeout=self._lock_timeout,
            )  # fmt: skip
            conn.row_factory = sqlite3.Row
            conn.execute("PRAGMA journal_mode=WAL")
            self._local.conn = conn
            with self._lock:
                self._connections.append(conn)
        return conn

    @contextmanager
    def transaction(self, *, write: bool) -> Iterator[Cursor]:
        conn = self._connection()
        with self._memory_lock:
            conn.execute("BEGIN IMMEDIATE" if write else "BEGIN")
            try:
                yield DbApiCursor(conn.cursor())
            except BaseException:
                conn.rollback()
                raise
            if write:
                conn.commit()
            else:
                conn.rollback()

    def _select_docs(self, cur: Cursor, view_id: str, keys: Sequence[str]) -> None:
        marks = ",".join("?" * len(keys))
        cur.execute(
            f"SELECT key, doc FROM journeys_view_docs WHERE view_id = ? AND key IN ({marks})",
            (view_id, *keys),
        )

    def _columns(self, cur: Cursor, table: str) -> set[str]:
        cur.execute(f"PRAGMA table_info({table})")
        return {row["name"] for row in cur.fetchall()}

    def _announce(self, cur: Cursor, view_id: str, position: int) -> None:
        pass  # other processes' waiters poll: SQLite has no LISTEN/NOTIFY

    def start(self) -> None:
        pass  # nothing to listen to

    def close(self) -> None:
        with self._lock:
            for conn in self._connections:
                conn.close()
            self._connections.clear()
        self._local = threading.local()
