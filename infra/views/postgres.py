"""Views in the event store's PostgreSQL database (the port: `infra.views.store.ViewStore`)."""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from infra.views import tables
from infra.views.store import VIEWS_CHANNEL, Cursor, DbApiCursor, Queries, ViewStore


class PostgresViewStore(ViewStore):
    """Views in the event store's PostgreSQL database, through the store's connection pool.

    A listener connection LISTENs for two channels: the views' own (a commit of a batch, in
    any process, wakes read-your-writes waiters at once) and the event store's (new events
    wake the projection runner at once, instead of it polling)."""

    dialect = tables.POSTGRES
    queries = Queries.marked(dialect.mark)

    def __init__(self, datastore: Any, *, events_channel: str) -> None:
        super().__init__()
        self._datastore = datastore
        self._events_channel = events_channel
        self._on_events: list[Any] = []
        self._stopping = threading.Event()
        self._listening = threading.Event()
        self._listener: threading.Thread | None = None

    @contextmanager
    def transaction(self, *, write: bool) -> Iterator[Cursor]:
        with self._datastore.transaction(commit=write) as cursor:
            yield DbApiCursor(cursor)

    def _select_docs(self, cur: Cursor, view_id: str, keys: Sequence[str]) -> None:
        cur.execute(
            "SELECT key, doc FROM journeys_view_docs WHERE view_id = %s AND key = ANY(%s)",
            (view_id, list(keys)),
        )

    def _columns(self, cur: Cursor, table: str) -> set[str]:
        cur.execute(
            "SELECT column_name FROM information_schema.columns "
            "WHERE table_schema = current_schema() AND table_name = %s",
            (table,),
        )
        return {row["column_name"] for row in cur.fetchall()}

    def _announce(self, cur: Cursor, view_id: str, position: int) -> None:
        cur.execute("SELECT pg_notify(%s, %s)", (VIEWS_CHANNEL, f"{view_id}:{position}"))

    def _poll_interval(self) -> float | None:
        # Woken by NOTIFY; the occasional look is only a safety net for a lost listener.
        return 1.0 if self._listening.is_set() else 0.05

    def on_events(self, callback: Any) -> None:
        """Call `callback()` whenever any process stores new events."""
        self._on_events.append(callback)

    def start(self) -> None:
        if self._listener is None:
            self._listener = threading.Thread(
                target=self._listen, name="journeys-views-listen", daemon=True
            )
            self._listener.start()
            self._listening.wait(timeout=5)

    def _listen(self) -> None:
        while not self._stopping.is_set():
            try:
                with self._datastore.get_connection() as conn:
                    conn.execute(f'LISTEN "{VIEWS_CHANNEL}"')
                    conn.execute(f'LISTEN "{self._events_channel}"')
                    self._listening.set()
                    while not self._stopping.is_set():
                        for note in conn.notifies(timeout=0.5, stop_after=1):
                            if note.channel == VIEWS_CHANNEL:
                                self._wake()
                            else:
                                for callback in self._on_events:
                                    callback()
            except Exception:  # the database went away: waiters fall back to polling
                self._listening.clear()
                self._stopping.wait(1.0)

    def close(self) -> None:
        self._stopping.set()
        if self._listener is not None:
            self._listener.join(timeout=5)
            self._listener = None
