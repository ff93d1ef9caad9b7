"""The blind index: finding a family by a member's name or date of birth without storing
either in clear.

One table, `journeys_blind_index`, in the event store's own database: a row per member and
kind of term, (family_id, member_id, kind, hash), where `hash` is HMAC-SHA256 under the
index's own key (JOURNEYS_BLIND_INDEX_KEY) of the kind and the normalised term. Kinds:
`family_name`, `given_name`, `date_of_birth` (ISO 8601). A search hashes what it is given
the same way and looks the hashes up; several terms must all match the SAME member.

How it is kept in step with the record: it is a follower of the store's notification log
(`catch_up`), reading the registrations, members joining, corrections and erasures, opened
with the families' keys as every reader opens them. Not a write in the command's
transaction: the command sees names only before they are sealed, inside the mapper, and the
recorder that writes the transaction sees only sealed bytes; a follower needs no change to
the command path and rebuilds from position 0 like any view. Its rows and its position
commit in one transaction (compare-and-set, as the views do), and every search first
catches up to the store's head, so a family registered a moment ago is found.

A correction of a member's name or date of birth replaces that member's term of that kind.
A member who left stays findable: the family's record still holds them, and a practitioner
asking after a parent who moved out must still reach that record.

Erasure: `forget` deletes a family's rows, and notes the family as erased so that a
follower that opened its events just before cannot put them back (both take the position
row's lock first). DataKeys runs it in the step that destroys the family's key (so every
erasure path: the API, retention, the start-up sweep), and the follower does the same when
it reaches the erasure in the log (also when personal data is not encrypted). `purge` then
removes the deleted bytes from the database files, as the key table's purge does: SQLite
writes this table with `secure_delete` on (the key table's WAL checkpoint follows);
PostgreSQL rewrites it with VACUUM FULL before the key table's checkpoints.

Not guaranteed: someone holding the index key and the table can hash every name in a
dictionary and see which families hold it. The key guards the index, nothing more.
"""

from __future__ import annotations

import hashlib
import hmac
import threading
import unicodedata
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import date
from typing import Any, ClassVar, Literal
from uuid import UUID

from eventsourcing.utils import get_topic

from domain.application import JourneysApplication
from domain.family import Family
from domain.values import PersonalData
from infra.privacy.keys import PurgeReport
from projections.timeline import personal_parts

Kind = Literal["family_name", "given_name", "date_of_birth"]
KINDS: tuple[Kind, ...] = ("family_name", "given_name", "date_of_birth")
TOPICS = tuple(
    get_topic(cls)
    for cls in (
        Family.Registered,
        Family.MemberAdded,
        Family.EntryCorrected,
        Family.PersonalDataErased,
    )
)
BATCH = 500
# A search answers at most this many members; a name that common needs another term.
MAX_MATCHES = 1000
# Characters that do not tell two spellings of a name apart: apostrophes and the like.
_APOSTROPHES = frozenset("'\u2019\u2018\u02bc\u0060\u00b4")


def normalise(text: str) -> str:
    """A name as the index compares it: Unicode NFKD (so a letter and its accent come
    apart, and compatibility forms such as full-width letters become plain ones), combining
    marks dropped (accents), casefolded (so `ß` is `ss`), and every whitespace character,
    dash or hyphen (Unicode category Pd) and apostrophe (' and U+2019, U+2018, U+02BC,
    U+0060, U+00B4) removed, so
    `Smith-Jones`, `smith jones` and `SMITHJONES` are one name, as are `O'Brien` and
    `OBrien`. Other punctuation is kept."""
    decomposed = unicodedata.normalize("NFKD", text)
    kept = "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()
    return "".join(
        c
        for c in kept
        if not c.isspace() and unicodedata.category(c) != "Pd" and c not in _APOSTROPHES
    )


def term(kind: Kind, value: str | date) -> str:
    """The text hashed for a term: a date as ISO 8601, a name normalised."""
    return value.isoformat() if isinstance(value, date) else normalise(value)


class Hasher:
    """HMAC-SHA256 of (kind, term) under the index key: the same name as a family name and
    as a given name gives two unrelated hashes."""

    def __init__(self, key: bytes) -> None:
        if not key:
            raise ValueError("the blind index needs a key")
        self._key = key

    def __call__(self, kind: Kind, value: str | date) -> bytes:
        message = f"journeys blind index v1\x00{kind}\x00{term(kind, value)}".encode()
        return hmac.new(self._key, message, hashlib.sha256).digest()


@dataclass(frozen=True)
class Row:
    family_id: UUID
    member_id: UUID
    kind: Kind
    hash: bytes


@dataclass(frozen=True)
class Match:
    """A member whose terms match every term searched for."""

    family_id: UUID
    member_id: UUID


@dataclass(frozen=True)
class Change:
    """What one event does to the index: rows to put (each replacing the member's term of
    that kind), or a family to forget."""

    put: tuple[Row, ...] = ()
    forget: UUID | None = None


def terms_of(personal: PersonalData) -> list[tuple[Kind, str | date]]:
    """The terms a member's personal data gives (erased data gives none)."""
    if personal.erased:
        return []
    values: Mapping[Kind, str | date | None] = {
        "family_name": personal.family_name,
        "given_name": personal.given_name,
        "date_of_birth": personal.date_of_birth,
    }
    return [
        (kind, value) for kind, value in values.items() if value is not None and term(kind, value)
    ]


def change_of(event: Any, hasher: Hasher) -> Change:
    """The index's change for one decoded event of TOPICS."""
    family_id = event.originator_id
    if isinstance(event, Family.PersonalDataErased):
        return Change(forget=family_id)
    rows = tuple(
        Row(family_id, UUID(member_id), kind, hasher(kind, value))
        for member_id, personal in personal_parts(event)
        if member_id is not None
        for kind, value in terms_of(personal)
    )
    return Change(put=rows)


class BlindIndex(ABC):
    """The index's table, its tracking position, and the follower that fills them.
    Thread-safe."""

    schema: ClassVar[tuple[str, ...]]
    # One query per backend: each subclass writes its own SQL in its own parameter marks.
    select_position: ClassVar[str]
    lock_position: ClassVar[str]
    update_position: ClassVar[str]
    insert_row: ClassVar[str]
    insert_erased: ClassVar[str]
    delete_family: ClassVar[str]
    delete_all: ClassVar[str]

    def __init__(self, hasher: Hasher) -> None:
        self.hasher = hasher
        self._catching_up = threading.Lock()

    @abstractmethod
    def _transaction(self, *, write: bool) -> AbstractContextManager[Any]:
        """A cursor in one transaction (committed on success when `write`)."""

    @abstractmethod
    def _search_sql(self, count: int) -> str:
        """Members matching `count` (kind, hash) pairs: all of them."""

    @abstractmethod
    def purge(self) -> PurgeReport:
        """Remove deleted rows' bytes from the database files, as far as this can."""

    @abstractmethod
    def close(self) -> None:
        """Release connections of its own, if any."""

    def setup(self) -> None:
        """Create the tables and the position row if they are not there (idempotent)."""
        with self._transaction(write=True) as cur:
            for statement in self.schema:
                cur.execute(statement)

    def position(self) -> int:
        """The store position up to which the index has followed the log."""
        with self._transaction(write=False) as cur:
            cur.execute(self.select_position)
            return int(cur.fetchall()[0]["position"])

    def _locked_position(self, cur: Any) -> int:
        cur.execute(self.lock_position)
        return int(cur.fetchall()[0]["position"])

    # -- following the log -------------------------------------------------------------------

    def catch_up(
        self, app: JourneysApplication, *, progress: Callable[[int, int], None] | None = None
    ) -> int:
        """Apply every registration, member, correction and erasure recorded since the
        index's position, up to the store's head now; return the position reached."""
        head = app.position()
        with self._catching_up:  # one follower per process; other processes: compare-and-set
            while True:
                start = self.position()
                if start >= head:
                    return start
                batch = app.recorder.select_notifications(
                    start=start + 1, limit=BATCH, stop=head, topics=TOPICS
                )
                reached = batch[-1].id if batch else head
                changes = [change_of(app.mapper.to_domain_event(n), self.hasher) for n in batch]
                self._commit(changes, expected=start, reached=reached)
                if progress is not None:
                    progress(reached, head)

    def _commit(self, changes: Sequence[Change], *, expected: int, reached: int) -> None:
        with self._transaction(write=True) as cur:
            if self._locked_position(cur) != expected:
                return  # another process applied these meanwhile; look again
            for change in changes:
                if change.forget is not None:
                    self._forget(cur, [change.forget])
                if change.put:
                    cur.executemany(
                        self.insert_row,
                        [
                            (str(r.family_id), str(r.member_id), r.kind, r.hash, str(r.family_id))
                            for r in change.put
                        ],
                    )
            cur.execute(self.update_position, (reached,))

    def rebuild(
        self, app: JourneysApplication, *, progress: Callable[[int, int], None] | None = None
    ) -> int:
        """Drop every row and follow the log again from position 0 (a store written before
        the index, or a new index key). Searches meanwhile see the rows rebuilt so far."""
        with self._transaction(write=True) as cur:
            self._locked_position(cur)
            cur.execute(self.delete_all)
            cur.execute(self.update_position, (0,))
        return self.catch_up(app, progress=progress)

    # -- erasure -------------------------------------------------------------------------------

    def forget(self, family_ids: Sequence[str]) -> None:
        """Delete these families' rows for good (and never index them again)."""
        if not family_ids:
            return
        with self._transaction(write=True) as cur:
            self._locked_position(cur)  # no follower puts rows back meanwhile
            self._forget(cur, [UUID(f) for f in family_ids])

    def _forget(self, cur: Any, family_ids: Sequence[UUID]) -> None:
        cur.executemany(self.insert_erased, [(str(f),) for f in family_ids])
        cur.executemany(self.delete_family, [(str(f),) for f in family_ids])

    # -- searching -----------------------------------------------------------------------------

    def find(
        self,
        *,
        family_name: str | None = None,
        given_name: str | None = None,
        date_of_birth: date | None = None,
    ) -> list[Match]:
        """Members whose terms match every term given (at least one), in family id order,
        at most MAX_MATCHES. A term that normalises to nothing matches no one."""
        asked: tuple[tuple[Kind, str | date | None], ...] = (
            ("family_name", family_name),
            ("given_name", given_name),
            ("date_of_birth", date_of_birth),
        )
        given = [(kind, value) for kind, value in asked if value is not None]
        if not given:
            raise ValueError("a search needs at least one term")
        if any(not term(kind, value) for kind, value in given):
            return []
        params: list[Any] = []
        for kind, value in given:
            params += [kind, self.hasher(kind, value)]
        with self._transaction(write=False) as cur:
            cur.execute(self._search_sql(len(given)), (*params, len(given), MAX_MATCHES))
            rows = cur.fetchall()
        return [Match(UUID(str(r["family_id"])), UUID(str(r["member_id"]))) for r in rows]

    def hashes(self) -> list[Row]:
        """Every row (for tests and checks: hashes only, nothing to read)."""
        with self._transaction(write=False) as cur:
            cur.execute("SELECT family_id, member_id, kind, hash FROM journeys_blind_index")
            return [
                Row(
                    UUID(str(r["family_id"])),
                    UUID(str(r["member_id"])),
                    r["kind"],
                    bytes(r["hash"]),
                )
                for r in cur.fetchall()
            ]


def tables_for(*, blob: str, position: str) -> tuple[str, ...]:
    return (
        f"""CREATE TABLE IF NOT EXISTS journeys_blind_index (
            family_id TEXT NOT NULL,
            member_id TEXT NOT NULL,
            kind TEXT NOT NULL,
            hash {blob} NOT NULL,
            PRIMARY KEY (family_id, member_id, kind))""",
        "CREATE INDEX IF NOT EXISTS journeys_blind_index_hash ON journeys_blind_index (hash, kind)",
        "CREATE TABLE IF NOT EXISTS journeys_blind_index_erased (family_id TEXT PRIMARY KEY)",
        f"""CREATE TABLE IF NOT EXISTS journeys_blind_index_position (
            one INTEGER PRIMARY KEY CHECK (one = 1),
            position {position} NOT NULL)""",
    )
