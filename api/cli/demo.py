"""`journeys demo`: a seeded simulation loaded into an empty store through the application's
commands, then the calibration it reached, measured from the store."""

from __future__ import annotations

import math
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from api.cli.common import fail, load_settings, opened
from domain.application import JourneysApplication
from infra.bootstrap import Journeys
from simulation.calibration import WARM_UP, YEAR, kent_targets, measure
from simulation.import_lines import write_simulation
from simulation.simulator import Simulation, SimulationProgress, SimulationReport


def demo_period(years: float, *, today: date) -> tuple[datetime, datetime]:
    """The simulated world's first instant and its last: it ends as `today` begins (UTC),
    so its open cases are current and nothing is dated later than the day it is loaded."""
    end = datetime(today.year, today.month, today.day, tzinfo=UTC)
    return end - years * YEAR, end


def demo(
    *,
    families: Annotated[int, typer.Option(help="Families registered over the years.", min=1)] = 300,
    seed: Annotated[int, typer.Option(help="The same seed gives the same data.")] = 7,
    years: Annotated[float, typer.Option(help="Years of journeys.", min=0.1, max=20)] = 4.0,
    today: Annotated[
        datetime | None,
        typer.Option(
            formats=["%Y-%m-%d"],
            help="The day the demo is loaded on (UTC): the simulated years end as it begins. "
            "Default: today.",
        ),
    ] = None,
    if_empty: Annotated[
        bool, typer.Option("--if-empty", help="Do nothing if the store already has events.")
    ] = False,
    write_import: Annotated[
        Path | None,
        typer.Option(
            help="Write the simulated commands to this file, for `journeys import`, "
            "instead of loading them into the store."
        ),
    ] = None,
) -> None:
    """Load a realistic synthetic demo data set (through the application's commands)."""
    now = datetime.now(UTC).date()
    day = today.date() if today else now
    if day > now:
        fail(f"--today {day} is in the future: the demo would hold entries not yet made")
    began, end = demo_period(years, today=day)
    simulation = Simulation(seed=seed, start=began)
    if write_import is not None:
        write_file(write_import, simulation, families=families, years=years)
        return
    settings = load_settings()
    with opened(settings, clock=simulation.clock, new_id=simulation.new_id) as journeys:
        stored = journeys.app.position()
        if stored and if_empty:
            [last] = journeys.app.recorder.select_notifications(start=stored, limit=1)
            event: Any = journeys.app.mapper.to_domain_event(last)
            recorded = event.timestamp.date()
            typer.echo(
                f"Demo data is already loaded: {stored} events in {settings.store_description()}; "
                f"its last entry was recorded on {recorded}."
            )
            return
        if stored:
            fail(
                f"{settings.store_description()} already holds {stored} events; the demo loads "
                "into an empty store (use --if-empty, or another JOURNEYS_SQLITE_PATH)",
                code=1,
            )
        console = Console()
        console.print(
            f"Simulating {families} families over {years:g} years from {began.date()} to "
            f"{end.date()} (seed {seed}) into {settings.store_description()}"
        )
        with Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("days"),
            TimeElapsedColumn(),
            console=console,
        ) as bar:
            task = bar.add_task("families 0, events 0", total=math.ceil(years * 365.25))

            def show(progress: SimulationProgress) -> None:
                description = f"families {progress.families}, events {progress.commands}"
                bar.update(
                    task, completed=progress.day, total=progress.days, description=description
                )

            report = simulation.run(journeys.app, families=families, years=years, progress=show)
        summarise(console, journeys, report)


def write_file(path: Path, simulation: Simulation, *, families: int, years: float) -> None:
    """The simulation run on an application in memory, each command written as a line."""
    app = JourneysApplication(
        {"PERSISTENCE_MODULE": "eventsourcing.popo"},
        clock=simulation.clock,
        new_id=simulation.new_id,
    )
    try:
        with path.open("w", encoding="utf-8") as out:
            report = write_simulation(out, app, simulation, families=families, years=years)
    except OSError as error:
        fail(f"cannot write {path.name}: {type(error).__name__}")
    typer.echo(f"Wrote {report.commands} commands of {report.families} families to {path.name}")


def summarise(console: Console, journeys: Journeys, report: SimulationReport) -> None:
    rate = report.commands / report.seconds if report.seconds else 0.0
    console.print(
        f"Loaded {report.families} families and {report.commands} events "
        f"(positions {report.first_position}-{report.last_position}) in {report.seconds:.1f} s "
        f"({rate:,.0f} events/s). Kent size {report.size:.3f}."
    )
    settled = report.end - report.start > WARM_UP + YEAR / 2
    since = report.start + WARM_UP if settled else None
    measured = measure(journeys.app, since=since)
    figures = measured.figures
    target = kent_targets(report.size, figures.years)
    title = f"Calibration, measured from the store, after {WARM_UP / YEAR:g} years' warm-up"
    table = Table(title=title if settled else "Calibration, measured from the store")
    for column in ("figure", "per year", "Kent, scaled", "ratio", "Kent ratio"):
        table.add_column(column, justify="left" if column == "figure" else "right")
    per_year, target_per_year = figures.per_year(), target.per_year()
    ratios, target_ratios = figures.ratios(), target.ratios()
    rows = [
        ("assessments completed", "assessments_completed", None),
        ("plans closed", "plans_closed", "plans_closed / assessments"),
        ("outcomes achieved", "outcomes_met", "outcomes_met / plans_closed"),
        ("escalated (accepted by social care)", "escalated", "escalated / plans_closed"),
        ("stepped down", "stepped_down", "stepped_down / assessments"),
    ]
    for label, name, ratio in rows:
        table.add_row(
            label,
            f"{getattr(per_year, name):.1f}",
            f"{getattr(target_per_year, name):.1f}",
            f"{ratios[ratio]:.3f}" if ratio else "",
            f"{target_ratios[ratio]:.3f}" if ratio else "",
        )
    table.add_row(
        f"re-referrals within 12 months ({measured.rereferrals} of {measured.requests})",
        "",
        "",
        f"{figures.rereferral_rate:.3f}",
        f"{target.rereferral_rate:.3f}",
    )
    console.print(table)
