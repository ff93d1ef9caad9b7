"""The event store contract: every event class, a snapshot of a family with a rich state,
and a command receipt go through the application's mapper and a real store, and come back
equal; personal details are stored only inside PersonalData; a long history loads the same
with and without snapshots. One contract class, run against each backend by subclassing."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from eventsourcing.domain import Aggregate

from domain.application import CommandReceipt, JourneysApplication
from domain.family import Family
from domain.values import PersonalData
from tests.support.journey import (
    CHILD,
    NEWBORN,
    NOTES,
    PARENT,
    Journey,
    every_kind_of_entry,
    new_journey,
)

# Bases, not events: the library's defaults, and the common base of every entry.
NOT_EMITTED = {Family.Event, Family.Created, Family.Entry}
FAMILY_EVENT_CLASSES = {
    cls
    for cls in vars(Family).values()
    if isinstance(cls, type) and issubclass(cls, Aggregate.Event) and cls not in NOT_EMITTED
}

PERSONAL_DETAILS = [
    str(getattr(personal, name))
    for personal in (CHILD, PARENT, NEWBORN, NOTES, PersonalData(given_name="Zinnia-Mae"))
    for name in personal.held()
]


def without_personal_data(data: Any) -> Any:
    """Stored JSON with every PersonalData value cut out."""
    if isinstance(data, dict):
        if data.get("_type_") == "journeys.PersonalData":
            return "<personal data>"
        return {key: without_personal_data(value) for key, value in data.items()}
    if isinstance(data, list):
        return [without_personal_data(value) for value in data]
    return data


class EventStoreContract:
    """What the application needs of any event store. Subclasses give the `env`."""

    @pytest.fixture
    def env(self) -> dict[str, str]:
        raise NotImplementedError

    @pytest.fixture
    def story(self, env: dict[str, str]) -> Journey:
        """A family whose story has every kind of entry, saved in the store under test."""
        return every_kind_of_entry(new_journey(env))

    def test_the_story_has_every_event_class_of_the_family(self, story: Journey) -> None:
        assert {type(event) for event in story.stream()} == FAMILY_EVENT_CLASSES
        assert len(FAMILY_EVENT_CLASSES) == 28

    def test_every_event_survives_the_mapper(self, story: Journey) -> None:
        mapper = story.app.mapper

        for event in story.app.saved:
            assert mapper.to_domain_event(mapper.to_stored_event(event)) == event

    def test_every_event_reads_back_from_the_store_as_it_was_saved(
        self, story: Journey, env: dict[str, str]
    ) -> None:
        saved = [e for e in story.app.saved if e.originator_id == story.id]
        fresh = JourneysApplication(env)  # another instance: nothing cached

        assert list(story.app.events.get(story.id)) == saved
        assert list(fresh.events.get(story.id)) == saved
        assert fresh.repository.get(story.id) == story.family()

    def test_a_command_receipt_reads_back_as_it_was_saved(
        self, story: Journey, env: dict[str, str]
    ) -> None:
        (issued,) = [e for e in story.app.saved if isinstance(e, CommandReceipt.Issued)]
        fresh = JourneysApplication(env)

        assert list(fresh.events.get(issued.originator_id)) == [issued]
        receipt: object = fresh.repository.get(issued.originator_id)
        assert isinstance(receipt, CommandReceipt)
        assert (receipt.command, receipt.family_id) == ("review", story.family_id)
        assert receipt.ids == issued.ids
        assert set(receipt.ids) == {"entry_id", "review_id"}

    def test_a_snapshot_of_a_family_with_a_rich_state_round_trips(
        self, story: Journey, env: dict[str, str]
    ) -> None:
        family = story.family()
        snapshot = Family.Snapshot.take(family)
        mapper = story.app.mapper
        assert story.app.snapshots is not None

        story.app.snapshots.put([snapshot])

        assert mapper.to_domain_event(mapper.to_stored_event(snapshot)) == snapshot
        assert list(story.app.snapshots.get(story.id)) == [snapshot]
        fresh = JourneysApplication(env)
        assert fresh.repository.get(story.id) == family  # from the snapshot
        assert snapshot.state["consents"]
        assert snapshot.state["retracted"]
        assert len(snapshot.state["episodes"]) == 2

    def test_personal_details_are_stored_only_inside_personal_data(self, story: Journey) -> None:
        story.app.take_snapshot(story.id)
        stored = [
            *story.app.recorder.select_notifications(start=1, limit=1000),
            *story.app.snapshots.recorder.select_events(story.id),  # type: ignore[union-attr]
        ]
        everything = b"".join(s.state for s in stored).decode("utf-8")
        outside = json.dumps([without_personal_data(json.loads(s.state)) for s in stored])

        assert [d for d in PERSONAL_DETAILS if d not in everything] == []
        assert [d for d in PERSONAL_DETAILS if d in outside] == []
        assert "Quartermaine" not in outside

    def test_a_long_history_loads_the_same_with_and_without_snapshots(
        self, env: dict[str, str]
    ) -> None:
        journey = new_journey(env).to("planned")
        for n in range(60):
            journey.record_contact()
            journey.hold_review(decision="continue" if n % 2 else "revise")
        journey.revise_plan()

        family_id = journey.family_id
        assert family_id is not None
        with_snapshots = JourneysApplication(env)
        without = JourneysApplication({**env, "IS_SNAPSHOTTING_ENABLED": "n"})
        assert with_snapshots.snapshots is not None
        assert without.snapshots is None

        replayed: Family = without.repository.get(family_id)
        loaded: Family = with_snapshots.repository.get(family_id)

        assert [s.originator_version for s in with_snapshots.snapshots.get(family_id)] == [50, 100]
        assert loaded == replayed
        assert replayed.version == len(list(without.events.get(family_id))) == 128


class TestWithSQLite(EventStoreContract):
    @pytest.fixture
    def env(self, tmp_path: Path) -> dict[str, str]:
        return {
            "PERSISTENCE_MODULE": "eventsourcing.sqlite",
            "SQLITE_DBNAME": str(tmp_path / "journeys.db"),
        }


@pytest.mark.postgres
class TestWithPostgreSQL(EventStoreContract):
    @pytest.fixture
    def env(self, postgres_env: dict[str, str]) -> dict[str, str]:
        return postgres_env
