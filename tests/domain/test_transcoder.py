"""The orjson transcoder (the default, `TRANSCODER=orjson`) and the library's json one
(`TRANSCODER=json`) write the same bytes and read them back as the same values: a store
written with either reads identically with the other.

Checked on the old store (tests/fixtures/old_store.sqlite, written with the json
transcoder of its day), on a fresh story that records every kind of entry and a snapshot,
with personal data sealed, and on the odd values where orjson alone would write other bytes.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator, Sequence
from enum import IntEnum, StrEnum
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from eventsourcing.persistence import Mapper, StoredEvent, TranscodingNotRegisteredError

from domain.application import JourneysApplication
from domain.family import Family
from domain.values import JourneysTranscoder, OrjsonTranscoder, PersonalData
from tests.support.journey import (
    MEMORY_ENV,
    Clock,
    Journey,
    ObservedApplication,
    every_kind_of_entry,
)
from tests.support.old_store import OLD_STORE, sqlite_env


def application(env: dict[str, str], transcoder: str, **kwargs: Any) -> ObservedApplication:
    return ObservedApplication({**env, "TRANSCODER": transcoder}, clock=Clock(), **kwargs)


@pytest.fixture(scope="module")
def old_store(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    copy = Path(tmp_path_factory.mktemp("old")) / "old_store.sqlite"
    shutil.copyfile(OLD_STORE, copy)  # never write to the fixture itself
    return sqlite_env(copy)


@pytest.fixture(scope="module")
def both(old_store: dict[str, str]) -> Iterator[tuple[JourneysApplication, JourneysApplication]]:
    fast, plain = application(old_store, "orjson"), application(old_store, "json")
    yield fast, plain
    fast.close()
    plain.close()


def stored_rows(app: JourneysApplication) -> list[StoredEvent]:
    """Every stored event and every snapshot of the store."""
    rows: list[StoredEvent] = list(app.recorder.select_notifications(start=1, limit=100_000))
    assert app.snapshots is not None
    snapshot_recorder = app.snapshots.recorder
    for family_id in {n.originator_id for n in rows}:
        rows += snapshot_recorder.select_events(family_id)
    return rows


def same_reading(
    rows: Sequence[StoredEvent], fast: Mapper[Any], plain: Mapper[Any], *, write: bool = True
) -> int:
    """Each row reads back as the same event (tuples as tuples, values as values) with both
    mappers, and (`write`) each of those events is written back as the same bytes by both."""
    for row in rows:
        by_fast, by_plain = fast.to_domain_event(row), plain.to_domain_event(row)
        assert type(by_fast) is type(by_plain)
        assert vars(by_fast) == vars(by_plain)
        assert shapes(vars(by_fast)) == shapes(vars(by_plain))
        if write:
            assert fast.to_stored_event(by_fast).state == plain.to_stored_event(by_plain).state
    return len(rows)


def shapes(value: Any) -> Any:
    """The types inside a value, which == alone does not tell apart (1 == True == 1.0)."""
    if isinstance(value, dict):
        return {k: shapes(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return (type(value), [shapes(v) for v in value])
    return type(value)


def test_the_default_is_orjson_and_json_stays_available(
    both: tuple[JourneysApplication, JourneysApplication],
) -> None:
    fast, plain = both
    assert type(fast.mapper.transcoder) is OrjsonTranscoder
    assert type(plain.mapper.transcoder) is JourneysTranscoder
    assert type(JourneysApplication(MEMORY_ENV).mapper.transcoder) is OrjsonTranscoder
    with pytest.raises(ValueError, match="TRANSCODER must be one of orjson, json"):
        JourneysApplication({**MEMORY_ENV, "TRANSCODER": "pickle"})


def test_the_old_store_reads_the_same_with_either_transcoder(
    both: tuple[JourneysApplication, JourneysApplication],
) -> None:
    fast, plain = both
    rows = stored_rows(fast)
    assert len([r for r in rows if "Snapshot" in r.topic]) == 2
    assert same_reading(rows, fast.mapper, plain.mapper) == len(rows)


def test_the_old_store_reconstitutes_the_same_families(
    both: tuple[JourneysApplication, JourneysApplication],
) -> None:
    fast, plain = both
    families = {UUID(str(n.originator_id)) for n in stored_rows(fast) if "Family." in n.topic}
    assert len(families) >= 3
    for family_id in families:
        assert fast.repository.get(family_id) == plain.repository.get(family_id)


@pytest.mark.parametrize(("writer", "reader"), [("orjson", "json"), ("json", "orjson")])
def test_a_store_written_with_one_reads_the_same_with_the_other(
    tmp_path: Path, writer: str, reader: str
) -> None:
    env = sqlite_env(tmp_path / "store.sqlite")
    written = application(env, writer)
    journey = every_kind_of_entry(Journey(written, Clock()))
    family_id = journey.id
    family: Family = written.repository.get(family_id)
    assert written.snapshots is not None
    written.snapshots.put([Family.Snapshot.take(family)])
    written.close()

    read = application(env, reader)
    other = application(env, writer)
    try:
        rows = stored_rows(read)
        topics = {row.topic for row in rows}
        assert len(topics) >= 28  # every kind of entry, the receipt and the snapshot
        assert same_reading(rows, read.mapper, other.mapper) == len(rows)
        assert read.repository.get(family_id) == family
        assert read.repository.get(family_id, version=family.version) == family  # by snapshot
    finally:
        read.close()
        other.close()


class _OpenSealer:
    """Seals by marking the plaintext (no cryptography: this test is about the wire format)."""

    def __init__(self) -> None:
        self.forgotten: set[str] = set()

    def seal(self, family_id: str, plaintext: bytes, *, context: bytes) -> bytes:
        return b"sealed:" + plaintext

    def open(self, family_id: str, sealed: bytes, *, context: bytes) -> bytes | None:
        return None if family_id in self.forgotten else sealed.removeprefix(b"sealed:")

    def forget(self, family_ids: Sequence[str]) -> object:
        self.forgotten.update(family_ids)
        return None


def test_sealed_personal_data_reads_the_same_with_either_transcoder() -> None:
    sealer = _OpenSealer()
    fast = application(MEMORY_ENV, "orjson", sealer=sealer)
    plain_transcoder = application(MEMORY_ENV, "json", sealer=sealer).mapper.transcoder
    journey = Journey(fast, Clock()).to("planned")
    journey.record_contact(personal=PersonalData(notes="Spoke about school ✓ «ok»"))
    rows = stored_rows(fast)
    plain_mapper = type(fast.mapper)(plain_transcoder)
    assert same_reading(rows, fast.mapper, plain_mapper) == len(rows)
    assert any(b"journeys.PersonalData.sealed" in row.state for row in rows)
    family: Family = fast.repository.get(journey.id)
    sealer.forget([str(journey.id)])
    # Erased alike (erased values are never written again).
    assert same_reading(rows, fast.mapper, plain_mapper, write=False) == len(rows)
    assert fast.repository.get(journey.id) != family


class Colour(StrEnum):
    RED = "red"


class Size(IntEnum):
    BIG = 3


ODD_VALUES: list[Any] = [
    {"tiny": 1e-05, "small": 0.0001, "big": 1e16, "zero": -0.0},
    {"nan": float("nan")},
    {"inf": float("inf"), "minus": float("-inf")},
    {"huge": 2**64, "negative": -(2**63) - 1},
    {7: "int key", 2.5: "float key", True: "bool key", None: "none key"},
    {"enums": [Colour.RED, Size.BIG], Colour.RED: "str subclass key"},
    {"text": 'a\x00\x1f\x7f"\\\n\t\u2028é😀'},
    {"_type_": "not", "_data_": "registered", "other": 1},
]


@pytest.mark.parametrize("value", ODD_VALUES, ids=range(len(ODD_VALUES)))
def test_odd_values_are_written_as_the_library_writes_them(value: Any) -> None:
    fast = JourneysApplication(MEMORY_ENV).mapper.transcoder
    plain = JourneysApplication({**MEMORY_ENV, "TRANSCODER": "json"}).mapper.transcoder
    written = fast.encode(value)
    assert written == plain.encode(value)
    read_fast, read_plain = fast.decode(written), plain.decode(written)
    assert repr(read_fast) == repr(read_plain)  # NaN != NaN; repr tells them apart as well
    assert shapes(read_fast) == shapes(read_plain)


def test_an_unregistered_type_is_refused_both_ways() -> None:
    fast = JourneysApplication(MEMORY_ENV).mapper.transcoder
    with pytest.raises(TranscodingNotRegisteredError):
        fast.encode({"value": object()})
    with pytest.raises(TranscodingNotRegisteredError):
        fast.decode(b'{"x":{"_type_":"journeys.Unknown","_data_":{}}}')


def test_a_story_round_trips_through_a_fresh_store_with_orjson(journey: Journey) -> None:
    every_kind_of_entry(journey)
    family = journey.family()
    mapper = journey.app.mapper
    assert type(mapper.transcoder) is OrjsonTranscoder
    snapshot = Family.Snapshot.take(family)
    restored: Any = mapper.to_domain_event(mapper.to_stored_event(snapshot))
    assert restored.mutate(None) == family
    for event in journey.app.events.get(journey.id):
        assert mapper.to_domain_event(mapper.to_stored_event(event)) == event
