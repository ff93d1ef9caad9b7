"""Tamper evidence on SQLite and on PostgreSQL: events and chain rows changed directly in
the database, as a database administrator could, are caught, and the first event that does
not match is named; what the chain alone cannot show, a signed checkpoint does."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, ClassVar
from uuid import UUID, uuid4

import psycopg
import pytest
from eventsourcing.persistence import IntegrityError

from domain.commands import ErasePersonalData, RecordContact
from domain.family import Family, NewEntry
from domain.values import Actor
from infra.bootstrap import Journeys, bootstrap
from infra.settings import DEVELOPMENT_SIGNING_KEY, Settings
from infra.store.chain import GENESIS, link_events
from infra.store.chain_store import CHAIN_TABLE, StoredRow
from infra.store.checkpoints import read_checkpoint, signing_key
from infra.store.integrity import Integrity, StreamReport
from simulation.simulator import Simulation

START = datetime(2023, 1, 2, tzinfo=UTC)
KEY = signing_key(DEVELOPMENT_SIGNING_KEY)
ACTOR = Actor("practitioner-1", "practitioner", "early_help")


class Database:
    """The store's tables, reached with plain SQL as a database administrator would."""

    events: ClassVar[str]
    mark: ClassVar[str]  # the driver's placeholder

    def execute(self, statement: str, *params: Any) -> list[Any]:
        raise NotImplementedError

    def key(self, stream_id: UUID) -> Any:
        return stream_id

    def run(self, statement: str, *params: Any) -> list[Any]:
        text = statement.format(events=self.events, chain=CHAIN_TABLE, p=self.mark)
        return self.execute(text, *(self.key(p) if isinstance(p, UUID) else p for p in params))

    def state(self, stream_id: UUID, version: int) -> bytes:
        [(state,)] = self.run(
            "SELECT state FROM {events} WHERE originator_id = {p} AND originator_version = {p}",
            stream_id,
            version,
        )
        return bytes(state)

    def content(self, stream_id: UUID, version: int) -> tuple[str, bytes]:
        [(topic, state)] = self.run(
            "SELECT topic, state FROM {events} "
            "WHERE originator_id = {p} AND originator_version = {p}",
            stream_id,
            version,
        )
        return topic, bytes(state)

    def set_content(self, stream_id: UUID, version: int, topic: str, state: bytes) -> None:
        self.run(
            "UPDATE {events} SET topic = {p}, state = {p} "
            "WHERE originator_id = {p} AND originator_version = {p}",
            topic,
            state,
            stream_id,
            version,
        )

    def set_state(self, stream_id: UUID, version: int, state: bytes) -> None:
        self.run(
            "UPDATE {events} SET state = {p} "
            "WHERE originator_id = {p} AND originator_version = {p}",
            state,
            stream_id,
            version,
        )

    def flip_byte(self, stream_id: UUID, version: int) -> None:
        state = bytearray(self.state(stream_id, version))
        state[len(state) // 2] ^= 0x01
        self.set_state(stream_id, version, bytes(state))

    def delete_event(self, stream_id: UUID, version: int) -> None:
        self.run(
            "DELETE FROM {events} WHERE originator_id = {p} AND originator_version = {p}",
            stream_id,
            version,
        )

    def move_event(self, stream_id: UUID, version: int, to: int) -> None:
        self.run(
            "UPDATE {events} SET originator_version = {p} "
            "WHERE originator_id = {p} AND originator_version = {p}",
            to,
            stream_id,
            version,
        )

    def append_copy(self, stream_id: UUID, version: int, to: int) -> None:
        """A new event at `to`, a copy of the one at `version`, without a chain row."""
        self.run(
            "INSERT INTO {events} (originator_id, originator_version, topic, state) "
            "SELECT originator_id, {p}, topic, state FROM {events} "
            "WHERE originator_id = {p} AND originator_version = {p}",
            to,
            stream_id,
            version,
        )

    def flip_hash(self, stream_id: UUID, version: int) -> None:
        [(hash_,)] = self.run(
            "SELECT hash FROM {chain} WHERE originator_id = {p} AND originator_version = {p}",
            stream_id,
            version,
        )
        changed = bytes([hash_[0] ^ 0x01]) + bytes(hash_[1:])
        self.run(
            "UPDATE {chain} SET hash = {p} WHERE originator_id = {p} AND originator_version = {p}",
            changed,
            stream_id,
            version,
        )

    def delete_chain_row(self, stream_id: UUID, version: int) -> None:
        self.run(
            "DELETE FROM {chain} WHERE originator_id = {p} AND originator_version = {p}",
            stream_id,
            version,
        )

    def delete_stream(self, stream_id: UUID) -> None:
        self.run("DELETE FROM {events} WHERE originator_id = {p}", stream_id)
        self.run("DELETE FROM {chain} WHERE originator_id = {p}", stream_id)

    def chain_rows(self, stream_id: UUID) -> int:
        [(count,)] = self.run("SELECT COUNT(*) FROM {chain} WHERE originator_id = {p}", stream_id)
        return int(count)

    def recompute_chain(self, stream_id: UUID) -> None:
        """What a DBA who has read infra/store/chain.py can do: chain rows that fit the events."""
        rows = self.run(
            "SELECT originator_version, topic, state FROM {events} WHERE originator_id = {p} "
            "ORDER BY originator_version",
            stream_id,
        )
        events = [StoredRow(v, t, bytes(s), 0) for v, t, s in rows]
        self.run("DELETE FROM {chain} WHERE originator_id = {p}", stream_id)
        for link in link_events(stream_id, GENESIS, events):
            self.run(
                "INSERT INTO {chain} VALUES ({p}, {p}, {p}, {p})",
                stream_id,
                link.version,
                link.digest,
                link.hash,
            )


class SQLiteDatabase(Database):
    events = "stored_events"
    mark = "?"

    def __init__(self, path: Path) -> None:
        self.path = path

    def key(self, stream_id: UUID) -> Any:
        return stream_id.hex

    def execute(self, statement: str, *params: Any) -> list[Any]:
        with sqlite3.connect(self.path) as db:
            return db.execute(statement, params).fetchall()


class PostgresDatabase(Database):
    events = "journeys_events"
    mark = "%s"

    def __init__(self, url: str) -> None:
        self.url = url

    def execute(self, statement: str, *params: Any) -> list[Any]:
        with psycopg.connect(self.url, autocommit=True) as conn:
            cursor = conn.execute(statement, params)
            return cursor.fetchall() if cursor.description else []


class IntegrityContract:
    """Subclassed once per database."""

    @pytest.fixture
    def journeys(self, settings: Settings) -> Iterator[Journeys]:
        journeys = bootstrap(settings)
        simulate(journeys, families=5)
        yield journeys
        journeys.close()

    @pytest.fixture
    def integrity(self, journeys: Journeys) -> Integrity:
        return Integrity(journeys.app)

    @pytest.fixture
    def family(self, journeys: Journeys) -> UUID:
        """The family with the most events (at least five)."""
        families = list(journeys.app.iter_family_ids())
        longest = max(families, key=lambda f: len(journeys.app.family_events(f)))
        assert len(journeys.app.family_events(longest)) >= 5
        return longest

    def test_an_untouched_store_verifies(self, journeys: Journeys, integrity: Integrity) -> None:
        report = integrity.verify_store()

        assert report.ok
        assert (report.streams, report.verified, report.not_chained) == (5, 5, 0)
        assert report.events == journeys.app.position()
        for family_id in journeys.app.iter_family_ids():
            stream = integrity.verify_family(family_id)
            assert stream.verified
            assert stream.head is not None
            assert stream.head.version == len(journeys.app.family_events(family_id))

    @pytest.mark.parametrize("where", ["first", "middle", "last"])
    def test_flipped_bytes_in_an_event_are_caught_there(
        self, db: Database, integrity: Integrity, journeys: Journeys, family: UUID, where: str
    ) -> None:
        version = pick(journeys, family, where)

        db.flip_byte(family, version)

        found = only_tampered(integrity)
        assert found.stream_id == family
        assert found.mismatch is not None
        assert (found.mismatch.version, found.mismatch.reason) == (version, "content_changed")
        assert integrity.verify_family(family).mismatch == found.mismatch

    @pytest.mark.parametrize("where", ["middle", "last"])
    def test_a_deleted_event_is_caught(
        self, db: Database, integrity: Integrity, journeys: Journeys, family: UUID, where: str
    ) -> None:
        version = pick(journeys, family, where)

        db.delete_event(family, version)

        mismatch = only_tampered(integrity).mismatch
        assert mismatch is not None
        assert (mismatch.version, mismatch.reason) == (version, "event_missing")

    @pytest.mark.parametrize("how", ["versions", "contents"])
    def test_two_swapped_events_are_caught_as_out_of_order(
        self, db: Database, integrity: Integrity, journeys: Journeys, family: UUID, how: str
    ) -> None:
        first, second = 2, pick(journeys, family, "last") - 1
        entries = [str(e.entry_id) for e in journeys.app.family_events(family)]  # type: ignore[attr-defined]

        if how == "versions":
            db.move_event(family, first, -1)
            db.move_event(family, second, first)
            db.move_event(family, -1, second)
        else:  # the rows stay; what they hold (topic and state) changes places
            one, other = db.content(family, first), db.content(family, second)
            db.set_content(family, first, *other)
            db.set_content(family, second, *one)

        mismatch = only_tampered(integrity).mismatch
        assert mismatch is not None
        assert (mismatch.version, mismatch.reason) == (first, "out_of_order")
        # The entry now standing at that version is named: the one recorded later.
        assert mismatch.entry_id == entries[second - 1]

    def test_a_changed_chain_row_is_caught(
        self, db: Database, integrity: Integrity, journeys: Journeys, family: UUID
    ) -> None:
        version = pick(journeys, family, "middle")
        entry_id = str(journeys.app.family_events(family)[version - 1].entry_id)  # type: ignore[attr-defined]

        db.flip_hash(family, version)

        mismatch = only_tampered(integrity).mismatch
        assert mismatch is not None
        assert (mismatch.version, mismatch.reason) == (version, "chain_row_changed")
        assert mismatch.entry_id == entry_id  # the event itself is intact, so it decodes

    def test_a_missing_chain_row_and_an_event_added_outside_the_chain_are_caught(
        self, db: Database, integrity: Integrity, journeys: Journeys, family: UUID
    ) -> None:
        last = pick(journeys, family, "last")
        db.append_copy(family, last, last + 1)

        mismatch = only_tampered(integrity).mismatch
        assert mismatch is not None
        assert (mismatch.version, mismatch.reason) == (last + 1, "extra_event")

        db.delete_chain_row(family, 2)
        mismatch = only_tampered(integrity).mismatch
        assert mismatch is not None
        assert (mismatch.version, mismatch.reason) == (2, "chain_row_missing")

    def test_a_deleted_stream_is_caught_by_a_checkpoint(
        self, db: Database, integrity: Integrity, family: UUID
    ) -> None:
        checkpoint = take_checkpoint(integrity)

        db.delete_stream(family)

        assert integrity.verify_store().ok  # the chain alone cannot see a stream gone
        report = integrity.verify_store(checkpoint=checkpoint)
        assert not report.ok
        assert report.checkpoint is not None
        assert [(p.stream_id, p.reason) for p in report.checkpoint.problems] == [
            (str(family), "stream_missing")
        ]

    def test_a_rewritten_stream_with_a_recomputed_chain_is_caught_by_a_checkpoint(
        self, db: Database, integrity: Integrity, journeys: Journeys, family: UUID
    ) -> None:
        checkpoint = take_checkpoint(integrity)
        version = pick(journeys, family, "middle")

        db.flip_byte(family, version)
        db.recompute_chain(family)

        assert integrity.verify_store().ok  # consistent again: only the checkpoint knows
        report = integrity.verify_store(checkpoint=checkpoint)
        assert report.checkpoint is not None
        assert [(p.stream_id, p.reason) for p in report.checkpoint.problems] == [
            (str(family), "rewritten")
        ]

    def test_a_shortened_stream_with_its_chain_rows_is_caught_by_a_checkpoint(
        self, db: Database, integrity: Integrity, journeys: Journeys, family: UUID
    ) -> None:
        checkpoint = take_checkpoint(integrity)
        last = pick(journeys, family, "last")

        db.delete_event(family, last)
        db.delete_chain_row(family, last)

        assert integrity.verify_store().ok
        report = integrity.verify_store(checkpoint=checkpoint)
        assert report.checkpoint is not None
        assert [(p.stream_id, p.reason) for p in report.checkpoint.problems] == [
            (str(family), "shrunk")
        ]

    def test_an_older_checkpoint_still_holds_after_more_writes(
        self, integrity: Integrity, journeys: Journeys, family: UUID
    ) -> None:
        checkpoint = take_checkpoint(integrity)

        record_contacts(journeys, family, 3)
        simulate(journeys, families=2, seed=11)

        report = integrity.verify_store(checkpoint=checkpoint)
        assert report.ok
        assert report.checkpoint is not None
        assert report.checkpoint.problems == []
        assert report.streams == 7
        assert report.position > checkpoint.position

    def test_a_family_still_verifies_after_its_data_key_is_destroyed(
        self, db: Database, integrity: Integrity, journeys: Journeys, family: UUID
    ) -> None:
        before = integrity.verify_family(family)

        journeys.app.handle(
            ErasePersonalData(family_id=family, actor=ACTOR, reason="right_to_erasure")
        )

        after = integrity.verify_family(family)
        assert after.verified
        assert after.events == before.events + 1
        # What was stored before the erasure is as it was: the chain covers the sealed bytes.
        assert after.head is not None
        assert before.head is not None
        assert Integrity(journeys.app).verify_store().ok
        db.flip_byte(family, 2)
        mismatch = integrity.verify_family(family).mismatch
        assert mismatch is not None
        assert (mismatch.version, mismatch.reason) == (2, "content_changed")

    def test_the_loser_of_a_race_fails_as_before_and_the_chain_stays_whole(
        self, settings: Settings, journeys: Journeys, integrity: Integrity, family: UUID
    ) -> None:
        other = bootstrap(settings)
        try:
            mine: Family = journeys.app.repository.get(family)
            theirs: Family = other.app.repository.get(family)
            for app, aggregate in ((journeys.app, mine), (other.app, theirs)):
                aggregate.record_contact(
                    contact_id=uuid4(), agency="school", channel="phone", reason="concern",
                    member_ids=(), personal=None, codes=app.codes, now=app.clock(),
                    entry=NewEntry(entry_id=uuid4(), occurred_at=app.clock(), actor=ACTOR),
                )  # fmt: skip
            journeys.app.save(mine)
            with pytest.raises(IntegrityError):
                other.app.save(theirs)
            # Writers on one family from two processes at once: every event chained once.
            threads = [
                threading.Thread(target=record_contacts, args=(j, family, 15))
                for j in (journeys, other)
            ]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
        finally:
            other.close()

        stream = integrity.verify_family(family)
        assert stream.verified
        assert stream.events == len(journeys.app.family_events(family))
        assert stream.events == mine.version + 30
        assert integrity.verify_store().ok

    def test_streams_stored_before_chaining_are_not_chained_until_written_or_sealed(
        self, settings: Settings, db: Database
    ) -> None:
        unchained = bootstrap(settings.model_copy(update={"hash_chain": False}))
        simulate(unchained, families=4)
        families = list(unchained.app.iter_family_ids())
        unchained.close()
        journeys = bootstrap(settings)
        try:
            integrity = Integrity(journeys.app)
            report = integrity.verify_store()
            assert (report.not_chained, report.verified, report.ok) == (4, 0, True)
            assert integrity.verify_family(families[0]).status == "not_chained"

            record_contacts(journeys, families[0], 1)  # chains the whole stream as it goes
            assert integrity.verify_family(families[0]).verified
            assert integrity.verify_store().not_chained == 3

            streams, events = integrity.seal_legacy()
            assert streams == 3
            assert events == sum(len(journeys.app.family_events(f)) for f in families[1:])
            report = integrity.verify_store()
            assert (report.verified, report.not_chained, report.ok) == (4, 0, True)
            assert db.chain_rows(families[1]) == len(journeys.app.family_events(families[1]))

            db.flip_byte(families[1], 1)  # and once chained, tampering shows
            assert integrity.verify_family(families[1]).status == "tampered"
        finally:
            journeys.close()


def simulate(journeys: Journeys, *, families: int, seed: int = 3) -> None:
    simulation = Simulation(seed=seed, start=START)
    journeys.app.clock = simulation.clock
    journeys.app.new_id = simulation.new_id
    simulation.run(journeys.app, families=families, years=0.6)


def record_contacts(journeys: Journeys, family: UUID, count: int) -> None:
    for _ in range(count):
        journeys.app.handle(
            RecordContact(
                family_id=family,
                actor=ACTOR,
                occurred_at=journeys.app.clock(),
                agency="school",
                channel="phone",
                reason="concern",
            )
        )


def pick(journeys: Journeys, family: UUID, where: str) -> int:
    count = len(journeys.app.family_events(family))
    return {"first": 1, "middle": count // 2 + 1, "last": count}[where]


def only_tampered(integrity: Integrity) -> StreamReport:
    report = integrity.verify_store()
    assert not report.ok
    [found] = report.tampered
    assert report.verified == report.streams - 1
    return found


def take_checkpoint(integrity: Integrity) -> Any:
    _, document = integrity.checkpoint(KEY, now=datetime.now(UTC))
    assert document is not None
    return read_checkpoint(document, trusted_key=document["public_key"])


class TestWithSQLite(IntegrityContract):
    @pytest.fixture
    def settings(self, tmp_path: Path) -> Settings:
        return Settings(sqlite_path=tmp_path / "j.sqlite", database_url=None, mode="development")

    @pytest.fixture
    def db(self, settings: Settings) -> Database:
        return SQLiteDatabase(settings.sqlite_path)


@pytest.mark.postgres
class TestWithPostgreSQL(IntegrityContract):
    @pytest.fixture
    def settings(self, postgres_url: str) -> Settings:
        return Settings(database_url=postgres_url, mode="development")

    @pytest.fixture
    def db(self, postgres_url: str) -> Database:
        return PostgresDatabase(postgres_url)
