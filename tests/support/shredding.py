"""For the crypto-shredding tests: a family with personal details found nowhere else, the
raw files a store lives in (SQLite file and WAL; PostgreSQL's whole data directory with
pg_wal), and a scan of those files for given bytes."""

from __future__ import annotations

import random
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from uuid import UUID, uuid4

import pytest

from domain.application import JourneysApplication
from domain.commands import RecordContact, RegisterFamily
from domain.values import Actor, PersonalData
from infra.bootstrap import Journeys, bootstrap
from infra.settings import Settings
from tests.support.limits import cannot_run_here
from tests.support.postgres import PostgresServer

LEAD = Actor(user_id="u-lead-1", role="lead_practitioner", agency="early_help")
ADMIN = Actor(user_id="u-admin-1", role="admin", agency="early_help")
WHEN = datetime(2025, 1, 6, 10, 0, tzinfo=UTC)


@dataclass(frozen=True)
class Details:
    """Personal details no other test (nor any other database on the server) uses."""

    child: PersonalData
    parent: PersonalData
    notes: PersonalData

    @classmethod
    def distinctive(cls) -> Details:
        mark = uuid4().hex[:12]
        # A date of birth from a range no other test uses, so its text is distinctive too.
        born = date(2011, 1, 1) + timedelta(days=random.randrange(3 * 365))
        return cls(
            child=PersonalData(
                given_name=f"Zinnia{mark}", family_name=f"Quartermaine{mark}", date_of_birth=born
            ),
            parent=PersonalData(
                given_name=f"Ottoline{mark}",
                family_name=f"Quartermaine{mark}",
                address=f"14 Larkspur Row {mark}, Gillingham",
            ),
            notes=PersonalData(notes=f"The landlord served notice again ({mark})"),
        )

    def texts(self) -> list[str]:
        values = [
            getattr(personal, name)
            for personal in (self.child, self.parent, self.notes)
            for name in personal.held()
        ]
        return [v.isoformat() if isinstance(v, date) else str(v) for v in values]

    def needles(self) -> list[bytes]:
        return [text.encode("utf-8") for text in self.texts()]


class StoreContract:
    """Fixtures of a contract test over the store's files: subclasses give the settings of
    a store, and the server it is on (if any)."""

    @pytest.fixture
    def settings(self) -> Settings:
        raise NotImplementedError

    @pytest.fixture
    def server(self) -> PostgresServer | None:
        return None

    @pytest.fixture
    def journeys(self, settings: Settings) -> Iterator[Journeys]:
        journeys = bootstrap(settings)
        yield journeys
        journeys.close()

    @pytest.fixture
    def details(self) -> Details:
        return Details.distinctive()


def record_family(app: JourneysApplication, details: Details) -> UUID:
    """A registered family with a contact whose notes are personal data."""
    family_id = app.handle(
        RegisterFamily(
            actor=LEAD,
            occurred_at=WHEN,
            area="chatham",
            members=(("child", False, details.child), ("parent_carer", False, details.parent)),
        )
    ).family_id
    app.handle(
        RecordContact(
            family_id=family_id,
            actor=LEAD,
            occurred_at=WHEN + timedelta(days=3),
            agency="school",
            channel="phone",
            reason="concern",
            personal=details.notes,
        )
    )
    return family_id


def sqlite_files(path: Path) -> list[Path]:
    """The SQLite file and its WAL (and shared-memory index), as far as they exist."""
    candidates = [path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")]
    return [p for p in candidates if p.exists()]


def data_directory(server: PostgresServer) -> list[Path]:
    """Every file of the server's data directory, pg_wal included."""
    assert server.data_dir is not None
    return [p for p in server.data_dir.rglob("*") if p.is_file()]


def store_files(settings: Settings, server: PostgresServer | None) -> list[Path]:
    if settings.database_url:
        assert server is not None
        return data_directory(server)
    return sqlite_files(settings.sqlite_path)


def found(files: Iterable[Path], needles: Iterable[bytes]) -> dict[bytes, list[str]]:
    """Each needle found in any of the files, with the files it was found in."""
    wanted = list(needles)
    hits: dict[bytes, list[str]] = {}
    for path in files:
        try:
            data = path.read_bytes()
        except (FileNotFoundError, PermissionError):
            continue  # removed meanwhile (a WAL segment), or a socket
        for needle in wanted:
            if needle in data:
                hits.setdefault(needle, []).append(str(path))
    return hits


@contextmanager
def scannable(server: PostgresServer) -> Iterator[PostgresServer]:
    """The test server, whose raw files this machine can read, configured for erasure."""
    if server.data_dir is None:
        cannot_run_here("the raw files of an external PostgreSQL cannot be scanned from here")
    with wal_recycle_off(server):
        yield server


@contextmanager
def wal_recycle_off(server: PostgresServer) -> Iterator[None]:
    """The server configured as a DBA must for erasure: old WAL segments deleted at a
    checkpoint, not renamed for reuse with their old bytes."""
    with server.connect() as conn:
        conn.execute("ALTER SYSTEM SET wal_recycle = off")
        conn.execute("SELECT pg_reload_conf()")
    time.sleep(0.5)  # the checkpointer reloads its configuration when signalled
    try:
        yield
    finally:
        with server.connect() as conn:
            conn.execute("ALTER SYSTEM RESET wal_recycle")
            conn.execute("SELECT pg_reload_conf()")
