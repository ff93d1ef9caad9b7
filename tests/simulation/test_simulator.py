"""The simulator: repeatable for a seed, every kind of entry, no personal data out of place,
recorded in recorded-time order, and Kent's figures reproduced when measured from the store."""

from __future__ import annotations

import dataclasses
import re
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from eventsourcing.domain import DomainEvent

from domain.application import JourneysApplication
from domain.family import Family
from domain.values import PersonalData
from infra.bootstrap import Journeys, bootstrap
from infra.settings import Settings
from simulation import simulation_data
from simulation.calibration import WARM_UP, kent_targets, measure, stored_events
from simulation.simulator import Simulation, SimulationReport

START = datetime(2021, 4, 1, tzinfo=UTC)
# Every concrete event class of a family (not the base classes events are made from).
ENTRY_CLASSES = sorted(
    cls.__name__
    for cls in vars(Family).values()
    if isinstance(cls, type)
    and issubclass(cls, DomainEvent)
    and cls not in (Family.Event, Family.Created, Family.Entry)
    # Not practice: an admin's, or the retention schedule's, years after (not simulated).
    and cls not in (Family.PersonalDataErased, Family.LegalHoldPlaced, Family.LegalHoldLifted)
)


def in_memory() -> Settings:
    # Explicit, whatever JOURNEYS_* the shell has set.
    return Settings(sqlite_path=Path(":memory:"), database_url=None, mode="development")


def simulate(*, seed: int, families: int, years: float) -> tuple[Journeys, SimulationReport]:
    simulation = Simulation(seed=seed, start=START)
    journeys = bootstrap(in_memory(), clock=simulation.clock, new_id=simulation.new_id)
    return journeys, simulation.run(journeys.app, families=families, years=years)


def stream(app: JourneysApplication) -> list[tuple[str, str, int, Any]]:
    """The stored records, in store order: topic, family, version and the event as read back
    (not the stored bytes: personal data is sealed with a random key and nonce)."""
    records = app.recorder.select_notifications(start=1, limit=1_000_000)
    return [
        (r.topic, str(r.originator_id), r.originator_version, app.mapper.to_domain_event(r))
        for r in records
    ]


@pytest.fixture(scope="module")
def demo() -> Iterator[tuple[Journeys, SimulationReport]]:
    journeys, report = simulate(seed=5, families=150, years=3)
    yield journeys, report
    journeys.close()


def test_the_same_seed_gives_the_same_events_ids_and_times() -> None:
    first, _ = simulate(seed=11, families=30, years=1.5)
    again, _ = simulate(seed=11, families=30, years=1.5)
    other, _ = simulate(seed=12, families=30, years=1.5)
    try:
        assert len(stream(first.app)) > 500
        assert stream(again.app) == stream(first.app)
        assert stream(other.app) != stream(first.app)
        assert {r[1] for r in stream(other.app)}.isdisjoint({r[1] for r in stream(first.app)})
    finally:
        for journeys in (first, again, other):
            journeys.close()


def test_every_kind_of_family_entry_is_simulated(demo: tuple[Journeys, SimulationReport]) -> None:
    journeys, report = demo
    kinds = Counter(type(event).__name__ for event in stored_events(journeys.app))

    assert sorted(kinds) == ENTRY_CLASSES
    assert report.families == kinds["Registered"] == 150
    assert report.commands == sum(kinds.values()) == journeys.app.position()
    # Corrections and retractions are a few percent of what could be wrong.
    fixable = kinds["ContactRecorded"] + kinds["OutcomeEvidenced"] + kinds["SupportRequested"]
    assert 0.02 < (kinds["EntryCorrected"] + kinds["EntryRetracted"]) / fixable < 0.10


def values_outside_personal_data(value: Any) -> Iterator[str]:
    """Every string in an event's fields, except inside PersonalData."""
    if isinstance(value, PersonalData):
        return
    if isinstance(value, str):
        yield value
    elif isinstance(value, tuple | list):
        for item in value:
            yield from values_outside_personal_data(item)
    elif dataclasses.is_dataclass(value) and not isinstance(value, type):
        for item in dataclasses.fields(value):
            yield from values_outside_personal_data(getattr(value, item.name))


def test_personal_data_and_free_text_live_only_in_personal_data(
    demo: tuple[Journeys, SimulationReport],
) -> None:
    journeys, _ = demo
    invented = re.compile(
        "|".join(
            (*simulation_data.GIVEN_NAMES, *simulation_data.FAMILY_NAMES, *simulation_data.STREETS)
        )
    )
    personal: list[PersonalData] = []
    for event in stored_events(journeys.app):
        fields = {k: v for k, v in vars(event).items() if not k.startswith("_")}
        for text in values_outside_personal_data(tuple(fields.values())):
            assert not re.search(r"\s", text), f"free text outside PersonalData: {text!r}"
            assert not invented.search(text), f"a name outside PersonalData: {text!r}"
        personal += [v for v in fields.values() if isinstance(v, PersonalData)]
        for member in (*getattr(event, "members", ()), getattr(event, "member", None)):
            if member is not None:
                personal.append(member.personal)
    names = [p.given_name for p in personal if p.given_name]
    notes = [p.notes for p in personal if p.notes]
    assert names
    assert notes
    assert all(invented.search(text) for text in names + notes if "the child" not in text)


def test_entries_are_stored_in_recorded_order_and_some_are_recorded_late(
    demo: tuple[Journeys, SimulationReport],
) -> None:
    journeys, report = demo
    events = list(stored_events(journeys.app))
    recorded = [event.timestamp for event in events]
    lateness = [event.timestamp - event.occurred_at for event in events]

    assert recorded == sorted(recorded)
    assert report.start <= recorded[0]
    assert recorded[-1] <= report.end
    assert min(lateness) >= timedelta(0)
    late = [gap for gap in lateness if gap >= timedelta(days=1)]
    within_two_weeks = [gap for gap in lateness if gap <= timedelta(days=14)]
    assert 0.15 < len(late) / len(events) < 0.6
    assert len(within_two_weeks) / len(events) > 0.97


def test_a_simulation_needs_the_application_bootstrapped_with_its_clock_and_ids() -> None:
    simulation = Simulation(seed=1, start=START)
    journeys = bootstrap(in_memory())
    try:
        with pytest.raises(ValueError, match="clock and new_id"):
            simulation.run(journeys.app, families=1, years=1)
        assert journeys.app.position() == 0
    finally:
        journeys.close()


def test_a_simulation_that_would_end_after_now_is_refused_before_it_records_anything() -> None:
    start = datetime.now(UTC) - timedelta(days=300)
    simulation = Simulation(seed=1, start=start)
    journeys = bootstrap(in_memory(), clock=simulation.clock, new_id=simulation.new_id)
    try:
        with pytest.raises(ValueError, match="would end in the future"):
            simulation.run(journeys.app, families=3, years=1)
        assert journeys.app.position() == 0
    finally:
        journeys.close()


@pytest.mark.slow
def test_the_simulator_at_a_kent_like_size_reproduces_kents_ratios_within_ten_percent() -> None:
    # POPO (in-memory objects) keeps this quick: the calibration is pure application logic.
    simulation = Simulation(seed=2013, start=START)
    env = {**in_memory().eventsourcing_env(), "PERSISTENCE_MODULE": "eventsourcing.popo"}
    app = JourneysApplication(env=env, clock=simulation.clock, new_id=simulation.new_id)
    report = simulation.run(app, families=1200, years=5)

    measured = measure(app, since=START + WARM_UP)
    kent = kent_targets(report.size, measured.figures.years)
    found, wanted = measured.figures.ratios(), kent.ratios()

    assert measured.requests > 500
    assert measured.figures.escalated > 80
    for name, target in wanted.items():
        assert found[name] == pytest.approx(target, rel=0.10), (name, found, wanted)
    # The per-year counts, too, are Kent's scaled to this run's size.
    per_year, kent_per_year = measured.figures.per_year(), kent.per_year()
    assert per_year.assessments_completed == pytest.approx(
        kent_per_year.assessments_completed, rel=0.10
    )
    assert measured.step_up_closures == measured.figures.escalated


def test_a_share_of_closed_episodes_is_audited_and_some_actions_stay_open(
    demo: tuple[Journeys, SimulationReport],
) -> None:
    journeys, report = demo
    events = list(stored_events(journeys.app))
    closed = {str(e.episode_id) for e in events if isinstance(e, Family.EpisodeClosed)}
    audits = [e for e in events if isinstance(e, Family.CaseAuditRecorded)]
    done = {str(e.action_id) for e in events if isinstance(e, Family.CaseAuditActionCompleted)}
    actions = {str(a.action_id): a.due_date for e in audits for a in e.actions}

    assert {str(e.episode_id) for e in audits} <= closed
    assert 0.1 < len(audits) / len(closed) < 0.4
    assert done < set(actions)  # most completed, some never
    overdue = [a for a, due in actions.items() if a not in done and due < report.end.date()]
    assert overdue  # the queue has overdue actions to show
    late = [
        e for e in events
        if isinstance(e, Family.CaseAuditActionCompleted)
        and e.occurred_at.date() > actions[str(e.action_id)]
    ]  # fmt: skip
    assert late  # some completed after they fell due
