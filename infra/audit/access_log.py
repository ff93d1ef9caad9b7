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

An entry is written before the read it records, so it cannot know yet whether the request
will be answered. When the request then fails on a bad parameter (422), its `read` entries
are amended to `invalid` by one row each in a second append-only table,
`journeys_access_outcome` (at most one per entry: its primary key, and only for an entry
that exists: it is inserted from the entry itself); an entry's outcome is
the amendment's, if there is one. Amending never rewrites an entry, and never turns a
refusal into anything else.
"""

from __future__ import annotations

import json
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, ClassVar, Literal, Protocol
from uuid import UUID

from infra.views.store import Cursor

Outcome = Literal["read", "refused", "invalid"]
OUTCOMES: tuple[Outcome, ...] = ("read", "refused", "invalid")
"""`read`: the record was read (logged before the read); `refused`: the caller was refused
(403); `invalid`: logged as a read, then the request failed on a bad parameter (422), so
nothing of the record was answered."""
APPENDED: tuple[Outcome, ...] = ("read", "refused")  # `invalid` only ever by amendment
REFUSED_MESSAGE = "the access log is append-only"
_OUTCOME = "COALESCE(o.outcome, l.outcome)"
_SELECT = (
    "SELECT l.id, l.family_id, l.at, l.user_id, l.role, l.agency, l.what, l.detail, l.reason, "
    f"{_OUTCOME} AS outcome FROM journeys_access_log l "
    "LEFT JOIN journeys_access_outcome o ON o.access_id = l.id WHERE 1 = 1"
)
_BATCH = 500  # entries per transaction when every match is read (`each`)


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


@dataclass(frozen=True, kw_only=True)
class AccessFilter:
    """Which entries: each field given narrows the match; `start` and `end` bound the time of
    the access (inclusive)."""

    family_id: UUID | None = None
    user_id: str | None = None
    role: str | None = None
    agency: str | None = None
    outcome: Outcome | None = None
    start: datetime | None = None
    end: datetime | None = None


@dataclass(frozen=True)
class AccessPage:
    """Entries newest first, and the `before` of the next page (None at the end)."""

    items: list[LoggedAccess]
    next: int | None


class AccessLog(ABC):
    """The append-only log of reads of families' records. Thread-safe, like its transactions."""

    schema: tuple[str, ...]
    # The mark of a statement's parameter in this database's style; the statements are
    # written with it, never rewritten as they run.
    mark: ClassVar[str]

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
        if access.outcome not in APPENDED:
            raise ValueError(f"outcome must be one of {', '.join(APPENDED)}")
        at = self._clock().astimezone(UTC)
        detail = json.dumps(dict(access.detail), sort_keys=True, separators=(",", ":"))
        marks = ",".join([self.mark] * 9)
        with self._transaction(write=True) as cur:
            cur.execute(
                "INSERT INTO journeys_access_log (family_id, at, user_id, role, agency, what, "
                f"detail, reason, outcome) VALUES ({marks}) RETURNING id",
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

    def amend_invalid(self, access_ids: Iterable[int]) -> None:
        """The request that these entries logged failed on a bad parameter (422): each of them
        that says `read` says `invalid` from now on. Committed before this returns."""
        at = self._time(self._clock().astimezone(UTC))
        p = self.mark
        with self._transaction(write=True) as cur:
            for access_id in access_ids:
                cur.execute(
                    "INSERT INTO journeys_access_outcome (access_id, outcome, at) "
                    f"SELECT l.id, 'invalid', {p} FROM journeys_access_log l "
                    "LEFT JOIN journeys_access_outcome o ON o.access_id = l.id "
                    f"WHERE l.id = {p} AND l.outcome = 'read' AND o.access_id IS NULL",
                    (at, access_id),
                )

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
        """A family's entries (see `find`)."""
        matching = AccessFilter(family_id=family_id, start=start, end=end, user_id=user_id)
        return self.find(matching, before=before, limit=limit)

    def find(
        self, matching: AccessFilter, *, before: int | None = None, limit: int = 50
    ) -> AccessPage:
        """The entries that match, newest first, older than entry `before` (the previous
        page's next).

        Pages follow the entries' ids. On PostgreSQL ids are drawn at insert and committed
        in any order, so an entry committed while a reader pages past its id can be missed
        by that paging (never lost: a new reading shows it)."""
        sql, params = self._where(matching, before)
        with self._transaction(write=False) as cur:
            cur.execute(f"{sql} ORDER BY l.id DESC LIMIT {self.mark}", (*params, limit + 1))
            rows = cur.fetchall()
        items = [self._entry(row) for row in rows[:limit]]
        return AccessPage(items, items[-1].access_id if len(rows) > limit else None)

    def each(self, matching: AccessFilter) -> Iterator[LoggedAccess]:
        """Every entry that matches, newest first, read a batch per transaction (for an
        export: no transaction stays open while the caller writes what it got)."""
        before: int | None = None
        while True:
            page = self.find(matching, before=before, limit=_BATCH)
            yield from page.items
            if page.next is None:
                return
            before = page.next

    def _where(self, matching: AccessFilter, before: int | None) -> tuple[str, list[Any]]:
        sql, params = _SELECT, []
        for column, value in (
            ("l.id <", before),
            ("l.family_id =", None if matching.family_id is None else str(matching.family_id)),
            ("l.at >=", None if matching.start is None else self._time(matching.start)),
            ("l.at <=", None if matching.end is None else self._time(matching.end)),
            ("l.user_id =", matching.user_id),
            ("l.role =", matching.role),
            ("l.agency =", matching.agency),
            (f"{_OUTCOME} =", matching.outcome),
        ):
            if value is not None:
                sql += f" AND {column} {self.mark}"
                params.append(value)
        return sql, params

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


def tables_for(*, id_type: str, family_type: str, at_type: str) -> tuple[str, ...]:
    """The log and its amendments, in the types of one database, with their indexes: by
    family, by user, and by time (the filters a QA officer uses most), each in id order."""
    return (
        f"""CREATE TABLE IF NOT EXISTS journeys_access_log (
        id {id_type},
        family_id {family_type} NOT NULL,
        at {at_type} NOT NULL,
        user_id TEXT NOT NULL,
        role TEXT NOT NULL,
        agency TEXT NOT NULL,
        what TEXT NOT NULL,
        detail TEXT NOT NULL,
        reason TEXT,
        outcome TEXT NOT NULL)""",
        f"""CREATE TABLE IF NOT EXISTS journeys_access_outcome (
        access_id BIGINT PRIMARY KEY,
        outcome TEXT NOT NULL CHECK (outcome = 'invalid'),
        at {at_type} NOT NULL)""",
        "CREATE INDEX IF NOT EXISTS journeys_access_log_family "
        "ON journeys_access_log (family_id, id)",
        "CREATE INDEX IF NOT EXISTS journeys_access_log_user ON journeys_access_log (user_id, id)",
        "CREATE INDEX IF NOT EXISTS journeys_access_log_at ON journeys_access_log (at, id)",
    )


TABLES = ("journeys_access_log", "journeys_access_outcome")  # both append-only
