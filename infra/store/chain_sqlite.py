"""The hash chain on SQLite: the application recorder that chains what it inserts, and the
ChainStore that reads the chain and seals old streams.

Stream ids are stored as the library stores them in the events table (hex text for UUIDs).
The recorder reads the streams' heads after inserting the events, when the transaction
already holds SQLite's write lock, so no other writer can change a head meanwhile.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any
from uuid import UUID

from eventsourcing.persistence import StoredEvent
from eventsourcing.sqlite import (
    SQLiteApplicationRecorder,
    SQLiteConnection,
    SQLiteCursor,
    SQLiteDatastore,
)

from infra.store.chain import GENESIS, Link, StreamId, link_events
from infra.store.chain_store import (
    CHAIN_TABLE,
    ChainStore,
    HeadCache,
    Pending,
    StoredRow,
    StoreSnapshot,
    StreamRows,
    chain_links,
    chunked,
    first_versions,
    links_for_batch,
    merge_streams,
    stored_rows,
)

CREATE_CHAIN_TABLE = (
    f"CREATE TABLE IF NOT EXISTS {CHAIN_TABLE} ("
    "originator_id TEXT, "
    "originator_version INTEGER, "
    "digest BLOB NOT NULL, "
    "hash BLOB NOT NULL, "
    "PRIMARY KEY (originator_id, originator_version)) "
    "WITHOUT ROWID"
)
# A chain row already there means the store was tampered with (an event deleted, its chain
# row left): keep that row as evidence and let the write succeed; verification reports it.
INSERT_LINK = f"INSERT INTO {CHAIN_TABLE} VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING"
HEADS_PER_QUERY = 500


def key(stream_id: StreamId) -> str:
    """A stream id as the SQLite recorder stores it."""
    return stream_id.hex if isinstance(stream_id, UUID) else stream_id


class SQLiteChainStore(ChainStore):
    def __init__(self, datastore: SQLiteDatastore, events_table: str) -> None:
        self.datastore = datastore
        self.events_table = events_table

    def convert(self, stored_id: str) -> StreamId:
        return UUID(stored_id) if self.datastore.originator_id_type == "uuid" else stored_id

    # -- writing, inside the recorder's transaction ---------------------------------------

    def link_batch(
        self, c: SQLiteCursor, stored_events: Sequence[StoredEvent], cache: HeadCache
    ) -> list[tuple[StreamId, Link]]:
        """Insert the chain rows of a batch just inserted; returns them."""
        heads, missing = cache.split(first_versions(stored_events))
        by_key = {key(stream_id): stream_id for stream_id, _ in missing}
        for chunk in chunked(missing, HEADS_PER_QUERY):
            values = ", ".join(["(?, ?)"] * len(chunk))
            # One backwards index seek per stream: its last chain row below the batch.
            c.execute(
                f"WITH batch(id, first) AS (VALUES {values}) "
                f"SELECT batch.id, (SELECT hash FROM {CHAIN_TABLE} "
                "WHERE originator_id = batch.id AND originator_version < batch.first "
                "ORDER BY originator_version DESC LIMIT 1) FROM batch",
                [value for stream_id, first in chunk for value in (key(stream_id), first)],
            )
            heads.update((by_key[row[0]], row[1]) for row in c.fetchall() if row[1] is not None)

        def earlier(stream_id: StreamId, first: int) -> list[StoredRow]:
            c.execute(
                "SELECT originator_version, topic, state, rowid FROM "
                f"{self.events_table} WHERE originator_id = ? AND originator_version < ? "
                "ORDER BY originator_version",
                (key(stream_id), first),
            )
            return stored_rows(c.fetchall())

        rows = links_for_batch(stored_events, heads, earlier)
        c.executemany(
            INSERT_LINK,
            [(key(stream_id), link.version, link.digest, link.hash) for stream_id, link in rows],
        )
        return rows

    # -- reading ---------------------------------------------------------------------------

    def setup(self) -> None:
        with self.datastore.transaction(commit=True) as c:
            c.execute(CREATE_CHAIN_TABLE)

    def _has_chain(self, c: sqlite3.Cursor) -> bool:
        c.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (CHAIN_TABLE,))
        return c.fetchone() is not None

    def read_stream(self, stream_id: StreamId) -> StreamRows:
        with self.datastore.transaction(commit=False) as cursor:
            c = cursor.sqlite_cursor
            c.execute(
                "SELECT originator_version, topic, state, rowid FROM "
                f"{self.events_table} WHERE originator_id = ? ORDER BY originator_version",
                (key(stream_id),),
            )
            events = stored_rows(c.fetchall())
            links = []
            if self._has_chain(c):
                c.execute(
                    f"SELECT originator_version, digest, hash FROM {CHAIN_TABLE} "
                    "WHERE originator_id = ? ORDER BY originator_version",
                    (key(stream_id),),
                )
                links = chain_links(c.fetchall())
        return StreamRows(stream_id, events, links)

    @contextmanager
    def snapshot(self) -> Iterator[StoreSnapshot]:
        # One read transaction: in WAL mode it sees one state of the file throughout.
        with (
            self.datastore.get_connection(commit=False) as conn,
            conn.transaction(commit=False) as first,
        ):
            yield SQLiteSnapshot(self, conn, first.sqlite_cursor)

    def unchained_streams(self) -> list[StreamId]:
        with self.datastore.transaction(commit=False) as cursor:
            c = cursor.sqlite_cursor
            chained = self._has_chain(c)
            statement = f"SELECT DISTINCT originator_id FROM {self.events_table} e"
            if chained:
                statement += (
                    f" WHERE NOT EXISTS (SELECT 1 FROM {CHAIN_TABLE} c "
                    "WHERE c.originator_id = e.originator_id)"
                )
            c.execute(statement + " ORDER BY originator_id")
            return [self.convert(row[0]) for row in c.fetchall()]

    def seal(self, stream_ids: Sequence[StreamId]) -> int:
        self.setup()
        sealed = 0
        for chunk in chunked(stream_ids, HEADS_PER_QUERY):
            with self._writing() as c:
                marks = ", ".join("?" * len(chunk))
                keys = [key(s) for s in chunk]
                c.execute(
                    f"SELECT DISTINCT originator_id FROM {CHAIN_TABLE} "
                    f"WHERE originator_id IN ({marks})",
                    keys,
                )
                chained = {row[0] for row in c.fetchall()}
                c.execute(
                    "SELECT originator_id, originator_version, topic, state, rowid FROM "
                    f"{self.events_table} WHERE originator_id IN ({marks}) "
                    "ORDER BY originator_id, originator_version",
                    keys,
                )
                rows: list[tuple[str, int, bytes, bytes]] = []
                for stream in merge_streams(c.fetchall(), (), self.convert):
                    if key(stream.stream_id) in chained:
                        continue
                    links = link_events(stream.stream_id, GENESIS, stream.events)
                    rows.extend(
                        (key(stream.stream_id), ln.version, ln.digest, ln.hash) for ln in links
                    )
                c.executemany(INSERT_LINK, rows)
                sealed += len(rows)
        return sealed

    @contextmanager
    def _writing(self) -> Iterator[sqlite3.Cursor]:
        """A transaction that takes the write lock at once, so what it reads stays true."""
        with self.datastore.get_connection(commit=True) as conn:
            raw: sqlite3.Connection = conn._sqlite_conn  # the library keeps no public handle
            c = raw.cursor()
            c.execute("BEGIN IMMEDIATE")
            try:
                yield c
            except BaseException:
                raw.rollback()
                raise
            raw.commit()


class SQLiteSnapshot(StoreSnapshot):
    def __init__(self, store: SQLiteChainStore, conn: SQLiteConnection, c: sqlite3.Cursor):
        self.store = store
        self.conn = conn
        c.execute(f"SELECT MAX(rowid) FROM {store.events_table}")
        self.position = c.fetchone()[0] or 0
        self.chained = store._has_chain(c)

    def streams(self) -> Iterator[StreamRows]:
        events = self.conn.cursor().sqlite_cursor
        events.row_factory = None  # plain tuples: faster than sqlite3.Row for a full scan
        events.execute(
            "SELECT originator_id, originator_version, topic, state, rowid FROM "
            f"{self.store.events_table} ORDER BY originator_id, originator_version"
        )
        links: Any = ()
        if self.chained:
            links = self.conn.cursor().sqlite_cursor
            links.row_factory = None
            links.execute(
                f"SELECT originator_id, originator_version, digest, hash FROM {CHAIN_TABLE} "
                "ORDER BY originator_id, originator_version"
            )
        yield from merge_streams(events, links, self.store.convert)


class ChainedSQLiteApplicationRecorder(SQLiteApplicationRecorder):
    """The library's SQLite application recorder, plus a chain row for every event it
    inserts, in the same transaction."""

    def __init__(self, datastore: SQLiteDatastore, events_table_name: str = "stored_events"):
        # Before super().__init__, which builds the create-table statements.
        self.chain = SQLiteChainStore(datastore, events_table_name)
        self.heads = HeadCache()
        super().__init__(datastore, events_table_name)

    def construct_create_table_statements(self) -> list[str]:
        return [*super().construct_create_table_statements(), CREATE_CHAIN_TABLE]

    def insert_events(
        self, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        pending = Pending()
        notification_ids = super().insert_events(stored_events, chain=pending, **kwargs)
        self.heads.remember(pending.rows)  # committed
        return notification_ids

    def _insert_events(
        self, c: SQLiteCursor, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        notification_ids = super()._insert_events(c, stored_events, **kwargs)
        pending: Pending = kwargs.get("chain") or Pending()
        pending.rows = self.chain.link_batch(c, stored_events, self.heads)
        return notification_ids
