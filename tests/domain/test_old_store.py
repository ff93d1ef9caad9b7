"""A store written before a change to the family's events or state still reads back.

tests/fixtures/old_store.sqlite was written by tests/fixtures/make_old_store.py with the
code of its day: every kind of entry, corrections, a retraction, legal holds, an erasure,
and snapshots (one every 50 events) of a family with an open episode. Today's code must
decode every stored event and snapshot, and reconstitute each family to the state the old
code had (tests/fixtures/old_store.json), from its snapshots and from its events alone.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from dataclasses import asdict, replace
from pathlib import Path
from typing import Any, cast
from uuid import UUID

import pytest

from domain.application import JourneysApplication
from domain.family import Family
from tests.support.journey import Clock, Journey
from tests.support.old_store import OLD_FACTS, OLD_STORE, sqlite_env, state_facts, stream_facts

RECORDED: dict[str, Any] = json.loads(OLD_FACTS.read_text())


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[JourneysApplication]:
    copy = Path(tmp_path_factory.mktemp("old")) / "old_store.sqlite"
    shutil.copyfile(OLD_STORE, copy)  # never write to the fixture itself
    application = JourneysApplication(sqlite_env(copy), clock=Clock())
    yield application
    application.close()


def replayed(app: JourneysApplication, family_id: UUID, upto: int | None = None) -> Family:
    """The family from its events alone (up to version `upto`), no snapshot."""
    family: Any = None
    for event in app.events.get(family_id, lte=upto):
        family = cast(Any, event).mutate(family)
    assert isinstance(family, Family)
    return family


def test_every_stored_event_decodes_under_its_old_topic(app: JourneysApplication) -> None:
    notifications = app.recorder.select_notifications(start=1, limit=10_000)
    topics = {n.topic for n in notifications}
    decoded = [app.mapper.to_domain_event(n) for n in notifications]
    streams = sum(len(f["stream"]) for f in RECORDED.values())
    families = [e for e in decoded if isinstance(e, Family.Registered | Family.Entry)]
    assert len(families) == streams
    assert {t for t in topics if t.startswith("domain.family:")} == {
        f"domain.family:Family.{type(e).__name__}" for e in families
    }
    assert len(topics) >= 27  # every kind of entry, and the command receipt


@pytest.mark.parametrize("family_id", sorted(RECORDED))
def test_each_family_reads_back_as_it_was_recorded(
    app: JourneysApplication, family_id: str
) -> None:
    recorded = RECORDED[family_id]
    fid = UUID(family_id)
    assert stream_facts(app.events.get(fid)) == recorded["stream"]
    from_snapshot: Family = app.repository.get(fid)
    assert state_facts(from_snapshot) == recorded["state"]
    assert state_facts(replayed(app, fid)) == recorded["state"]


def test_snapshots_reconstitute_the_state_at_their_version(app: JourneysApplication) -> None:
    (family_id,) = [UUID(fid) for fid, f in RECORDED.items() if f["snapshots"]]
    assert app.snapshots is not None
    snapshots = list(app.snapshots.get(family_id))
    assert [s.originator_version for s in snapshots] == [50, 100]
    for snapshot in snapshots:
        from_snapshot: Any = cast(Any, snapshot).mutate(None)
        assert isinstance(from_snapshot, Family)
        at_version = replayed(app, family_id, snapshot.originator_version)
        assert state_facts(from_snapshot) == state_facts(at_version)
        assert from_snapshot.version == snapshot.originator_version


def test_a_snapshot_that_kept_the_state_as_dicts_reads_back_typed(journey: Journey) -> None:
    """Up to class version 3, members, episodes and consents were kept as dicts: such a
    snapshot, of a family with a closed episode and an answered escalation, reads back as
    the same family."""
    journey.to("planned").give_consent()
    journey.raise_escalation()
    journey.respond_to_escalation()
    journey.close_episode(reason="step_up")
    journey.request_support()
    family = journey.family()
    snapshot = Family.Snapshot.take(family)
    state = dict(snapshot.state, class_version=3)
    for name in ("members", "episodes", "consents"):
        state[name] = {key: asdict(part) for key, part in state[name].items()}
    mapper = journey.app.mapper

    stored = mapper.to_stored_event(replace(snapshot, state=state))
    restored: Any = cast(Any, mapper.to_domain_event(stored)).mutate(None)

    assert restored == family
    closed = [e for e in restored.episodes.values() if e.closed_by is not None]
    assert [[x.status for x in e.escalations.values()] for e in closed] == [["accepted"]]
