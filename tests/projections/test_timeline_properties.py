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
from datetime import timedelta
from typing import Any

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from domain.application import JourneysApplication
from infra.bootstrap import Journeys
from projections.base import Doc, replay
from projections.timeline import TimelineProjection, timeline
from simulation.simulator import Simulation
from tests.support.histories import START, YEARS, audit, simulated

MEMORY_ENV = {"PERSISTENCE_MODULE": "eventsourcing.popo"}
# Each example simulates a new history (on SQLite for the runner's properties): about 0.3 s.
PROPERTY = settings(max_examples=25, deadline=None)
seeds = st.integers(min_value=0, max_value=2**20)
families = st.integers(min_value=1, max_value=3)
audits = st.integers(min_value=0, max_value=8)


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
