"""Random histories for the projections' property tests: simulated families, then an auditor
correcting or retracting random entries at random later times (the hard cases for views)."""

from __future__ import annotations

import random
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any

from domain.application import JourneysApplication
from domain.family import CORRECTABLE, NOTES_ENTRIES, RETRACTABLE, Family
from domain.values import Actor, FieldChange, PersonalData
from infra.bootstrap import Journeys, bootstrap
from infra.settings import Settings
from infra.simulator import Simulation

START = datetime(2023, 1, 2, tzinfo=UTC)
YEARS = 0.75
AUDITOR = Actor(user_id="qa-audit-1", role="qa_officer", agency="early_help")
OFFSETS = [UTC, timezone(timedelta(hours=1)), timezone(timedelta(hours=-5))]


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
