"""A realistic, repeatable simulation of families' journeys, driven through the application
service's public commands only: it never writes rows.

`Simulation(seed=, start=)` owns a simulated clock and a seeded id source; bootstrap the
application with both, then run it:

    simulation = Simulation(seed=7, start=datetime(2022, 4, 1, tzinfo=UTC))
    journeys = bootstrap(settings, clock=simulation.clock, new_id=simulation.new_id)
    report = simulation.run(journeys.app, families=300, years=4)

Families arrive (are registered) evenly over the years; each one's journey is a few processes
of commands (simulation.simulated_family). One queue over simulated *recorded* time runs the
commands of all families, with the clock set to each command's recorded time, so the store's
order is recorded_at order and late recording (occurred up to 14 days earlier) is real. It
ends by the real now at the latest (`journeys demo` ends it as the day it is loaded begins),
so nothing it records is dated in the future. The
same seed gives the same events, ids and times; see simulation.calibration for what it is
calibrated to, and how that is measured from the store.
"""

from __future__ import annotations

import heapq
import itertools
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import partial
from uuid import UUID

from domain.application import CommandResult, JourneysApplication
from domain.commands import Command
from domain.errors import JourneysError
from simulation.calibration import MODEL, YEAR, Model
from simulation.family_base import Do, Handler, Process, Quotas, office_hours
from simulation.simulated_family import FamilyJourney


class SimulationError(Exception):
    """The application refused a simulated command: a bug of the simulator (or the domain)."""


@dataclass(frozen=True)
class SimulationProgress:
    """Where a running simulation is, for progress bars."""

    day: int
    days: int
    families: int
    commands: int


@dataclass(frozen=True)
class SimulationReport:
    seed: int
    start: datetime
    end: datetime
    families: int
    commands: int
    first_position: int
    last_position: int
    size: float
    seconds: float


class Simulation:
    """A seeded simulation: its clock and id source feed the application; `run` drives it."""

    def __init__(self, *, seed: int, start: datetime, model: Model = MODEL) -> None:
        if start.tzinfo is None:
            raise ValueError("give the start a time zone, e.g. UTC")
        self.seed = seed
        self.start = start
        self.end = start
        self.now = start
        self.model = model
        self._ids = random.Random(f"journeys-ids:{seed}")
        self.quotas = Quotas(random.Random(f"journeys-quotas:{seed}"))
        self._queue: list[tuple[datetime, int, Process, Do]] = []
        self._order = itertools.count()
        self.families = 0
        self.commands = 0

    def clock(self) -> datetime:
        return self.now

    def new_id(self) -> UUID:
        return UUID(int=self._ids.getrandbits(128), version=4)

    def registered(self) -> None:
        self.families += 1

    def spawn(self, process: Process) -> None:
        """Start a process: its first command joins the queue."""
        self._schedule(process, next(process, None))

    def _schedule(self, process: Process, step: Do | None) -> None:
        if step is None:
            return
        if step.occurred_at > self.end:
            process.close()
            return
        # A process records in the order it yields, and nothing is recorded in the past.
        recorded = max(step.occurred_at + step.lag, self.now)
        heapq.heappush(self._queue, (recorded, next(self._order), process, step))

    def run(
        self,
        app: JourneysApplication,
        *,
        families: int,
        years: float,
        progress: Callable[[SimulationProgress], None] | None = None,
        record: Callable[[Command, CommandResult], None] | None = None,
    ) -> SimulationReport:
        """Simulate `families` families arriving evenly over `years` years from the start;
        `record`, if given, is told every command sent and its result."""
        if app.clock != self.clock or app.new_id != self.new_id:
            raise ValueError("bootstrap the application with this simulation's clock and new_id")
        if self.commands:
            raise ValueError("a simulation runs once; make a new one (with a new application)")
        if self.start + years * YEAR > datetime.now(UTC):
            raise ValueError(
                f"a simulation from {self.start.date()} over {years:g} years would end in the "
                "future: its entries would be dated later than the day they are loaded"
            )
        began = time.perf_counter()
        first_position = app.position() + 1
        self.end = self.start + years * YEAR
        # Arrivals end a few days early, so that weekend arrivals moved to Monday still count.
        spacing = (self.end - self.start - timedelta(days=3)) / max(families, 1)
        for index in range(families):
            rng = random.Random(f"journeys-family:{self.seed}:{index}")
            arrival = office_hours(self.start + spacing * (index + rng.random()), rng)
            handler: Handler = app if record is None else Recording(app, record)
            self.spawn(FamilyJourney(self, handler, rng, arrival).main())
        days = (self.end - self.start).days
        day = -1
        while self._queue:
            recorded, _, process, step = heapq.heappop(self._queue)
            if recorded > self.end:
                break
            self.now = recorded
            try:
                result = step.call()
            except JourneysError as error:
                raise SimulationError(f"{describe(step)} at {recorded}: {error}") from error
            self.commands += 1
            self._schedule(process, next_step(process, result))
            if progress is not None and (recorded - self.start).days != day:
                day = (recorded - self.start).days
                progress(SimulationProgress(day, days, self.families, self.commands))
        self._queue.clear()
        if progress is not None:
            progress(SimulationProgress(days, days, self.families, self.commands))
        return SimulationReport(
            seed=self.seed,
            start=self.start,
            end=self.end,
            families=self.families,
            commands=self.commands,
            first_position=first_position,
            last_position=app.position(),
            size=self.model.size_of(families=families, years=years),
            seconds=time.perf_counter() - began,
        )


class Recording:
    """The application, telling `record` of every command it handles."""

    def __init__(
        self, app: JourneysApplication, record: Callable[[Command, CommandResult], None]
    ) -> None:
        self.app = app
        self.codes = app.codes
        self.record = record

    def handle(self, command: Command) -> CommandResult:
        result = self.app.handle(command)
        self.record(command, result)
        return result


def next_step(process: Process, result: CommandResult) -> Do | None:
    try:
        return process.send(result)
    except StopIteration:
        return None


def describe(step: Do) -> str:
    call = step.call
    name = getattr(getattr(call, "func", call), "__name__", "command")
    family = call.args[0] if isinstance(call, partial) and call.args else "a new family"
    return f"simulated {name} for {family} (occurred {step.occurred_at})"
