"""What a simulated family's processes are made of: the command a process yields (`Do`),
the calibrated draws (`Quotas`), what a family holds (people, consents, plans), and
`FamilyBase`, the family's small helpers (who records, when, with which notes) and its
contacts and evidence, which both the main process and an episode make. See
simulation.simulated_family for the processes themselves."""

from __future__ import annotations

import random
from collections.abc import Callable, Generator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from functools import partial
from typing import Any, Protocol, TypeVar
from uuid import UUID

from domain.application import CommandResult
from domain.codes import CodeLists
from domain.commands import Command, CorrectEntry, EvidenceOutcome, RecordContact, RetractEntry
from domain.values import Actor, FieldChange, PersonalData
from simulation import simulation_data as data
from simulation.calibration import Model

T = TypeVar("T")


@dataclass(frozen=True)
class Do:
    """One command of a simulated process: when it occurred, how late it is recorded, and the
    call that makes it (bound to the application, the family and the actor)."""

    occurred_at: datetime
    lag: timedelta
    call: Callable[[], CommandResult]


Steps = Generator[Do, CommandResult, T]
Process = Generator[Do, CommandResult, None]


GOLDEN = 0.6180339887498949


class Quota:
    """Low-discrepancy draws (a Weyl sequence with a seeded offset): over any run of n draws
    each choice comes up within a few draws of its expected share, so small simulations
    still show the calibrated mix."""

    def __init__(self, rng: random.Random) -> None:
        self._u = rng.random()

    def choose(self, weights: Mapping[str, float]) -> str:
        self._u = (self._u + GOLDEN) % 1.0
        point = self._u * sum(weights.values())
        for name, weight in weights.items():
            point -= weight
            if point < 0:
                return name
        return name

    def chance(self, p: float) -> bool:
        return self.choose({"yes": p, "no": 1 - p}) == "yes"


@dataclass
class Quotas:
    """One low-discrepancy stream per calibrated branch point."""

    rng: random.Random
    first_episode: Quota = field(init=False)
    support: Quota = field(init=False)
    plan: Quota = field(init=False)
    closure: Quota = field(init=False)
    step_down: Quota = field(init=False)
    rereferral: Quota = field(init=False)

    def __post_init__(self) -> None:
        for name in ("first_episode", "support", "plan", "closure", "step_down", "rereferral"):
            setattr(self, name, Quota(self.rng))


class Handler(Protocol):
    """What a family's processes need from the application: it handles their commands, and
    has the code lists they choose from."""

    codes: CodeLists

    def handle(self, command: Command) -> CommandResult: ...


class Scheduler(Protocol):
    """What a family's processes need from the simulation that runs them."""

    end: datetime
    model: Model
    quotas: Quotas

    def spawn(self, process: Process) -> None: ...

    def registered(self) -> None: ...


def office_hours(day: datetime, rng: random.Random) -> datetime:
    """A time on a weekday between 9:00 and 17:00 on `day` (or the Monday after)."""
    weekday = day.weekday()
    if weekday >= 5:
        day += timedelta(days=7 - weekday)
    return day.replace(hour=rng.randint(9, 16), minute=rng.randint(0, 59), second=0, microsecond=0)


def pick(rng: random.Random, weights: Mapping[str, float]) -> str:
    return rng.choices(tuple(weights), weights=tuple(weights.values()))[0]


@dataclass
class Person:
    member_id: UUID
    relationship: str
    send: bool
    personal: PersonalData
    stays: bool  # still a member at the end of the simulation (so contacts may name them)


@dataclass
class Consent:
    consent_id: UUID
    agencies: tuple[str, ...]
    purposes: tuple[str, ...]
    in_force: bool = True

    def covers(self, agency: str, purpose: str) -> bool:
        return self.in_force and agency in self.agencies and purpose in self.purposes


@dataclass
class Plan:
    plan_id: UUID
    outcomes: list[tuple[UUID, str, date]]  # outcome id, headline outcome, target date
    owners: tuple[str, ...]


@dataclass
class Casework:
    """An open episode's plan as its lead practitioner knows it, and how it will end."""

    lead: Actor
    plan: Plan
    agreed: datetime
    ending: str


class FamilyBase:
    """One family's processes. The main process walks its episodes; see the module docstring."""

    def __init__(self, sim: Scheduler, app: Handler, rng: random.Random, arrival: datetime) -> None:
        self.sim = sim
        self.app = app
        self.rng = rng
        self.arrival = arrival
        self.area = pick(rng, data.AREAS)
        self.family_name = rng.choice(data.FAMILY_NAMES)
        self.address = f"{rng.randint(1, 180)} {rng.choice(data.STREETS)}, {self.area.title()}"
        self.front_door = self.practitioner("early_help")
        self.family_id = UUID(int=0)
        self.people: list[Person] = []
        self.consents: list[Consent] = []

    # -- small helpers -------------------------------------------------------------------

    def practitioner(self, agency: str, role: str = "practitioner") -> Actor:
        short = agency.replace("_", "-")
        return Actor(
            f"{short}-{self.area.replace('_', '-')}-{self.rng.randint(1, 9):02d}", role, agency
        )

    def later(self, at: datetime, low: int, high: int) -> datetime:
        """Some whole days after `at` (in office hours), or an hour or so later the same day."""
        days = self.rng.randint(low, high)
        if days == 0:
            return at + timedelta(minutes=self.rng.randint(10, 90))
        return office_hours(at + timedelta(days=days), self.rng)

    def lag(self) -> timedelta:
        """How long after it happened an entry is recorded: mostly the same day, up to 14 days."""
        draw = self.rng.random()
        if draw < 0.65:
            return timedelta(minutes=self.rng.randint(5, 360))
        if draw < 0.87:
            return timedelta(days=self.rng.randint(1, 3), minutes=self.rng.randint(0, 480))
        return timedelta(days=self.rng.randint(4, 13), minutes=self.rng.randint(0, 480))

    def do(
        self,
        at: datetime,
        command: Callable[..., Command],
        *,
        actor: Actor,
        stated_at: datetime | None = None,
        **kwargs: Any,
    ) -> Do:
        """A command for what happened at `at`, recorded a little later; `stated_at` is the
        (wrong) time the practitioner gives, when it is not `at`."""
        occurred_at = stated_at or at
        made = partial(
            command, family_id=self.family_id, actor=actor, occurred_at=occurred_at, **kwargs
        )
        return Do(at, self.lag(), lambda: self.app.handle(made()))

    def child_name(self) -> str:
        children = [p for p in self.people if p.relationship == "child"]
        name = self.rng.choice(children).personal.given_name if children else None
        return name or "the child"

    def notes(self, chance: float) -> PersonalData | None:
        if self.rng.random() >= chance:
            return None
        return PersonalData(notes=self.rng.choice(data.NOTES).format(name=self.child_name()))

    def named_members(self) -> tuple[UUID, ...]:
        staying = [p.member_id for p in self.people if p.stays]
        return tuple(self.rng.sample(staying, self.rng.randint(0, min(2, len(staying)))))

    def consent_for(self, agency: str, purpose: str) -> bool:
        return any(c.covers(agency, purpose) for c in self.consents)

    def spawn(
        self,
        at: datetime,
        command: Callable[..., Command],
        *,
        actor: Actor | None = None,
        **kwargs: Any,
    ) -> None:
        """Start a side process of one command (a correction, a retraction, a member change)."""

        def one() -> Process:
            yield self.do(at, command, actor=actor or self.front_door, **kwargs)

        self.sim.spawn(one())

    def correct_later(
        self, at: datetime, actor: Actor, entry_id: UUID, *, reason: str, change: FieldChange
    ) -> None:
        """Put right one field of an entry recorded wrongly (a side process)."""
        self.spawn(
            at, CorrectEntry, actor=actor, target_entry_id=entry_id, reason=reason,
            changes=(change,),
        )  # fmt: skip

    def retract_later(self, at: datetime, actor: Actor, entry_id: UUID, *, reason: str) -> None:
        """Retract an entry recorded in error (a side process)."""
        self.spawn(at, RetractEntry, actor=actor, target_entry_id=entry_id, reason=reason)

    # -- contacts and evidence ----------------------------------------------------------

    def contact(
        self, at: datetime, agency: str, *, reason: str, actor: Actor | None = None
    ) -> Steps[None]:
        """A contact; a few are recorded with a wrong code or date (then corrected), in error
        (then retracted) or twice (the duplicate retracted)."""
        actor = actor or self.practitioner(agency)
        fix = self.rng.random()
        stated_agency, stated_at = agency, at
        if fix < 0.02:
            stated_agency = self.rng.choice([a for a in data.CONTACT_AGENCIES if a != agency])
        elif fix < 0.035:
            stated_at = at - timedelta(days=self.rng.randint(1, 20))
        kwargs: dict[str, Any] = {
            "channel": pick(self.rng, data.CHANNELS),
            "reason": reason,
            "member_ids": self.named_members(),
            "personal": self.notes(0.3),
        }
        # Recorded after it happened, under a wrong date: the correction puts it right (a
        # date after the day it was recorded could not be right).
        result = yield self.do(
            at, RecordContact, actor=actor, agency=stated_agency, stated_at=stated_at, **kwargs
        )
        entry_id = result.ids["entry_id"]
        fixed_at = self.later(at, 1, 14)
        if fix < 0.02:
            change = FieldChange("agency", agency)
            self.correct_later(fixed_at, actor, entry_id, reason="wrong_code", change=change)
        elif fix < 0.035:
            change = FieldChange("occurred_at", at.isoformat())
            self.correct_later(fixed_at, actor, entry_id, reason="wrong_date", change=change)
        elif fix < 0.05:
            why = self.rng.choice(("recorded_in_error", "wrong_family"))
            self.retract_later(fixed_at, actor, entry_id, reason=why)
        elif fix < 0.06:
            again = partial(RecordContact, agency=agency, **kwargs)
            twice = yield self.do(at + timedelta(minutes=2), again, actor=actor)
            self.retract_later(fixed_at, actor, twice.ids["entry_id"], reason="duplicate")

    def evidence(self, at: datetime, headline: str, *, good: bool, since: datetime) -> Steps[None]:
        """Outcome evidence for a headline outcome over [since, at], if it has a measure."""
        if headline not in data.EVIDENCE:
            return
        measure, sources = data.EVIDENCE[headline]
        source = self.rng.choice(sources)
        value = self.measured(measure, good=good)
        wrong = self.rng.random() < 0.02
        stated = self.measured(measure, good=not good) if wrong else value
        actor = self.practitioner(source if source != "family" else "early_help")
        result = yield self.do(
            at,
            EvidenceOutcome,
            actor=actor,
            headline_outcome=headline,
            measure=measure,
            value=stated,
            period_start=since.date(),
            period_end=at.date(),
            source=source,
        )
        if wrong and stated != value:
            entry_id = result.ids["entry_id"]
            change = FieldChange("value", str(value))
            fixed_at = self.later(at, 1, 20)
            self.correct_later(fixed_at, actor, entry_id, reason="wrong_detail", change=change)

    def measured(self, measure: str, *, good: bool) -> Decimal:
        if measure == "attendance_percent":
            low, high = (91.0, 99.5) if good else (55.0, 88.9)
            return Decimal(f"{self.rng.uniform(low, high):.1f}")
        if measure in data.COUNT_MEASURES:
            return Decimal(0 if good else self.rng.randint(1, data.COUNT_MEASURES[measure]))
        return Decimal(1 if good else 0)

    def follow_ups(self, closed_at: datetime, headlines: Sequence[str], *, held: bool) -> Process:
        """Evidence 6 and 12 months after closure: does the outcome still hold?"""
        since = closed_at
        for months in (6, 12):
            at = office_hours(closed_at + timedelta(days=round(months * 30.44)), self.rng)
            for headline in headlines:
                good = self.rng.random() < (0.85 if held else 0.35)
                yield from self.evidence(at, headline, good=good, since=since)
            since = at
