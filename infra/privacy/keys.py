"""Per-family data keys: AES-256-GCM for personal data, and destroying a key for erasure.

`DataKeys` is the application's PersonalDataSealer (domain.sealing). Each family gets a
random 256-bit data key when its first personal data is sealed. The key is stored only
wrapped (AES-256-GCM under the master key, JOURNEYS_MASTER_KEY, with the family id as
associated data) in the table `journeys_data_keys`, in the event store's own database;
unwrapped keys stay in this process's memory, for at most `cache_seconds` before the row
is looked at again (so another process's erasure is heeded within that time).

Erasure destroys the key: the row keeps the family id and when, and loses the wrapped
key. Then `purge` removes the old bytes from the database files:

- SQLite: the key table is only written with `PRAGMA secure_delete=ON` (deleted content
  is overwritten with zeros, freed pages too), then `PRAGMA wal_checkpoint(TRUNCATE)`
  copies the zeroed pages into the database file and empties the WAL file.
- PostgreSQL: `VACUUM FULL` rewrites the key table into a new file (the old one is
  truncated at once and unlinked at the next checkpoint; a plain VACUUM may leave old
  bytes in a page's free space), then CHECKPOINT, `pg_switch_wal()` and CHECKPOINT again,
  so that no WAL segment still needed holds the old row. With `wal_recycle=off` the
  server then deletes those segments; with the default (on) it renames them for reuse
  and their old bytes stay until overwritten. CHECKPOINT needs superuser or the
  `pg_checkpoint` role, `pg_switch_wal()` superuser or a grant: what the role may not do
  is reported, and left to the server's own timed checkpoints.

A sealed value is `nonce (12 bytes) || ciphertext and tag`, with the family id and the
caller's context (domain.sealing: the event's topic and the names of the fields) as
associated data.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar, Protocol

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from domain.application import JourneysApplication
from domain.errors import RuleBrokenError

log = logging.getLogger(__name__)

KEY_BYTES = 32
NONCE_BYTES = 12
WRAP_CONTEXT = b"journeys data key v1\x00"
DATA_CONTEXT = b"journeys personal data v1\x00"
# Unwrapped keys kept in memory at most (about 100 bytes each, plus the cipher object).
CACHE_SIZE = 100_000


class KeyUnavailableError(RuntimeError):
    """A sealed value cannot be opened: no key row, a wrong master key, or tampering."""


def wrap(master_key: bytes, family_id: str, data_key: bytes) -> bytes:
    """The data key encrypted under the master key, bound to the family."""
    nonce = os.urandom(NONCE_BYTES)
    return nonce + AESGCM(master_key).encrypt(nonce, data_key, WRAP_CONTEXT + family_id.encode())


def unwrap(master_key: bytes, family_id: str, wrapped: bytes) -> bytes:
    try:
        return AESGCM(master_key).decrypt(
            wrapped[:NONCE_BYTES], wrapped[NONCE_BYTES:], WRAP_CONTEXT + family_id.encode()
        )
    except InvalidTag:
        raise KeyUnavailableError(
            f"the data key of family {family_id} does not open with this master key "
            "(JOURNEYS_MASTER_KEY is not the one it was wrapped with, or the row was altered)"
        ) from None


@dataclass(frozen=True)
class KeyRow:
    """A family's row: its wrapped key, or None once destroyed."""

    wrapped: bytes | None


@dataclass
class PurgeReport:
    """What was done to remove destroyed keys' bytes from the database files, and what the
    connected role could not do (left to the server's own checkpoints)."""

    done: list[str] = field(default_factory=list)
    not_done: list[str] = field(default_factory=list)

    @property
    def complete(self) -> bool:
        return not self.not_done


class Companion(Protocol):
    """Data about a family that goes with its key (infra.privacy.blind_index): forgotten in the
    same step that destroys the key, and purged before the key table is."""

    def forget(self, family_ids: Sequence[str]) -> None: ...

    def purge(self) -> PurgeReport: ...


class KeyTable(ABC):
    """The wrapped data keys, in the event store's database."""

    @abstractmethod
    def setup(self) -> None: ...

    @abstractmethod
    def get(self, family_id: str) -> KeyRow | None: ...

    placeholder: ClassVar[str]
    """The driver's parameter mark: `?` for sqlite3, `%s` for psycopg."""

    @abstractmethod
    def _run(self, sql: str, params: Sequence[Any] = ()) -> list[Any]:
        """Run one statement in a transaction of its own; its rows, if any."""

    def add(self, family_id: str, wrapped: bytes) -> KeyRow:
        """Store a new key unless the family has a row already; return the row stored."""
        marks = ", ".join([self.placeholder] * 3)
        self._run(
            f"INSERT INTO journeys_data_keys (family_id, wrapped, created_at) VALUES ({marks}) "
            "ON CONFLICT (family_id) DO NOTHING",
            (family_id, wrapped, time.time()),
        )
        row = self.get(family_id)
        assert row is not None
        return row

    @abstractmethod
    def destroy(self, family_ids: Sequence[str]) -> int:
        """Drop the wrapped keys of these families (a row remains, saying destroyed; one is
        made for a family that had none). Returns how many keys were destroyed."""

    @abstractmethod
    def needs_purge(self) -> bool:
        """Whether keys were destroyed since the last complete purge."""

    @abstractmethod
    def purge(self) -> PurgeReport:
        """Remove destroyed keys' bytes from the database files, as far as possible."""

    @abstractmethod
    def swept_to(self) -> int:
        """The store position up to which erasures were swept (see `sweep`)."""

    @abstractmethod
    def mark_swept(self, position: int) -> None: ...

    @abstractmethod
    def close(self) -> None:
        """Release connections (of its own, if any)."""


@dataclass
class _Key:
    aead: AESGCM | None  # None: destroyed
    checked_at: float


class DataKeys:
    """Seals and opens personal data with per-family keys (domain.sealing.PersonalDataSealer).

    Built before the application (which needs it to build its mapper), attached to its
    table once the database is open. Thread-safe."""

    def __init__(
        self,
        master_key: bytes,
        *,
        cache_seconds: float = 60.0,
        cache_size: int = CACHE_SIZE,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if len(master_key) != KEY_BYTES:
            raise ValueError(f"the master key must be {KEY_BYTES} bytes")
        self._master = master_key
        self._cache_seconds = cache_seconds
        self._cache_size = cache_size
        self._clock = clock
        self._cache: dict[str, _Key] = {}
        self._lock = threading.Lock()
        self._table: KeyTable | None = None
        # Forgotten with the keys, before them: if that fails, no key is destroyed yet, and
        # the start-up sweep (which calls destroy again) tries both once more.
        self.companions: list[Companion] = []

    def attach(self, table: KeyTable) -> None:
        self._table = table

    @property
    def table(self) -> KeyTable:
        if self._table is None:
            raise RuntimeError("the data keys are not attached to their table yet")
        return self._table

    # -- PersonalDataSealer ------------------------------------------------------------------

    def seal(self, family_id: str, plaintext: bytes, *, context: bytes) -> bytes:
        aead = self._key(family_id, create=True)
        if aead is None:
            raise RuleBrokenError(
                "personal_data_erased",
                "this family's personal data was erased; record the entry without names, "
                "dates of birth, addresses or notes",
            )
        nonce = os.urandom(NONCE_BYTES)
        return nonce + aead.encrypt(nonce, plaintext, _aad(family_id, context))

    def open(self, family_id: str, sealed: bytes, *, context: bytes) -> bytes | None:
        aead = self._key(family_id, create=False)
        if aead is None:
            return None
        try:
            return aead.decrypt(
                sealed[:NONCE_BYTES], sealed[NONCE_BYTES:], _aad(family_id, context)
            )
        except InvalidTag:
            raise KeyUnavailableError(
                f"personal data of family {family_id} does not open with the family's key: "
                "it was altered, or moved from another event"
            ) from None

    def forget(self, family_ids: Sequence[str]) -> PurgeReport:
        """Destroy the keys, then purge their bytes from the database files."""
        self.destroy(family_ids)
        return self.purge()

    # -- erasure -----------------------------------------------------------------------------

    def destroy(self, family_ids: Sequence[str]) -> int:
        if not family_ids:
            return 0
        for companion in self.companions:
            companion.forget(family_ids)
        destroyed = self.table.destroy(family_ids)
        now = self._clock()
        with self._lock:
            for family_id in family_ids:
                self._cache.pop(family_id, None)
                self._cache[family_id] = _Key(None, now)  # for good: never looked up again
        return destroyed

    def purge(self) -> PurgeReport:
        report = PurgeReport()
        # Companions first: the key table's purge ends with the checkpoints that release
        # the old WAL, theirs included.
        for part in [*(c.purge() for c in self.companions), self.table.purge()]:
            report.done += part.done
            report.not_done += part.not_done
        if not report.complete:
            log.warning("destroyed data keys not fully purged: %s", "; ".join(report.not_done))
        return report

    # -- keys ----------------------------------------------------------------------------------

    def _key(self, family_id: str, *, create: bool) -> AESGCM | None:
        cached = self._cache.get(family_id)
        now = self._clock()
        if cached is not None and (
            cached.aead is None or now - cached.checked_at < self._cache_seconds
        ):
            return cached.aead
        row = self.table.get(family_id)
        if row is None:
            if not create:
                raise KeyUnavailableError(
                    f"family {family_id} has sealed personal data but no data key row "
                    "(was the database restored without its journeys_data_keys table?)"
                )
            row = self.table.add(family_id, wrap(self._master, family_id, os.urandom(KEY_BYTES)))
        if row.wrapped is None:
            aead = None
        elif cached is not None and cached.aead is not None:
            aead = cached.aead  # still live: no need to unwrap it again
        else:
            aead = AESGCM(unwrap(self._master, family_id, row.wrapped))
        self._remember(family_id, _Key(aead, now))
        return aead

    def _remember(self, family_id: str, key: _Key) -> None:
        with self._lock:
            self._cache.pop(family_id, None)
            while len(self._cache) >= self._cache_size:
                del self._cache[next(iter(self._cache))]  # the longest held
            self._cache[family_id] = key


def _aad(family_id: str, context: bytes) -> bytes:
    return DATA_CONTEXT + family_id.encode() + b"\x00" + context


# -- the sweep ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class SweepReport:
    erasures_seen: int
    keys_destroyed: int
    purge: PurgeReport | None


def sweep(app: JourneysApplication, keys: DataKeys) -> SweepReport:
    """Destroy the keys of families whose erasure is stored but whose key is not destroyed
    (the process stopped in between), and finish any purge left incomplete. Reads only the
    erasures recorded since the last sweep."""
    table = keys.table
    start, head = table.swept_to(), app.position()
    seen = [family_id for _, family_id in app.erasures(after=start, upto=head)]
    destroyed = keys.destroy([str(family_id) for family_id in seen]) if seen else 0
    report = keys.purge() if table.needs_purge() else None
    if head > start:
        table.mark_swept(head)
    return SweepReport(len(seen), destroyed, report)
