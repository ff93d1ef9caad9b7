"""Where views live: documents and tracking positions, in the event store's own database.

Three tables serve every projection, on SQLite and on PostgreSQL alike:

- `journeys_views`: one row per built or building generation of a view — its name, the
  version of its document shape, its state (`live`: what readers see; `building`: a rebuild
  beside the live one), and the last failure, if any;
- `journeys_view_tracking`: how far each generation has read each of its sources, one row
  per (view_id, source): `store` (STORE), the event store's notification log, today; a
  view fed from elsewhere (a Kafka relay) tracks each `topic:partition` the same way. A
  database made when the position was a column of `journeys_views` moves it here, as the
  `store` row, when first opened;
- `journeys_view_docs`: the documents, keyed by (view_id, key), with a searchable tag and
  `seq`, the order in which each key was first stored in its generation (a rebuild stores
  them again in log order), which a paged read follows.

A batch of view changes and the new position of its source commit in one transaction, and
only if that position is still the one the batch started from (compare-and-set), so a crash
loses nothing, and two runners on one view never apply an event twice. Readers always read the
live generation in one statement, so a rebuild that is switched in is seen whole or not at
all. Each backend runs its own statements (`Queries`, built once in its parameter style), in its
own module: `infra.views.sqlite`, `infra.views.postgres`.

Why not eventsourcing's TrackingRecorder / ProcessRecorder: a tracking record there is
written by the recorder in its own transaction, or with new events (ProcessRecorder), never
with a view's documents; it only moves forward (an insert of a larger notification id),
not from the position a batch started at, so a second runner on the same view would not
be turned away; and it knows no generations, so a rebuild beside the live view could not
track apart from it. The table here keeps its shape (a source, a position) so that either
could be bridged to the other.
"""

from __future__ import annotations

import json
import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, ClassVar

from domain.errors import JourneysError
from infra.views import tables
from projections.base import Doc
from projections.rows import RowTable

VIEWS_CHANNEL = "journeys_views"
# The event store's notification log: the source every view reads today.
STORE = "store"

SCHEMA = (
    """CREATE TABLE IF NOT EXISTS journeys_views (
        view_id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        version INTEGER NOT NULL,
        generation INTEGER NOT NULL,
        state TEXT NOT NULL,
        updated_at DOUBLE PRECISION NOT NULL,
        failures INTEGER NOT NULL DEFAULT 0,
        last_error TEXT,
        retry_at DOUBLE PRECISION)""",
    """CREATE TABLE IF NOT EXISTS journeys_view_docs (
        view_id TEXT NOT NULL,
        key TEXT NOT NULL,
        tag TEXT NOT NULL,
        doc TEXT NOT NULL,
        seq BIGINT,
        PRIMARY KEY (view_id, key))""",
    "CREATE INDEX IF NOT EXISTS journeys_view_docs_tag ON journeys_view_docs (view_id, tag)",
    """CREATE TABLE IF NOT EXISTS journeys_view_tracking (
        view_id TEXT NOT NULL,
        source TEXT NOT NULL,
        position BIGINT NOT NULL,
        PRIMARY KEY (view_id, source))""",
)
# A database whose views kept their position in `journeys_views` (see setup).
MOVE_POSITIONS = (
    "INSERT INTO journeys_view_tracking (view_id, source, position) "
    f"SELECT view_id, '{STORE}', position FROM journeys_views v WHERE NOT EXISTS "
    "(SELECT 1 FROM journeys_view_tracking t WHERE t.view_id = v.view_id)",
    "ALTER TABLE journeys_views DROP COLUMN position",
)
# After the column exists (a table made before it had none; see _add_seq).
SEQ_INDEX = "CREATE INDEX IF NOT EXISTS journeys_view_docs_seq ON journeys_view_docs (view_id, seq)"

_VIEW_COLUMNS = (
    "view_id, name, version, generation, state, updated_at, failures, last_error, retry_at"
)
# A view's rows with its position in the store (every generation has a `store` row).
_VIEWS_AT = (
    "FROM journeys_views v JOIN journeys_view_tracking t "
    f"ON t.view_id = v.view_id AND t.source = '{STORE}'"
)


@dataclass(frozen=True)
class Queries:
    """The store's statements in one database's parameter style, built once per backend
    (in `infra.views.sqlite` and `infra.views.postgres`): no statement is rewritten as it runs."""

    views: str
    views_named: str
    view: str
    latest_generation: str
    insert_view: str
    insert_tracking: str
    start_tracking: str
    live_ids: str
    delete_live: str
    make_live: str
    delete_docs: str
    delete_view: str
    delete_tracking: str
    record_failure: str
    move: str
    moved: str
    tracking: str
    last_seq: str
    upsert_docs: str
    read: str
    read_tagged: str
    read_tagged_with_tag: str
    read_page: str
    read_page_with_tag: str

    @classmethod
    def marked(cls, p: str) -> Queries:
        """The statements with `p` as the mark of each parameter."""
        tagged = (
            f"SELECT t.position AS position, d.key AS key, d.doc AS doc {_VIEWS_AT} "
            "JOIN journeys_view_docs d ON d.view_id = v.view_id "
            f"WHERE v.name = {p} AND v.state = 'live'"
        )
        paged = (
            f"SELECT t.position AS position, d.seq AS seq, d.doc AS doc {_VIEWS_AT} "
            "JOIN journeys_view_docs d ON d.view_id = v.view_id "
            f"WHERE v.name = {p} AND v.state = 'live' AND d.seq > {p}"
        )
        columns = ", ".join(f"v.{c} AS {c}" for c in _VIEW_COLUMNS.split(", "))
        every = f"SELECT {columns}, t.position AS position {_VIEWS_AT}"
        in_order = " ORDER BY v.name, v.state DESC, v.generation DESC"
        return cls(
            views=every + in_order,
            views_named=f"{every} WHERE v.name = {p}{in_order}",
            view=f"{every} WHERE v.view_id = {p}",
            latest_generation=f"SELECT MAX(generation) AS g FROM journeys_views WHERE name = {p}",
            insert_view=f"INSERT INTO journeys_views ({_VIEW_COLUMNS}) VALUES "
            f"({','.join([p] * 9)})",
            insert_tracking="INSERT INTO journeys_view_tracking (view_id, source, position) "
            f"VALUES ({p},{p},0)",
            # A source the generation has not read yet starts at 0 (a generation only).
            start_tracking="INSERT INTO journeys_view_tracking (view_id, source, position) "
            f"SELECT view_id, {p}, 0 FROM journeys_views WHERE view_id = {p} "
            "ON CONFLICT (view_id, source) DO NOTHING",
            live_ids=f"SELECT view_id FROM journeys_views WHERE name = {p} AND state = 'live'",
            delete_live=f"DELETE FROM journeys_views WHERE name = {p} AND state = 'live'",
            make_live=f"UPDATE journeys_views SET state = 'live', updated_at = {p} "
            f"WHERE view_id = {p}",
            delete_docs=f"DELETE FROM journeys_view_docs WHERE view_id = {p}",
            delete_view=f"DELETE FROM journeys_views WHERE view_id = {p}",
            delete_tracking=f"DELETE FROM journeys_view_tracking WHERE view_id = {p}",
            record_failure=f"UPDATE journeys_views SET failures = failures + 1, last_error = {p}, "
            f"retry_at = {p}, updated_at = {p} WHERE view_id = {p}",
            move=f"UPDATE journeys_view_tracking SET position = {p} "
            f"WHERE view_id = {p} AND source = {p} AND position = {p}",
            moved=f"UPDATE journeys_views SET updated_at = {p}, failures = 0, "
            f"last_error = NULL, retry_at = NULL WHERE view_id = {p}",
            tracking="SELECT source, position FROM journeys_view_tracking "
            f"WHERE view_id = {p} ORDER BY source",
            last_seq="SELECT COALESCE(MAX(seq), 0) AS seq FROM journeys_view_docs "
            f"WHERE view_id = {p}",
            upsert_docs="INSERT INTO journeys_view_docs (view_id, key, tag, doc, seq) "
            f"VALUES ({p},{p},{p},{p},{p}) ON CONFLICT (view_id, key) DO UPDATE SET "
            "tag = excluded.tag, doc = excluded.doc",  # a key keeps its first seq
            read=f"SELECT t.position AS position, d.doc AS doc {_VIEWS_AT} "
            f"LEFT JOIN journeys_view_docs d ON d.view_id = v.view_id AND d.key = {p} "
            f"WHERE v.name = {p} AND v.state = 'live'",
            read_tagged=tagged + " ORDER BY d.key",
            read_tagged_with_tag=f"{tagged} AND d.tag = {p} ORDER BY d.key",
            read_page=f"{paged} ORDER BY d.seq LIMIT {p}",
            read_page_with_tag=f"{paged} AND d.tag = {p} ORDER BY d.seq LIMIT {p}",
        )


class ViewNotReadyError(JourneysError):
    """A view did not reach the position asked for within the time given."""

    def __init__(self, message: str, *, position: int) -> None:
        super().__init__(message)
        self.position = position


class ViewMovedError(JourneysError):
    """The view's position changed under a batch (another runner, or a switch): retry."""


@dataclass(frozen=True)
class ViewInfo:
    """One generation of a view, as its row says; `position`: its `store` tracking row's."""

    view_id: str
    name: str
    version: int
    generation: int
    state: str  # "live" or "building"
    position: int
    updated_at: float
    failures: int
    last_error: str | None
    retry_at: float | None


def _info(row: Mapping[str, Any]) -> ViewInfo:
    return ViewInfo(
        view_id=row["view_id"],
        name=row["name"],
        version=int(row["version"]),
        generation=int(row["generation"]),
        state=row["state"],
        position=int(row["position"]),
        updated_at=float(row["updated_at"]),
        failures=int(row["failures"]),
        last_error=row["last_error"],
        retry_at=None if row["retry_at"] is None else float(row["retry_at"]),
    )


def encode(doc: Doc) -> str:
    return json.dumps(doc, separators=(",", ":"), ensure_ascii=False)


class Cursor(ABC):
    """The few things a view transaction does, written once for both databases."""

    @abstractmethod
    def execute(self, sql: str, params: Sequence[Any] = ()) -> None: ...

    @abstractmethod
    def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None: ...

    @abstractmethod
    def fetchall(self) -> list[Mapping[str, Any]]: ...

    @property
    @abstractmethod
    def rowcount(self) -> int: ...


class DbApiCursor(Cursor):
    """A DB-API cursor (sqlite3's or psycopg's, rows as mappings) as a view cursor."""

    def __init__(self, cursor: Any) -> None:
        self._cursor = cursor

    def execute(self, sql: str, params: Sequence[Any] = ()) -> None:
        self._cursor.execute(sql, params)

    def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        self._cursor.executemany(sql, rows)

    def fetchall(self) -> list[Mapping[str, Any]]:
        return list(self._cursor.fetchall())

    @property
    def rowcount(self) -> int:
        return int(self._cursor.rowcount)


class ViewStore(ABC):
    """Documents and tracking rows of every view. Thread-safe; one per process."""

    queries: ClassVar[Queries]
    dialect: ClassVar[tables.Dialect]

    def __init__(self) -> None:
        self._advanced = threading.Condition()
        self.tables: dict[str, RowTable] = {}  # view name -> its typed rows (tables.py)

    # -- connections, per database ------------------------------------------------------

    @abstractmethod
    @contextmanager
    def transaction(self, *, write: bool) -> Iterator[Cursor]:
        """A cursor in one transaction, committed on success when `write`."""
        yield  # type: ignore[misc]

    @abstractmethod
    def _select_docs(self, cur: Cursor, view_id: str, keys: Sequence[str]) -> None: ...

    @abstractmethod
    def _columns(self, cur: Cursor, table: str) -> set[str]:
        """The names of the columns of `table`, as it stands."""

    @abstractmethod
    def _announce(self, cur: Cursor, view_id: str, position: int) -> None:
        """Tell other processes, at commit, that a view moved (where the database can)."""

    @abstractmethod
    def start(self) -> None:
        """Start listening for other processes' changes, where the database can tell."""

    @abstractmethod
    def close(self) -> None:
        """Release connections."""

    # -- schema -------------------------------------------------------------------------

    def setup(self, row_tables: Mapping[str, RowTable] | None = None) -> None:
        """Make the tables if they are not there, and the row tables of these views."""
        self.tables.update(row_tables or {})
        with self.transaction(write=True) as cur:
            for statement in SCHEMA:
                cur.execute(statement)
            # Looked up first: ALTER TABLE locks the table even when there is nothing to do.
            if "seq" not in self._columns(cur, "journeys_view_docs"):
                cur.execute("ALTER TABLE journeys_view_docs ADD COLUMN seq BIGINT")
            cur.execute(SEQ_INDEX)
            if "position" in self._columns(cur, "journeys_views"):
                for statement in MOVE_POSITIONS:
                    cur.execute(statement)
            for table in self.tables.values():
                create, *indexes = tables.schema(table, self.dialect)
                cur.execute(create)
                existing = self._columns(cur, table.name)
                for statement in [*tables.added_columns(table, self.dialect, existing), *indexes]:
                    cur.execute(statement)

    # -- tracking rows ------------------------------------------------------------------

    def views(self, name: str | None = None) -> list[ViewInfo]:
        """Every generation of every view (or of one), live first, newest first."""
        q = self.queries
        with self.transaction(write=False) as cur:
            if name is None:
                cur.execute(q.views)
            else:
                cur.execute(q.views_named, (name,))
            return [_info(row) for row in cur.fetchall()]

    def live(self, name: str) -> ViewInfo | None:
        return next((v for v in self.views(name) if v.state == "live"), None)

    def view(self, view_id: str) -> ViewInfo | None:
        with self.transaction(write=False) as cur:
            cur.execute(self.queries.view, (view_id,))
            rows = cur.fetchall()
        return _info(rows[0]) if rows else None

    def create(self, name: str, version: int, *, state: str) -> ViewInfo:
        """A new, empty generation of a view at position 0."""
        with self.transaction(write=True) as cur:
            cur.execute(self.queries.latest_generation, (name,))
            latest = cur.fetchall()[0]["g"]
            generation = int(latest or 0) + 1
            view_id = f"{name}.v{version}.g{generation}"
            cur.execute(
                self.queries.insert_view,
                (view_id, name, version, generation, state, time.time(), 0, None, None),
            )
            cur.execute(self.queries.insert_tracking, (view_id, STORE))
        info = self.view(view_id)
        assert info is not None
        return info

    def switch(self, name: str, view_id: str) -> None:
        """Make a built generation the live one, atomically, and drop the old one."""
        q = self.queries
        with self.transaction(write=True) as cur:
            cur.execute(q.live_ids, (name,))
            old = [row["view_id"] for row in cur.fetchall()]
            cur.execute(q.delete_live, (name,))
            cur.execute(q.make_live, (time.time(), view_id))
            if cur.rowcount != 1:
                raise ViewMovedError(f"view {view_id} is gone; nothing was switched")
            self._announce(cur, view_id, -1)
        for retired in old:
            self.drop(retired)
        self._wake()

    def drop(self, view_id: str) -> None:
        """Delete a generation and its documents (readers of other generations unaffected)."""
        table = self.tables.get(tables.view_name(view_id))
        with self.transaction(write=True) as cur:
            if table is not None:
                cur.execute(tables.drop_statement(table, self.dialect), (view_id,))
            cur.execute(self.queries.delete_docs, (view_id,))
            cur.execute(self.queries.delete_tracking, (view_id,))
            cur.execute(self.queries.delete_view, (view_id,))

    def record_failure(self, view_id: str, *, error: str, retry_at: float) -> None:
        with self.transaction(write=True) as cur:
            cur.execute(self.queries.record_failure, (error, retry_at, time.time(), view_id))

    # -- documents ----------------------------------------------------------------------

    def load(self, view_id: str, keys: Sequence[str]) -> dict[str, Doc]:
        """The stored documents of these keys (missing keys are absent)."""
        docs: dict[str, Doc] = {}
        if not keys:
            return docs
        with self.transaction(write=False) as cur:
            for start in range(0, len(keys), 500):
                self._select_docs(cur, view_id, keys[start : start + 500])
                docs.update((row["key"], json.loads(row["doc"])) for row in cur.fetchall())
        return docs

    def commit(
        self,
        view_id: str,
        *,
        expected: int,
        position: int,
        changed: Mapping[str, tuple[str, Doc]],
        source: str = STORE,
        also: Mapping[str, tuple[int, int]] | None = None,
    ) -> None:
        """Write changed documents and move the view's tracking of `source` from `expected`
        to `position`, in one transaction; ViewMovedError (and nothing written) if it is no
        longer at `expected`. A source the view has not read before is at 0. `also` moves
        more sources the same way, each from its expected position to its new one."""
        # Encoded before the transaction opens: a rebuild's window can hold the whole view,
        # and encoding it inside would keep the transaction idle for seconds (PostgreSQL ends
        # such sessions: eventsourcing sets idle_in_transaction_session_timeout) and hold
        # SQLite's write lock against every command meanwhile.
        rows = [(view_id, key, tag, encode(doc)) for key, (tag, doc) in changed.items()]
        table = self.tables.get(tables.view_name(view_id))
        typed = tables.changes(table, self.dialect, view_id, changed) if table else None
        q = self.queries
        with self.transaction(write=True) as cur:
            for tracked, (was, now) in [(source, (expected, position)), *(also or {}).items()]:
                if tracked != STORE:
                    cur.execute(q.start_tracking, (tracked, view_id))
                cur.execute(q.move, (now, view_id, tracked, was))
                if cur.rowcount != 1:
                    raise ViewMovedError(f"view {view_id} moved from position {was}")
            cur.execute(q.moved, (time.time(), view_id))
            if rows:
                # Safe from races: the position's compare-and-set above serialises commits.
                cur.execute(q.last_seq, (view_id,))
                last = int(cur.fetchall()[0]["seq"])
                cur.executemany(
                    q.upsert_docs, [(*row, last + n) for n, row in enumerate(rows, start=1)]
                )
            if typed is not None and typed.keys:
                cur.executemany(typed.delete, typed.keys)
                if typed.rows:
                    cur.executemany(typed.insert, typed.rows)
            self._announce(cur, view_id, position)
        self._wake()

    def tracking(self, view_id: str) -> dict[str, int]:
        """How far the generation has read each of its sources (STORE, ...)."""
        with self.transaction(write=False) as cur:
            cur.execute(self.queries.tracking, (view_id,))
            return {row["source"]: int(row["position"]) for row in cur.fetchall()}

    # -- reads of the live generation -----------------------------------------------------

    def read(self, name: str, key: str) -> tuple[int, Doc | None]:
        """The live view's position and its document under `key`, read together."""
        with self.transaction(write=False) as cur:
            cur.execute(self.queries.read, (key, name))
            rows = cur.fetchall()
        if not rows:
            return 0, None
        doc = rows[0]["doc"]
        return int(rows[0]["position"]), None if doc is None else json.loads(doc)

    def read_tagged(self, name: str, tag: str | None) -> tuple[int, list[tuple[str, Doc]]]:
        """The live view's position and its documents with this tag (all when None)."""
        q = self.queries
        with self.transaction(write=False) as cur:
            if tag is None:
                cur.execute(q.read_tagged, (name,))
            else:
                cur.execute(q.read_tagged_with_tag, (name, tag))
            rows = cur.fetchall()
        if not rows:
            live = self.live(name)
            return (live.position if live else 0), []
        return int(rows[0]["position"]), [(row["key"], json.loads(row["doc"])) for row in rows]

    def read_page(
        self,
        name: str,
        *,
        tag: str | None,
        after: int | None,
        limit: int,
        where: Callable[[Doc], bool] | None = None,
    ) -> tuple[int, list[tuple[int, Doc]], bool]:
        """The live view's position; up to `limit` of its documents with this tag (all when
        None) for which `where` holds, each with its `seq`, in seq order after `after`; and
        whether more such documents follow. Reads in batches: a page costs about its own
        size when most documents match, and the whole view at worst."""
        sql = self.queries.read_page if tag is None else self.queries.read_page_with_tag
        batch = max(2 * limit, 100)
        start, position = after or 0, None
        found: list[tuple[int, Doc]] = []
        while True:
            params = (name, start, tag, batch) if tag is not None else (name, start, batch)
            with self.transaction(write=False) as cur:
                cur.execute(sql, params)
                rows = cur.fetchall()
            if position is None:
                live = self.live(name) if not rows else None
                position = int(rows[0]["position"]) if rows else (live.position if live else 0)
            for row in rows:
                doc = json.loads(row["doc"])
                if where is None or where(doc):
                    if len(found) == limit:
                        return position, found, True
                    found.append((int(row["seq"]), doc))
            if len(rows) < batch:
                return position, found, False
            start = int(rows[-1]["seq"])

    # -- read-your-writes -----------------------------------------------------------------

    def _wake(self) -> None:
        with self._advanced:
            self._advanced.notify_all()

    def _poll_interval(self) -> float | None:
        """How often a waiter looks again without being woken (None: only when woken)."""
        return 0.05

    def wait(self, name: str, position: int, *, timeout: float) -> int:
        """Block until the live view `name` has reached `position`; return its position.

        Woken by this process's commits, and on PostgreSQL by other processes' (NOTIFY).
        Raises ViewNotReadyError with the view's current position after `timeout` seconds."""
        deadline = time.monotonic() + timeout
        while True:
            live = self.live(name)
            current = live.position if live else 0
            if current >= position:
                return current
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise ViewNotReadyError(
                    f"the {name} view reached position {current}, not {position}, "
                    f"within {timeout:g} s; ask again shortly",
                    position=current,
                )
            interval = self._poll_interval()
            with self._advanced:
                self._advanced.wait(remaining if interval is None else min(remaining, interval))


class StoreTable:
    """A table of another part kept beside the views, in the view store's database, written
    through its connections in its driver's parameter style (`_mark`): the relay's positions,
    the webhook subscriptions."""

    schema: ClassVar[str]

    def __init__(self, views: ViewStore) -> None:
        self._transaction = views.transaction
        self._mark = views.dialect.mark

    def setup(self) -> None:
        with self._transaction(write=True) as cur:
            cur.execute(self.schema)
