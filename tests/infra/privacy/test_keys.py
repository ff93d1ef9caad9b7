"""Crypto-shredding, on SQLite and on PostgreSQL: personal data is never stored in clear,
reads back for those entitled until the family's personal data is erased, and after
erasure neither the details nor the family's key (wrapped or not) are anywhere in the
database's files, a copy of them, or what a reader is shown."""

from __future__ import annotations

import dataclasses
import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import psycopg
import pytest
from eventsourcing.persistence import MapperDeserialisationError
from psycopg import sql
from pydantic import SecretStr

from domain.commands import ErasePersonalData, RecordContact
from domain.errors import RuleBrokenError
from domain.family import Family
from domain.values import PersonalData
from infra.bootstrap import Journeys, bootstrap
from infra.privacy.keys import DataKeys, KeyUnavailableError, unwrap
from infra.privacy.keys_sqlite import SQLiteKeyTable
from infra.settings import DEVELOPMENT_MASTER_KEY, Settings, master_key_bytes
from tests.support.journey import ObservedApplication
from tests.support.limits import cannot_run_here
from tests.support.postgres import PostgresServer
from tests.support.shredding import (
    ADMIN,
    LEAD,
    WHEN,
    Details,
    StoreContract,
    found,
    record_family,
    scannable,
    store_files,
)

MASTER_KEY = master_key_bytes(Settings(mode="development").master_key)
OTHER_MASTER_KEY = "ICEiIyQlJicoKSorLC0uLzAxMjM0NTY3ODk6Ozw9Pj8="


def personal_values(events: list[Any]) -> list[PersonalData]:
    values: list[PersonalData] = []
    for event in events:
        if isinstance(event, Family.Registered):
            values += [m.personal for m in event.members]
        personal = getattr(event, "personal", None)
        if isinstance(personal, PersonalData):
            values.append(personal)
    return values


def key_material(journeys: Journeys, family_id: UUID) -> list[bytes]:
    """The family's data key as stored (wrapped) and as used (unwrapped)."""
    assert journeys.keys is not None
    row = journeys.keys.table.get(str(family_id))
    assert row is not None
    assert row.wrapped is not None
    return [row.wrapped, unwrap(MASTER_KEY, str(family_id), row.wrapped)]


class ShreddingContract(StoreContract):
    """Subclasses give the settings of a store, and the server it is on (if any)."""

    def test_personal_details_read_back_as_they_were_given(
        self, journeys: Journeys, details: Details, settings: Settings
    ) -> None:
        family_id = record_family(journeys.app, details)
        other = bootstrap(settings)  # another process: nothing cached
        try:
            events = other.app.family_events(family_id)
        finally:
            other.close()

        assert personal_values(events) == [details.child, details.parent, details.notes]

    def test_the_stored_bytes_never_hold_personal_details_in_clear(
        self, journeys: Journeys, details: Details, settings: Settings, server: Any
    ) -> None:
        family_id = record_family(journeys.app, details)
        stored = journeys.app.recorder.select_events(family_id)
        files = store_files(settings, server)

        assert all(b"journeys.PersonalData.sealed" in s.state for s in stored)
        assert not [n for n in details.needles() if any(n in s.state for s in stored)]
        assert b"journeys.PersonalData.sealed" in found(files, [b"journeys.PersonalData.sealed"])
        assert found(files, details.needles()) == {}

    def test_after_erasure_no_detail_nor_key_is_in_the_files(
        self, journeys: Journeys, details: Details, settings: Settings, server: Any
    ) -> None:
        for _ in range(150):  # other families' keys around this one's, over several pages
            journeys.app.sealer.seal(str(uuid4()), b"x", context=b"c")  # type: ignore[union-attr]
        family_id = record_family(journeys.app, details)
        for _ in range(150):
            journeys.app.sealer.seal(str(uuid4()), b"x", context=b"c")  # type: ignore[union-attr]
        keys = key_material(journeys, family_id)
        assert keys[0] in found(store_files(settings, server), keys)  # the scan sees it

        journeys.app.handle(
            ErasePersonalData(family_id=family_id, actor=ADMIN, reason="right_to_erasure")
        )

        assert found(store_files(settings, server), [*details.needles(), *keys]) == {}
        erased = personal_values(journeys.app.family_events(family_id))
        assert [p.erased for p in erased] == [True, True, True]
        assert [p.erased_fields for p in erased] == [
            ("given_name", "family_name", "date_of_birth"),
            ("given_name", "family_name", "address"),
            ("notes",),
        ]

    def test_erasure_reads_as_erased_in_every_process_and_counts_stay(
        self, journeys: Journeys, details: Details, settings: Settings
    ) -> None:
        family_id = record_family(journeys.app, details)
        before = [type(e).__name__ for e in journeys.app.family_events(family_id)]

        journeys.app.handle(
            ErasePersonalData(family_id=family_id, actor=ADMIN, reason="right_to_erasure")
        )
        other = bootstrap(settings)
        try:
            raw = list(other.app.events.get(family_id))  # not even masked: the key is gone
        finally:
            other.close()

        assert [type(e).__name__ for e in raw] == [*before, "PersonalDataErased"]
        assert all(p.erased for p in personal_values(raw))
        assert not [t for t in details.texts() if t in repr(raw)]

    def test_a_key_left_by_a_stopped_process_is_destroyed_by_the_sweep(
        self, journeys: Journeys, details: Details, settings: Settings, server: Any
    ) -> None:
        family_id = record_family(journeys.app, details)
        keys = key_material(journeys, family_id)
        # The erasure is stored, and the process stops before destroying the key.
        journeys.app.handle(
            ErasePersonalData(
                family_id=family_id, actor=ADMIN, reason="right_to_erasure", destroy_key=False
            )
        )
        assert personal_values(list(journeys.app.events.get(family_id)))[0] == details.child

        bootstrap(settings).close()  # the next process to start sweeps

        assert journeys.keys is not None
        assert journeys.keys.table.get(str(family_id)).wrapped is None  # type: ignore[union-attr]
        assert found(store_files(settings, server), keys) == {}

    def test_personal_data_cannot_be_sealed_for_an_erased_family(
        self, journeys: Journeys, details: Details
    ) -> None:
        family_id = record_family(journeys.app, details)
        journeys.app.handle(
            ErasePersonalData(family_id=family_id, actor=ADMIN, reason="right_to_erasure")
        )
        assert journeys.app.sealer is not None

        with pytest.raises(Exception, match="personal data was erased"):
            journeys.app.sealer.seal(str(family_id), b"late notes", context=b"c")

    def test_another_master_key_is_refused_not_shown_as_erased(
        self, journeys: Journeys, details: Details, settings: Settings
    ) -> None:
        family_id = record_family(journeys.app, details)
        wrong = settings.model_copy(update={"master_key": SecretStr(OTHER_MASTER_KEY)})
        other = bootstrap(wrong)
        try:
            with pytest.raises(MapperDeserialisationError, match="does not open"):
                other.app.family_events(family_id)
        finally:
            other.close()


class TestWithSQLite(ShreddingContract):
    @pytest.fixture
    def settings(self, tmp_path: Path) -> Settings:
        return Settings(sqlite_path=tmp_path / "j.sqlite", database_url=None, mode="development")

    def test_a_copy_of_the_file_taken_after_erasure_gives_no_personal_detail(
        self, journeys: Journeys, details: Details, settings: Settings, tmp_path: Path
    ) -> None:
        family_id = record_family(journeys.app, details)
        journeys.app.handle(
            ErasePersonalData(family_id=family_id, actor=ADMIN, reason="right_to_erasure")
        )
        copy = tmp_path / "copy" / "j.sqlite"
        copy.parent.mkdir()
        for name in os.listdir(settings.sqlite_path.parent):
            if name.startswith(settings.sqlite_path.name):
                shutil.copy(settings.sqlite_path.parent / name, copy.parent / name)

        copied = bootstrap(settings.model_copy(update={"sqlite_path": copy}))
        try:
            raw = list(copied.app.events.get(family_id))
        finally:
            copied.close()

        assert len(raw) == 3
        assert all(p.erased for p in personal_values(raw))
        assert not [t for t in details.texts() if t in repr(raw)]

    def test_notes_racing_an_erasure_are_refused_and_nothing_is_stored(
        self, journeys: Journeys, details: Details, settings: Settings
    ) -> None:
        family_id = record_family(journeys.app, details)
        keys = DataKeys(MASTER_KEY)
        keys.attach(SQLiteKeyTable(settings.sqlite_path))
        racing = ObservedApplication(settings.eventsourcing_env(), sealer=keys)
        # Right after the contact's command loaded the family, an admin erases it.
        racing.meanwhile(
            lambda: journeys.app.handle(
                ErasePersonalData(family_id=family_id, actor=ADMIN, reason="right_to_erasure")
            )
        )
        before = journeys.app.position()

        with pytest.raises(RuleBrokenError) as refused:
            racing.handle(
                RecordContact(
                    family_id=family_id,
                    actor=LEAD,
                    occurred_at=WHEN,
                    agency="school",
                    channel="phone",
                    reason="concern",
                    personal=PersonalData(notes="written as the family was erased"),
                )
            )
        keys.table.close()

        assert refused.value.rule == "personal_data_erased"
        assert journeys.app.position() == before + 1  # the erasure only
        assert found(store_files(settings, None), [b"written as the family was erased"]) == {}

    def test_another_process_heeds_an_erasure_within_its_cache_time(
        self, journeys: Journeys, details: Details, settings: Settings
    ) -> None:
        family_id = str(record_family(journeys.app, details))
        now = [0.0]
        elsewhere = DataKeys(MASTER_KEY, cache_seconds=60, clock=lambda: now[0])
        elsewhere.attach(SQLiteKeyTable(settings.sqlite_path))
        sealed = elsewhere.seal(family_id, b"notes", context=b"c")  # its key, now cached
        assert journeys.keys is not None

        journeys.keys.forget([family_id])
        now[0] = 59.0
        cached = elsewhere.open(family_id, sealed, context=b"c")
        now[0] = 61.0
        looked_again = elsewhere.open(family_id, sealed, context=b"c")
        elsewhere.table.close()

        assert (cached, looked_again) == (b"notes", None)

    def test_a_sealed_value_opens_only_for_its_family_and_context(self, journeys: Journeys) -> None:
        keys = journeys.keys
        assert keys is not None
        mine, theirs = str(uuid4()), str(uuid4())
        sealed = keys.seal(mine, b"notes", context=b"ContactRecorded")
        keys.seal(theirs, b"x", context=b"c")

        assert keys.open(mine, sealed, context=b"ContactRecorded") == b"notes"
        with pytest.raises(KeyUnavailableError):
            keys.open(theirs, sealed, context=b"ContactRecorded")
        with pytest.raises(KeyUnavailableError):
            keys.open(mine, sealed, context=b"ReviewHeld")

    def test_with_encryption_off_personal_data_is_stored_as_before_and_erasure_still_shows(
        self, settings: Settings, details: Details
    ) -> None:
        journeys = bootstrap(settings.model_copy(update={"encrypt_personal_data": False}))
        try:
            family_id = record_family(journeys.app, details)
            stored = journeys.app.recorder.select_events(family_id)
            journeys.app.handle(
                ErasePersonalData(family_id=family_id, actor=ADMIN, reason="right_to_erasure")
            )
            shown = personal_values(journeys.app.family_events(family_id))
        finally:
            journeys.close()

        assert journeys.keys is None
        assert b'"_type_":"journeys.PersonalData"' in stored[0].state
        assert str(details.child.given_name).encode() in stored[0].state
        assert all(p.erased for p in shown)


@pytest.mark.postgres
class TestWithPostgreSQL(ShreddingContract):
    @pytest.fixture
    def settings(self, postgres_url: str) -> Settings:
        return Settings(database_url=postgres_url, mode="development")

    @pytest.fixture
    def server(self, postgres_server: PostgresServer) -> Iterator[PostgresServer]:
        with scannable(postgres_server) as server:
            yield server

    def test_a_role_that_may_not_checkpoint_erases_and_says_what_is_left(
        self, postgres_server: PostgresServer, details: Details
    ) -> None:
        with unprivileged_database(postgres_server) as url:
            journeys = bootstrap(Settings(database_url=url, mode="development"))
            try:
                family_id = record_family(journeys.app, details)
                journeys.app.handle(
                    ErasePersonalData(
                        family_id=family_id,
                        actor=ADMIN,
                        reason="right_to_erasure",
                        destroy_key=False,
                    )
                )
                assert journeys.keys is not None
                report = journeys.keys.forget([str(family_id)])
                row = journeys.keys.table.get(str(family_id))
                erased = personal_values(list(journeys.app.events.get(family_id)))
            finally:
                journeys.close()

        assert report.done == [
            "blind index rewritten (VACUUM FULL)",
            "key table rewritten (VACUUM FULL)",
        ]
        assert len(report.not_done) == 3
        assert "the database role may not (CHECKPOINT)" in report.not_done[0]
        assert "pg_switch_wal()" in report.not_done[1]
        assert row is not None
        assert row.wrapped is None
        assert all(p.erased for p in erased)


@contextmanager
def unprivileged_database(server: PostgresServer) -> Iterator[str]:
    """A database owned by a new role that is neither superuser nor pg_checkpoint."""
    role, dbname = f"app_{uuid4().hex[:10]}", f"t_{uuid4().hex[:12]}"
    with server.connect() as conn:
        try:
            conn.execute(sql.SQL("CREATE ROLE {} LOGIN").format(sql.Identifier(role)))
        except psycopg.errors.InsufficientPrivilege:
            cannot_run_here("the test server's user may not create roles")
        conn.execute(
            sql.SQL("CREATE DATABASE {} OWNER {}").format(
                sql.Identifier(dbname), sql.Identifier(role)
            )
        )
    try:
        yield dataclasses.replace(server, user=role, password="").url(dbname)
    finally:
        with server.connect() as conn:
            conn.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(dbname))
            )
            conn.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(role)))


def test_production_refuses_the_development_master_key_and_encryption_off() -> None:
    own: dict[str, Any] = {
        "mode": "production",
        "jwt_secret": "a-production-secret-of-at-least-32-chars",
        "pseudonym_secret": "another-production-secret-for-this-test",
        "signing_key": "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=",
        "master_key": OTHER_MASTER_KEY,
        "blind_index_key": "journeys-blind-index-key-of-our-own-for-this-test",
    }
    Settings(**own)  # all of its own: accepted

    with pytest.raises(ValueError, match="JOURNEYS_MASTER_KEY must be set"):
        Settings(**{**own, "master_key": DEVELOPMENT_MASTER_KEY})
    with pytest.raises(ValueError, match="JOURNEYS_ENCRYPT_PERSONAL_DATA cannot be false"):
        Settings(**{**own, "encrypt_personal_data": False})


@pytest.mark.parametrize("key", ["not base64!", "c2hvcnQ="])
def test_a_master_key_that_is_not_32_bytes_in_base64_is_refused(key: str) -> None:
    with pytest.raises(ValueError, match="master_key"):
        Settings(mode="development", master_key=key)
