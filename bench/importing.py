"""The import row of `make bench`: `journeys import` of a simulated file (api.bulk) against a
raw insert of the same stored rows (the recorder's insert_events, 1,000 rows a transaction),
on SQLite. Both count the rows stored: the families' events and the lines' receipts."""

from __future__ import annotations

import io
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from eventsourcing.persistence import StoredEvent

from api.bulk.importer import Importer
from bench.bare import stored_notifications
from bench.stores import sqlite_stores
from domain.application import JourneysApplication
from infra.bootstrap import bootstrap
from simulation.calibration import YEAR
from simulation.import_lines import write_simulation
from simulation.simulator import Simulation

GOAL = 0.3
RAW_ROWS = 1_000


@dataclass
class ImportPart:
    families: int
    lines: int
    rows: int
    import_seconds: float
    raw_seconds: float
    batch: int

    import_rate: float = field(init=False)
    raw_rate: float = field(init=False)
    ratio: float = field(init=False)

    def __post_init__(self) -> None:
        self.import_rate = self.rows / self.import_seconds if self.import_seconds else 0.0
        self.raw_rate = self.rows / self.raw_seconds if self.raw_seconds else 0.0
        self.ratio = self.import_rate / self.raw_rate if self.raw_rate else 0.0


def simulated_file(*, families: int, years: float, seed: int) -> tuple[str, int]:
    start = datetime.now(UTC) - years * YEAR - timedelta(days=1)
    simulation = Simulation(seed=seed, start=start)
    app = JourneysApplication(
        {"PERSISTENCE_MODULE": "eventsourcing.popo"},
        clock=simulation.clock,
        new_id=simulation.new_id,
    )
    out = io.StringIO()
    report = write_simulation(out, app, simulation, families=families, years=years)
    return out.getvalue(), report.commands


def run_import(*, families: int, seed: int, batch: int = 500, years: float = 2.0) -> ImportPart:
    text, lines = simulated_file(families=families, years=years, seed=seed)
    with sqlite_stores() as stores, stores.fresh() as source, stores.fresh() as target:
        journeys = bootstrap(source.settings)
        try:
            began = time.perf_counter()
            done = Importer(journeys.app, batch=batch).run(text.splitlines())
            import_seconds = time.perf_counter() - began
            if done.refused:
                raise RuntimeError(f"{len(done.refused)} simulated lines were refused")
            rows = [
                StoredEvent(n.originator_id, n.originator_version, n.topic, n.state)
                for n in stored_notifications(journeys.app)
            ]
        finally:
            journeys.close()
        raw = JourneysApplication(target.env)
        try:
            began = time.perf_counter()
            for start in range(0, len(rows), RAW_ROWS):
                raw.recorder.insert_events(rows[start : start + RAW_ROWS])
            raw_seconds = time.perf_counter() - began
        finally:
            raw.close()
    return ImportPart(families, lines, len(rows), import_seconds, raw_seconds, batch)


def import_table(part: ImportPart) -> str:
    met = "met" if part.ratio >= GOAL else "NOT met"
    return "\n".join(
        [
            "",
            f"Bulk import (SQLite, {part.families} simulated families, {part.lines:,} lines, "
            f"{part.rows:,} stored rows, batches of {part.batch} lines)",
            f"  journeys import   {part.import_rate:>10,.0f} rows/s  ({part.import_seconds:.2f} s)",
            f"  raw insert        {part.raw_rate:>10,.0f} rows/s  ({part.raw_seconds:.2f} s)",
            f"  ratio             {part.ratio:>10.2f}x   (goal >= {GOAL}x: {met})",
        ]
    )
