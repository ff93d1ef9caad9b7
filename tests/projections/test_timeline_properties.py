"""Rules the timeline keeps for any history: simulated families (late recording, corrections,
retractions), then an auditor correcting random entries at random later times.

(a) the view the runner builds batch by batch equals a replay of each family's events;
(b) the timeline as recorded at T, read from today's document, is the timeline of a document
    built only from the events recorded by T (what "as recorded" means), also when asked
    what had happened by another instant;
(c) a rebuilt view equals the one built incrementally.
"""

from __future__ import annotations

import random
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from domain.application import JourneysApplication
from domain.family import CORRECTABLE, NOTES_ENTRIES, RETRACTABLE, Family
from domain.values import Actor, FieldChange, PersonalData
from infra.bootstrap import Journeys, bootstrap
from infra.settings import Settings
from infra.simulator import Simulation
from projections.base import Doc, replay
from projections.timeline import TimelineProjection, timeline

START = datetime(2023, 1, 2, tzinfo=UTC)
YEARS = 0.75
AUDITOR = Actor(user_id="qa-audit-1", role="qa_officer", agency="early_help")
OFFSETS = [UTC, timezone(timedelta(hours=1)), timezone(timedelta(hours=-5))]

MEMORY_ENV = {"PERSISTENCE_MODULE": "eventsourcing.popo"}
# Each example simulates a new history (on SQLite for the runner's properties): about 0.3 s.
PROPERTY = settings(max_examples=25, deadline=None)
seeds = st.integers(min_value=0, max_value=2**20)
families = st.integers(min_value=1, max_value=3)
audits = st.integers(min_value=0, max_value=8)


def audit(app: JourneysApplication, simulation: Simulation, rng: random.Random, n: int) -> None:
    """An auditor corrects (or retracts) `n` random entries, one every few days after the
    simulation: times moved either way, codes, values, dates, an area, notes."""
    family_ids = list(app.iter_family_ids())
    for _ in range(n if family_ids else 0):  # a family may arrive after the simulation ends
        simulation.now += timedelta(hours=rng.randint(1, 120))
        family_id = rng.choice(family_ids)
        events: list[Any] = app.family_events(family_id)
        retracted = {e.target_entry_id for e in events if isinstance(e, Family.EntryRetracted)}
        target = rng.choice([e for e in events if e.entry_id not in retracted])
        kind = type(target).__name__
        entry = {
            "actor": AUDITOR,
            "occurred_at": simulation.now,
            "target_entry_id": target.entry_id,
        }
        if kind in RETRACTABLE and rng.random() < 0.2:
            app.retract_entry(family_id, **entry, reason="recorded_in_error")
            continue
        fields = CORRECTABLE.get(kind, {"occurred_at": "datetime"})
        changes = tuple(
            FieldChange(name, value(fields[name], app, simulation, rng))
            for name in rng.sample(sorted(fields), rng.randint(1, len(fields)))
        )
        notes = PersonalData(notes=f"audit note {rng.random()}") if kind in NOTES_ENTRIES else None
        app.correct_entry(
            family_id,
            **entry,
            changes=changes,
            reason=rng.choice(app.codes.codes("correction_reason")),
            personal=notes if rng.random() < 0.3 else None,
        )


def value(kind: str, app: JourneysApplication, simulation: Simulation, rng: random.Random) -> str:
    if kind == "datetime":
        moment = START + (simulation.now - START) * rng.random()
        return moment.astimezone(rng.choice(OFFSETS)).isoformat()
    if kind == "date":
        return (START.date() + timedelta(days=rng.randint(0, 300))).isoformat()
    if kind == "decimal":
        return str(Decimal(rng.randint(0, 1000)) / 10)
    return rng.choice(app.codes.codes(kind.removeprefix("code:")))


@contextmanager
def simulated(seed: int, *, families: int, audits: int, batch_size: int) -> Iterator[Journeys]:
    """Journeys on a new SQLite store with simulated families and an audit, the views built
    by the runner before the audit and not after."""
    with tempfile.TemporaryDirectory() as folder:
        config = Settings(
            sqlite_path=Path(folder) / "j.sqlite",
            database_url=None,
            mode="development",
            projection_batch_size=batch_size,
        )
        simulation = Simulation(seed=seed, start=START)
        journeys = bootstrap(config, clock=simulation.clock, new_id=simulation.new_id)
        try:
            journeys.runner.ensure_views()
            simulation.run(journeys.app, families=families, years=YEARS)
            journeys.runner.catch_up()  # part of the view built before the audit
            audit(journeys.app, simulation, random.Random(seed), audits)
            yield journeys
        finally:
            journeys.close()


def replayed(app: JourneysApplication) -> dict[str, Doc]:
    docs: dict[str, Doc] = {}
    for family_id in app.iter_family_ids():
        docs.update(replay(TimelineProjection(), app.family_events(family_id)).docs)
    return docs


def stored(journeys: Journeys) -> dict[str, tuple[str, Doc]]:
    """Every document of the live timeline view, with its tag."""
    _, docs = journeys.views.read_tagged("timeline", None)
    tagged = {}
    for area in {doc["area"] for _, doc in docs}:
        _, in_area = journeys.views.read_tagged("timeline", area)
        tagged.update({key: (area, doc) for key, doc in in_area})
    assert set(tagged) == {key for key, _ in docs}
    return tagged


@PROPERTY
@given(
    seed=seeds, families=families, audits=audits, batch_size=st.integers(min_value=3, max_value=80)
)
def test_the_view_built_by_the_runner_equals_a_replay_of_each_family(
    seed: int, families: int, audits: int, batch_size: int
) -> None:
    with simulated(seed, families=families, audits=audits, batch_size=batch_size) as journeys:
        journeys.runner.catch_up()
        built = stored(journeys)
        expected = replayed(journeys.app)

    assert {key: doc for key, (_, doc) in built.items()} == expected
    assert {key: tag for key, (tag, _) in built.items()} == {
        key: doc["area"] for key, doc in expected.items()
    }


@settings(PROPERTY, max_examples=50)
@given(seed=seeds, families=families, audits=audits, data=st.data())
def test_the_record_as_recorded_at_t_is_what_the_events_recorded_by_t_show(
    seed: int, families: int, audits: int, data: st.DataObject
) -> None:
    # In memory: this property is about the query functions, not the store.
    simulation = Simulation(seed=seed, start=START)
    app = JourneysApplication(MEMORY_ENV, clock=simulation.clock, new_id=simulation.new_id)
    simulation.run(app, families=families, years=YEARS)
    audit(app, simulation, random.Random(seed), audits)
    histories: dict[str, list[Any]] = {str(f): app.family_events(f) for f in app.iter_family_ids()}
    times = sorted({e.timestamp for events in histories.values() for e in events})
    assume(times)  # a family may arrive after the simulation ends
    instants = data.draw(
        st.lists(
            st.tuples(
                st.sampled_from(times),
                st.sampled_from([timedelta(microseconds=-1), timedelta(0), timedelta(hours=1)]),
            ),
            min_size=1,
            max_size=4,
        )
    )
    occurred_by = data.draw(st.none() | st.sampled_from(times))

    for family_id, events in histories.items():
        today = replay(TimelineProjection(), events).docs[family_id]
        for moment, shift in instants:
            at = moment + shift
            then = replay(TimelineProjection(), [e for e in events if e.timestamp <= at])
            expected = (
                timeline(then.docs[family_id], as_occurred_by=occurred_by)
                if family_id in then.docs
                else []
            )
            assert timeline(today, as_recorded_at=at, as_occurred_by=occurred_by) == expected


@PROPERTY
@given(
    seed=seeds, families=families, audits=audits, batch_size=st.integers(min_value=3, max_value=80)
)
def test_a_rebuilt_view_equals_the_view_built_incrementally(
    seed: int, families: int, audits: int, batch_size: int
) -> None:
    with simulated(seed, families=families, audits=audits, batch_size=batch_size) as journeys:
        journeys.runner.catch_up()
        incremental = stored(journeys)
        rebuilt_view = journeys.runner.rebuild("timeline")
        rebuilt = stored(journeys)
        head = journeys.app.position()

    assert rebuilt == incremental
    assert rebuilt_view.position == head
