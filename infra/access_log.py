"""The access log: who read which family's record, when, what, and why, kept append-only.

One table, `journeys_access_log`, in the event store's own database, written and read
through the view store's transactions (its own SQLite connections; on PostgreSQL the event
store's connection pool). Append-only is the database's rule, not only the API's: triggers
refuse every UPDATE and DELETE (and, on PostgreSQL, TRUNCATE), and on SQLite an INSERT that
would replace an existing row. What the triggers cannot stop is someone who may drop the
table or the triggers themselves (a database owner); the log does not claim more.

An entry holds ids and codes only, never free text: the user id from the token (never a
name), role, agency, what was read with the parameters that shaped it, and a reason code.
The log is never erased, so nothing in it may be personal data of a family.
"""

from __future__ import annotations

import json
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal, Protocol
from uuid import UUID

from infra.views import Cursor

Outcome = Literal["read", "refused"]
OUTCOMES: tuple[Outcome, ...] = ("read", "refused")
REFUSED_MESSAGE = "the access log is append-only"
_COLUMNS = "id, family_id, at, user_id, role, agency, what, detail, reason, outcome"


class Transactions(Protocol):
    """How the log reaches its database: a cursor in one transaction (ViewStore.transaction)."""

    def __call__(self, *, write: bool) -> AbstractContextManager[Cursor]: ...


@dataclass(frozen=True)
class Access:
    """One read of (or refused attempt at) a family's record, as it is to be logged."""

    family_id: UUID
    user_id: str
    role: str
    agency: str
    what: str
    """Which resource: "timeline", "journey", "events", "family page", ..."""
    detail: Mapping[str, str]
    """The parameters that shaped what was seen (as_recorded_at, agency, ...): codes, times."""
    reason: str | None
    """A code of the `access_reason` code list, if the reader stated one."""
    outcome: Outcome = "read"


@dataclass(frozen=True, kw_only=True)
class LoggedAccess(Access):
    """An entry of the log: an Access with its place in the log and its time (UTC)."""

    access_id: int
    at: datetime


@dataclass(frozen=True)
class AccessPage:
    """Entries newest first, and the `before` of the next page (None at the end)."""

    items: list[LoggedAccess]
    next: int | None


class AccessLog(ABC):
    """The append-only log of reads of families' records. Thread-safe, like its transactions."""

    schema: tuple[str, ...]

    def __init__(self, transaction: Transactions, *, clock: Callable[[], datetime]) -> None:
        self._transaction = transaction
        self._clock = clock

    def setup(self) -> None:
        """Create the table and its triggers if they are not there yet (idempotent)."""
        with self._transaction(write=True) as cur:
            for statement in self.schema:
                cur.execute(statement)

    @abstractmethod
    def _time(self, at: datetime) -> Any:
        """A time as this database stores and compares it."""

    @abstractmethod
    def _read_time(self, stored: Any) -> datetime: ...

    def append(self, access: Access) -> LoggedAccess:
        """Log one access, committed before this returns; any failure raises (and then the
        read it records must not be answered)."""
        if access.outcome not in OUTCOMES:
            raise ValueError(f"outcome must be one of {', '.join(OUTCOMES)}")
        at = self._clock().astimezone(UTC)
        detail = json.dumps(dict(access.detail), sort_keys=True, separators=(",", ":"))
        with self._transaction(write=True) as cur:
            cur.execute(
                "INSERT INTO journeys_access_log (family_id, at, user_id, role, agency, what, "
                "detail, reason, outcome) VALUES (?,?,?,?,?,?,?,?,?) RETURNING id",
                (
                    str(access.family_id),
                    self._time(at),
                    access.user_id,
                    access.role,
                    access.agency,
                    access.what,
                    detail,
                    access.reason,
                    access.outcome,
                ),
            )
            access_id = int(cur.fetchall()[0]["id"])
        return LoggedAccess(**vars(access), access_id=access_id, at=at)

    def page(
        self,
        family_id: UUID,
        *,
        start: datetime | None = None,
        end: datetime | None = None,
        user_id: str | None = None,
        before: int | None = None,
        limit: int = 50,
    ) -> AccessPage:
        """A family's entries, newest first: those at or after `start` and at or before
        `end`, by `user_id` if given, older than entry `before` (the previous page's next).

        Pages follow the entries' ids. On PostgreSQL ids are drawn at insert and committed
        in any order, so an entry committed while a reader pages past its id can be missed
        by that paging (never lost: a new reading shows it)."""
        sql = f"SELECT {_COLUMNS} FROM journeys_access_log WHERE family_id = ?"
        params: list[Any] = [str(family_id)]
        for clause, value in (
            (" AND id < ?", before),
            (" AND at >= ?", None if start is None else self._time(start)),
            (" AND at <= ?", None if end is None else self._time(end)),
            (" AND user_id = ?", user_id),
        ):
            if value is not None:
                sql += clause
                params.append(value)
        with self._transaction(write=False) as cur:
            cur.execute(sql + " ORDER BY id DESC LIMIT ?", (*params, limit + 1))
            rows = cur.fetchall()
        items = [self._entry(row) for row in rows[:limit]]
        return AccessPage(items, items[-1].access_id if len(rows) > limit else None)

    def _entry(self, row: Mapping[str, Any]) -> LoggedAccess:
        return LoggedAccess(
            access_id=int(row["id"]),
            family_id=UUID(str(row["family_id"])),
            at=self._read_time(row["at"]),
            user_id=row["user_id"],
            role=row["role"],
            agency=row["agency"],
            what=row["what"],
            detail=json.loads(row["detail"]),
            reason=row["reason"],
            outcome=row["outcome"],
        )


def _table(*, id_type: str, family_type: str, at_type: str) -> str:
    """The table, in the types of one database."""
    return f"""CREATE TABLE IF NOT EXISTS journeys_access_log (
        id {id_type},
        family_id {family_type} NOT NULL,
        at {at_type} NOT NULL,
        user_id TEXT NOT NULL,
        role TEXT NOT NULL,
        agency TEXT NOT NULL,
        what TEXT NOT NULL,
        detail TEXT NOT NULL,
        reason TEXT,
        outcome TEXT NOT NULL)"""


_INDEX = (
    "CREATE INDEX IF NOT EXISTS journeys_access_log_family ON journeys_access_log (family_id, id)"
)


class SQLiteAccessLog(AccessLog):
    """In the SQLite file: times as fixed-width ISO 8601 text in UTC, which sorts as time."""

    schema = (
        _table(id_type="INTEGER PRIMARY KEY AUTOINCREMENT", family_type="TEXT", at_type="TEXT"),
        _INDEX,
        f"""CREATE TRIGGER IF NOT EXISTS journeys_access_log_no_update
            BEFORE UPDATE ON journeys_access_log
            BEGIN SELECT RAISE(ABORT, '{REFUSED_MESSAGE}: UPDATE is refused'); END""",
        f"""CREATE TRIGGER IF NOT EXISTS journeys_access_log_no_delete
            BEFORE DELETE ON journeys_access_log
            BEGIN SELECT RAISE(ABORT, '{REFUSED_MESSAGE}: DELETE is refused'); END""",
        # INSERT OR REPLACE deletes the row it collides with without firing DELETE triggers
        # (unless recursive_triggers is on), so a collision is refused before it happens.
        f"""CREATE TRIGGER IF NOT EXISTS journeys_access_log_no_replace
            BEFORE INSERT ON journeys_access_log
            WHEN EXISTS (SELECT 1 FROM journeys_access_log WHERE id = NEW.id)
            BEGIN SELECT RAISE(ABORT, '{REFUSED_MESSAGE}: REPLACE is refused'); END""",
    )

    def _time(self, at: datetime) -> str:
        return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")

    def _read_time(self, stored: Any) -> datetime:
        return datetime.strptime(str(stored), "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)


class PostgresAccessLog(AccessLog):
    """In the PostgreSQL database: one trigger function refuses UPDATE, DELETE and TRUNCATE."""

    schema = (
        # Several processes may start at once; DDL is not safe to race, so they take turns.
        "SELECT pg_advisory_xact_lock(hashtext('journeys_access_log'))",
        _table(
            id_type="BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY",
            family_type="UUID",
            at_type="TIMESTAMPTZ",
        ),
        _INDEX,
        f"""CREATE OR REPLACE FUNCTION journeys_access_log_refuse() RETURNS trigger
            LANGUAGE plpgsql AS $$
            BEGIN
                RAISE EXCEPTION USING
                    MESSAGE = '{REFUSED_MESSAGE}: ' || TG_OP || ' is refused',
                    ERRCODE = 'insufficient_privilege';
            END $$""",
        """DO $$ BEGIN
            IF NOT EXISTS (SELECT 1 FROM pg_trigger WHERE tgname = 'journeys_access_log_no_change'
                           AND tgrelid = 'journeys_access_log'::regclass) THEN
                CREATE TRIGGER journeys_access_log_no_change
                    BEFORE UPDATE OR DELETE ON journeys_access_log
                    FOR EACH ROW EXECUTE FUNCTION journeys_access_log_refuse();
            END IF;
            IF NOT EXISTS (SELECT 1 FROM pg_trigger WHERE tgname = 'journeys_access_log_no_truncate'
                           AND tgrelid = 'journeys_access_log'::regclass) THEN
                CREATE TRIGGER journeys_access_log_no_truncate
                    BEFORE TRUNCATE ON journeys_access_log
                    FOR EACH STATEMENT EXECUTE FUNCTION journeys_access_log_refuse();
            END IF;
        END $$""",
    )

    def _time(self, at: datetime) -> datetime:
        return at.astimezone(UTC)

    def _read_time(self, stored: Any) -> datetime:
        moment: datetime = stored
        return moment.astimezone(UTC)
