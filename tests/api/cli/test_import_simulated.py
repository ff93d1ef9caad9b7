"""A simulation written as an import file (`journeys demo --write-import`) gives, imported,
the families the simulation makes directly; an import killed midway, run again, gives
exactly the whole file once."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from datetime import date
from pathlib import Path

from api.cli.demo import demo_period
from domain.application import JourneysApplication
from simulation.simulator import Simulation
from tests.api.cli.test_import import events_per_family
from tests.support.cli import run

TODAY = "2025-06-01"
ROOT = Path(__file__).parents[3]


def simulated_directly(seed: int, families: int, years: float) -> list[list[str]]:
    began, _ = demo_period(years, today=date.fromisoformat(TODAY))
    simulation = Simulation(seed=seed, start=began)
    app = JourneysApplication(
        {"PERSISTENCE_MODULE": "eventsourcing.popo"},
        clock=simulation.clock,
        new_id=simulation.new_id,
    )
    simulation.run(app, families=families, years=years)
    return [
        [type(event).__name__ for event in app.family_events(family_id)]
        for family_id in app.iter_family_ids()
    ]


def write(env: dict[str, str], file: Path, seed: int, families: int, years: float) -> None:
    code, out, _ = run(
        env, "demo", "--write-import", str(file), "--seed", str(seed),
        "--families", str(families), "--years", str(years), "--today", TODAY,
    )  # fmt: skip
    assert code == 0, out


def test_an_imported_simulation_has_the_families_of_the_simulation(
    env: dict[str, str], tmp_path: Path
) -> None:
    file = tmp_path / "simulated.jsonl"
    write(env, file, seed=11, families=8, years=1.5)

    code, out, _ = run(env, "import", str(file))

    assert code == 0, out
    imported = list(events_per_family(env).values())
    direct = simulated_directly(11, 8, 1.5)
    assert imported == direct  # the same families, in the same order, entry by entry
    assert Counter(e for events in imported for e in events)["ContactRecorded"] > 8


def store_rows(path: Path) -> int:
    try:
        with sqlite3.connect(path) as db:
            tables = [r[0] for r in db.execute("select name from sqlite_master")]
            if "stored_events" not in tables:
                return 0
            return int(db.execute("select count(*) from stored_events").fetchone()[0])
    except sqlite3.OperationalError:  # the importer holds the lock just now
        return 0


def test_an_import_killed_midway_then_run_again_applies_every_line_once(
    env: dict[str, str], tmp_path: Path
) -> None:
    file = tmp_path / "simulated.jsonl"
    write(env, file, seed=5, families=30, years=2)
    lines = len(file.read_text().splitlines())
    clean = {**env, "JOURNEYS_SQLITE_PATH": str(tmp_path / "clean.sqlite")}
    assert run(clean, "import", str(file))[0] == 0
    whole = events_per_family(clean)

    store = Path(env["JOURNEYS_SQLITE_PATH"])
    command = [sys.executable, "-m", "api.cli", "import", str(file), "--batch", "5"]
    process = subprocess.Popen(
        command, env={**os.environ, **env, "PYTHONPATH": str(ROOT)}, cwd=ROOT,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    deadline = time.monotonic() + 60
    while store_rows(store) < 50 and time.monotonic() < deadline and process.poll() is None:
        time.sleep(0.02)
    process.send_signal(signal.SIGKILL)
    process.wait()
    assert process.returncode == -signal.SIGKILL, "the import ended before it was killed"

    code, out, _ = run(env, "import", str(file))

    assert code == 0, out
    applied, before = (int(out.split()[0]), int(out.split(", ")[1].split()[0]))
    assert before > 0
    assert applied > 0
    assert applied + before == lines
    assert events_per_family(env) == whole
