"""The hash chain on PostgreSQL: the application recorder that chains what it inserts, and
the ChainStore that reads the chain and seals old streams.

The library inserts a batch of events in one pipelined transaction: it locks the events
table (EXCLUSIVE: writers queue, readers do not), inserts, syncs and fetches the new
positions, then commits. The recorder below adds, in that same pipeline, a query for the
streams' heads between the lock and the insert (no extra round trip), and once the
positions are fetched, the insert of the chain rows, which goes to the server with the
commit. Writers
are serialised by the table lock, so no head can change between reading and linking it.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from eventsourcing.persistence import ProgrammingError, StoredEvent
from eventsourcing.postgres import (
    PostgresAggregateRecorder,
    PostgresApplicationRecorder,
    PostgresDatastore,
)
from psycopg import Connection, Cursor
from psycopg.rows import DictRow, tuple_row
from psycopg.sql import SQL, Composed, Identifier

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

SCAN_ROWS = 5000
SEAL_STREAMS = 500


class PostgresChainStore(ChainStore):
    def __init__(self, datastore: PostgresDatastore, events_table: str) -> None:
        self.datastore = datastore
        self.events_table = events_table
        id_type = datastore.originator_id_type
        names = {
            "schema": Identifier(datastore.schema),
            "events": Identifier(events_table),
            "chain": Identifier(CHAIN_TABLE),
            "id_type": Identifier(id_type),
            # Text ids sort in byte order, as Python compares them when merging two scans.
            "order": SQL('originator_id COLLATE "C"' if id_type == "text" else "originator_id"),
        }

        def sql(text: str) -> Composed:
            return SQL(text).format(**names)

        self.create_table = sql(
            "CREATE TABLE IF NOT EXISTS {schema}.{chain} ("
            "originator_id {id_type} NOT NULL, "
            "originator_version bigint NOT NULL, "
            "digest bytea NOT NULL, "
            "hash bytea NOT NULL, "
            "PRIMARY KEY (originator_id, originator_version))"
        )
        # The last chain row of each stream below the batch's first new version.
        self.select_heads = sql(
            "SELECT b.id, c.hash FROM unnest(%s::{id_type}[], %s::bigint[]) AS b(id, first) "
            "CROSS JOIN LATERAL (SELECT hash FROM {schema}.{chain} "
            "WHERE originator_id = b.id AND originator_version < b.first "
            "ORDER BY originator_version DESC LIMIT 1) c"
        )
        # A chain row already there means an event was deleted and its row left: keep the
        # row as evidence and let the write succeed; verification reports it.
        self.insert_links = sql(
            "INSERT INTO {schema}.{chain} (originator_id, originator_version, digest, hash) "
            "SELECT * FROM unnest(%s::{id_type}[], %s::bigint[], %s::bytea[], %s::bytea[]) "
            "ON CONFLICT DO NOTHING"
        )
        self.select_earlier = sql(
            "SELECT originator_version, topic, state, notification_id FROM {schema}.{events} "
            "WHERE originator_id = %s AND originator_version < %s ORDER BY originator_version"
        )
        self.select_stream_events = sql(
            "SELECT originator_version, topic, state, notification_id FROM {schema}.{events} "
            "WHERE originator_id = %s ORDER BY originator_version"
        )
        self.select_stream_links = sql(
            "SELECT originator_version, digest, hash FROM {schema}.{chain} "
            "WHERE originator_id = %s ORDER BY originator_version"
        )
        self.scan_events = sql(
            "SELECT originator_id, originator_version, topic, state, notification_id "
            "FROM {schema}.{events} ORDER BY {order}, originator_version"
        )
        self.scan_links = sql(
            "SELECT originator_id, originator_version, digest, hash FROM {schema}.{chain} "
            "ORDER BY {order}, originator_version"
        )
        self.select_position = sql("SELECT MAX(notification_id) FROM {schema}.{events}")
        self.select_unchained = sql(
            "SELECT DISTINCT originator_id FROM {schema}.{events} e WHERE NOT EXISTS "
            "(SELECT 1 FROM {schema}.{chain} c WHERE c.originator_id = e.originator_id) "
            "ORDER BY originator_id"
        )
        self.select_chained_of = sql(
            "SELECT DISTINCT originator_id FROM {schema}.{chain} WHERE originator_id = ANY(%s)"
        )
        self.select_events_of = sql(
            "SELECT originator_id, originator_version, topic, state, notification_id "
            "FROM {schema}.{events} WHERE originator_id = ANY(%s) "
            "ORDER BY {order}, originator_version"
        )
        self.lock_events = sql("LOCK TABLE {schema}.{events} IN EXCLUSIVE MODE")
        self.chain_exists = SQL("SELECT to_regclass(%s) IS NOT NULL")
        self.chain_name = f"{datastore.schema}.{CHAIN_TABLE}"

    # -- writing, inside the recorder's pipelined transaction -----------------------------

    def ask_heads(
        self, conn: Connection[Any], missing: Sequence[tuple[StreamId, int]]
    ) -> Cursor[Any] | None:
        """Queue the query for the heads the cache does not know; None if it knows all."""
        if not missing:
            return None
        cursor = conn.cursor(row_factory=tuple_row)
        cursor.execute(
            self.select_heads, ([s for s, _ in missing], [f for _, f in missing]), prepare=True
        )
        return cursor

    def link_batch(
        self, curs: Cursor[DictRow], stored_events: Sequence[StoredEvent], pending: Pending
    ) -> list[tuple[StreamId, Link]]:
        """Insert the chain rows of a batch just inserted (the insert goes to the server
        with the commit); returns them."""
        heads = dict(pending.known)
        if pending.query is not None:
            heads.update((row[0], bytes(row[1])) for row in pending.query.fetchall())
            pending.query.close()

        def earlier(stream_id: StreamId, first: int) -> list[StoredRow]:
            curs.execute(self.select_earlier, (stream_id, first))
            return stored_rows(tuple(row.values()) for row in curs.fetchall())

        rows = links_for_batch(stored_events, heads, earlier)
        curs.execute(self.insert_links, link_columns(rows), prepare=True)
        return rows

    # -- reading ---------------------------------------------------------------------------

    def setup(self) -> None:
        with self.datastore.transaction(commit=True) as curs:
            curs.execute(self.create_table)

    @contextmanager
    def _reading(self) -> Iterator[Connection[Any]]:
        """A read-only transaction that sees one state of the database throughout."""
        with self.datastore.get_connection() as conn, conn.transaction():
            conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            # The library's sessions end a transaction idle for 5 s; a scan pauses longer
            # than that between fetches only if something is badly wrong.
            conn.execute("SET LOCAL idle_in_transaction_session_timeout = '120s'")
            yield conn

    def _has_chain(self, conn: Connection[Any]) -> bool:
        cursor = conn.cursor(row_factory=tuple_row)
        row = cursor.execute(self.chain_exists, (self.chain_name,)).fetchone()
        return bool(row and row[0])

    def read_stream(self, stream_id: StreamId) -> StreamRows:
        with self._reading() as conn:
            cursor = conn.cursor(row_factory=tuple_row)
            events = stored_rows(cursor.execute(self.select_stream_events, (stream_id,)))
            links = []
            if self._has_chain(conn):
                links = chain_links(cursor.execute(self.select_stream_links, (stream_id,)))
        return StreamRows(stream_id, events, links)

    @contextmanager
    def snapshot(self) -> Iterator[StoreSnapshot]:
        with self._reading() as conn:
            yield PostgresSnapshot(self, conn)

    def unchained_streams(self) -> list[StreamId]:
        with self._reading() as conn:
            if not self._has_chain(conn):
                return []  # after setup(): without the table, no stream is chained
            cursor = conn.cursor(row_factory=tuple_row)
            return [row[0] for row in cursor.execute(self.select_unchained)]

    def seal(self, stream_ids: Sequence[StreamId]) -> int:
        self.setup()
        sealed = 0
        for chunk in chunked(stream_ids, SEAL_STREAMS):
            with self.datastore.transaction(commit=True) as curs:
                curs.execute(self.lock_events)  # writers wait; readers do not
                cursor = curs.connection.cursor(row_factory=tuple_row)
                chained = {r[0] for r in cursor.execute(self.select_chained_of, (list(chunk),))}
                events = cursor.execute(self.select_events_of, (list(chunk),)).fetchall()
                ids, versions, digests, hashes = [], [], [], []
                for stream in merge_streams(events, (), lambda raw: raw):
                    if stream.stream_id in chained:
                        continue
                    for link in link_events(stream.stream_id, GENESIS, stream.events):
                        ids.append(stream.stream_id)
                        versions.append(link.version)
                        digests.append(link.digest)
                        hashes.append(link.hash)
                cursor.execute(self.insert_links, (ids, versions, digests, hashes))
                sealed += len(ids)
        return sealed


class PostgresSnapshot(StoreSnapshot):
    def __init__(self, store: PostgresChainStore, conn: Connection[Any]) -> None:
        self.store = store
        self.conn = conn
        row = conn.cursor(row_factory=tuple_row).execute(store.select_position).fetchone()
        self.position = (row[0] if row else None) or 0
        self.chained = store._has_chain(conn)

    def streams(self) -> Iterator[StreamRows]:
        events = self.conn.cursor(name="journeys_verify_events", row_factory=tuple_row)
        events.itersize = SCAN_ROWS
        events.execute(self.store.scan_events)
        links: Any = ()
        if self.chained:
            links = self.conn.cursor(name="journeys_verify_links", row_factory=tuple_row)
            links.itersize = SCAN_ROWS
            links.execute(self.store.scan_links)
        yield from merge_streams(events, links, lambda raw: raw)


class ChainedPostgresApplicationRecorder(PostgresApplicationRecorder):
    """The library's PostgreSQL application recorder, plus a chain row for every event it
    inserts, in the same transaction."""

    def __init__(self, datastore: PostgresDatastore, *, events_table_name: str = "stored_events"):
        super().__init__(datastore, events_table_name=events_table_name)
        if datastore.enable_db_functions:
            # That path inserts through a database function that knows nothing of the chain.
            msg = "the hash chain needs POSTGRES_ENABLE_DB_FUNCTIONS off"
            raise ProgrammingError(msg)
        self.chain = PostgresChainStore(datastore, events_table_name)
        self.heads = HeadCache()
        self.sql_create_statements.append(self.chain.create_table)
        # The library's insert (… RETURNING notification_id), the chain rows' insert before
        # it in the same statement.
        self.insert_events_and_links = (
            SQL("WITH chained AS (").format()
            + self.chain.insert_links
            + SQL(") ").format()
            + self.insert_events_statement
        )

    def insert_events(
        self, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        # What the steps below share: the library passes **kwargs to each of them.
        pending = Pending()
        ids: Sequence[int] | None = super().insert_events(stored_events, chain=pending, **kwargs)
        self.heads.remember(pending.rows)  # committed
        return ids

    def _insert_stored_events(
        self, curs: Cursor[DictRow], stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> None:
        # The library's steps (lock, notify, insert), with the chain between the lock and
        # the insert. A heads query queued after the insert would be aborted with it when
        # the insert conflicts, and that abort would hide the conflict (IntegrityError).
        self._lock_table(curs)
        self._notify_channel(curs)
        pending: Pending = kwargs["chain"]
        pending.rows, pending.query = [], None
        pending.known, missing = self.heads.split(first_versions(stored_events))
        if missing:
            pending.query = self.chain.ask_heads(curs.connection, missing)
            PostgresAggregateRecorder._insert_stored_events(self, curs, stored_events, **kwargs)
            return
        # Every head is known (the usual case): the chain rows go in the events' statement.
        pending.rows = links_for_batch(stored_events, pending.known, no_earlier_events)
        events = [
            self.construct_pg_stored_event(e.originator_id, e.originator_version, e.topic, e.state)
            for e in stored_events
        ]
        curs.execute(
            self.insert_events_and_links, (*link_columns(pending.rows), events), prepare=True
        )

    def _fetch_ids_after_insert_events(
        self, curs: Cursor[DictRow], stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        notification_ids = super()._fetch_ids_after_insert_events(curs, stored_events, **kwargs)
        pending: Pending = kwargs["chain"]
        if pending.query is not None:
            pending.rows = self.chain.link_batch(curs, stored_events, pending)
        return notification_ids


def no_earlier_events(stream_id: StreamId, first: int) -> list[StoredRow]:
    raise AssertionError("a stream with a known head needs none of its earlier events")


def link_columns(rows: Sequence[tuple[StreamId, Link]]) -> tuple[list[Any], ...]:
    """Chain rows as the four arrays the insert statements unnest."""
    return (
        [stream_id for stream_id, _ in rows],
        [link.version for _, link in rows],
        [link.digest for _, link in rows],
        [link.hash for _, link in rows],
    )
