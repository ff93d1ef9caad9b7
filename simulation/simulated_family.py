"""One simulated family's journey over the years, as processes of commands.

A process is a generator that yields one command at a time (`Do`: when it occurred, how late
it is recorded, the call) and receives the command's result (the new ids). A family has a
main process that walks its episodes (request or step-down, support decision, lead
practitioner, consent, assessment, plan, reviews about every six weeks, revisions, lead
changes, information sharing, escalations, closure, re-referral) and side processes for
background contacts, members joining and leaving, follow-up evidence 6 and 12 months after
closure, and corrections and retractions of entries recorded wrongly.

Each family draws its times, codes and people from its own seeded generator; the branch
points that are calibrated to Kent (see simulation.calibration) come from the scheduler's shared
`Quotas`. Personal details are synthetic, made from small lists of obviously invented names
and streets, and only ever travel in PersonalData.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Generator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from decimal import Decimal
from functools import partial
from typing import Any, Protocol, TypeVar
from uuid import UUID

from domain.application import CommandResult, JourneysApplication, NewAction, NewOutcome
from domain.values import Actor, FieldChange, OutcomeProgress, OutcomeStatus, PersonalData
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


class FamilyJourney:
    """One family's processes. The main process walks its episodes; see the module docstring."""

    def __init__(
        self, sim: Scheduler, app: JourneysApplication, rng: random.Random, arrival: datetime
    ) -> None:
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
        method: Callable[..., CommandResult],
        *,
        actor: Actor,
        stated_at: datetime | None = None,
        **kwargs: Any,
    ) -> Do:
        """A command for what happened at `at`, recorded a little later; `stated_at` is the
        (wrong) time the practitioner gives, when it is not `at`."""
        occurred_at = stated_at or at
        call = partial(method, self.family_id, actor=actor, occurred_at=occurred_at, **kwargs)
        return Do(at, self.lag(), call)

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
        method: Callable[..., CommandResult],
        *,
        actor: Actor | None = None,
        **kwargs: Any,
    ) -> None:
        """Start a side process of one command (a correction, a retraction, a member change)."""

        def one() -> Process:
            yield self.do(at, method, actor=actor or self.front_door, **kwargs)

        self.sim.spawn(one())

    def correct_later(
        self, at: datetime, actor: Actor, entry_id: UUID, *, reason: str, change: FieldChange
    ) -> None:
        """Put right one field of an entry recorded wrongly (a side process)."""
        self.spawn(
            at, self.app.correct_entry, actor=actor, target_entry_id=entry_id, reason=reason,
            changes=(change,),
        )  # fmt: skip

    def retract_later(self, at: datetime, actor: Actor, entry_id: UUID, *, reason: str) -> None:
        """Retract an entry recorded in error (a side process)."""
        self.spawn(at, self.app.retract_entry, actor=actor, target_entry_id=entry_id, reason=reason)

    # -- the household -------------------------------------------------------------------

    def person(self, relationship: str, age: int, on: date) -> tuple[str, bool, PersonalData]:
        born = on - timedelta(days=int(age * 365.25) + self.rng.randint(0, 364))
        send = relationship == "child" and self.rng.random() < 0.15
        family_name = self.family_name
        if relationship != "child" and self.rng.random() < 0.3:
            family_name = self.rng.choice(data.FAMILY_NAMES)
        personal = PersonalData(
            given_name=self.rng.choice(data.GIVEN_NAMES),
            family_name=family_name,
            date_of_birth=born,
            address=self.address,
        )
        return relationship, send, personal

    def household(self, on: date) -> tuple[tuple[str, bool, PersonalData], ...]:
        adults = [self.person("parent_carer", self.rng.randint(20, 50), on)]
        if self.rng.random() < 0.55:
            second = "parent_carer" if self.rng.random() < 0.9 else "other_adult"
            adults.append(self.person(second, self.rng.randint(20, 55), on))
        count = self.rng.choices((1, 2, 3), weights=(40, 35, 25))[0]
        children = [self.person("child", self.rng.randint(0, 17), on) for _ in range(count)]
        return (*adults, *children)

    def register(self, at: datetime) -> Steps[CommandResult]:
        members = self.household(at.date())
        call = partial(
            self.app.register_family,
            actor=self.front_door,
            occurred_at=at,
            area=self.area,
            members=members,
        )
        result = yield Do(at, self.lag(), call)
        self.family_id = result.family_id
        self.sim.registered()
        for n, (relationship, send, personal) in enumerate(members):
            member_id = result.ids[f"member_id_{n}"]
            self.people.append(Person(member_id, relationship, send, personal, stays=True))
        return result

    def member_changes(self, registered: CommandResult, at: datetime) -> None:
        """Children grow up and leave, a second adult may move out, a baby may arrive, and a
        name may have been misspelt at registration."""
        for n, person in enumerate(self.people):
            born = person.personal.date_of_birth
            assert born is not None
            if person.relationship == "child":
                limit = 25 if person.send else 19
                leaves = datetime(
                    born.year + limit, born.month, min(born.day, 28), tzinfo=at.tzinfo
                )
                if leaves <= self.sim.end:
                    person.stays = False
                    when = office_hours(max(leaves, at + timedelta(days=1)), self.rng)
                    self.spawn(
                        when,
                        self.app.remove_member,
                        member_id=person.member_id,
                        reason="turned_adult",
                    )
            elif n == 1 and self.rng.random() < 0.08:
                person.stays = False
                self.spawn(
                    self.later(at, 60, 1000),
                    self.app.remove_member,
                    member_id=person.member_id,
                    reason="moved_out",
                )
        if self.rng.random() < 0.06:
            born_on = self.later(at, 60, 1000)
            baby = PersonalData(
                given_name=self.rng.choice(data.GIVEN_NAMES),
                family_name=self.family_name,
                date_of_birth=born_on.date(),
                address=self.address,
            )
            self.spawn(
                born_on, self.app.add_member, relationship="child", send=False, personal=baby
            )
        if self.rng.random() < 0.03:
            # A child's name was recorded wrongly at registration, and is put right.
            n, person = next((n, p) for n, p in enumerate(self.people) if p.relationship == "child")
            others = [g for g in data.GIVEN_NAMES if g != person.personal.given_name]
            person.personal = replace(person.personal, given_name=self.rng.choice(others))
            self.spawn(
                self.later(at, 1, 30),
                self.app.correct_entry,
                target_entry_id=registered.ids["entry_id"],
                reason="wrong_detail",
                member_id=person.member_id,
                personal=person.personal,
            )

    # -- processes -----------------------------------------------------------------------

    def main(self) -> Process:
        at = self.arrival
        registered = yield from self.register(at)
        self.member_changes(registered, at)  # first: it marks who leaves before the end
        self.sim.spawn(self.background(at))
        model = self.sim.model
        first = self.sim.quotas.first_episode.choose(
            {
                "contacts_only": model.contact_only,
                "step_down": model.first_step_down,
                "request": 1 - model.contact_only - model.first_step_down,
            }
        )
        if first == "contacts_only":
            return
        origin = first
        at = self.later(at, 7, 90) if origin == "request" else self.later(at, 0, 30)
        while True:
            at, reason = yield from self.episode(at, origin)
            if reason == "step_up":
                if not self.sim.quotas.step_down.chance(model.step_down_after_step_up):
                    return
                at, origin = self.later(at, 90, 270), "step_down"
                continue
            if reason == "moved_away":
                return
            within = model.rereferral_within_year
            again = self.sim.quotas.rereferral.choose(
                {
                    "within_a_year": within,
                    "later": (1 - within) * model.rereferral_later,
                    "no": (1 - within) * (1 - model.rereferral_later),
                }
            )
            if again == "no":
                return
            if again == "within_a_year":  # sooner more often than later
                days = round(self.rng.triangular(21, 340, 40))
                at = self.later(at, days, days)
            else:
                at = self.later(at, 380, 800)
            origin = "request"

    def background(self, at: datetime) -> Process:
        """Contacts from many services, in and out of episodes, about three a year."""
        while True:
            at = self.later(at, 10, 240)
            agency = pick(self.rng, data.CONTACT_AGENCIES)
            yield from self.contact(at, agency, reason=pick(self.rng, data.BACKGROUND_REASONS))

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
            at,
            self.app.record_contact,
            actor=actor,
            agency=stated_agency,
            stated_at=stated_at,
            **kwargs,
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
            again = partial(self.app.record_contact, agency=agency, **kwargs)
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
            self.app.evidence_outcome,
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

    # -- an episode ----------------------------------------------------------------------

    def episode(self, at: datetime, origin: str) -> Steps[tuple[datetime, str]]:
        """One episode from its request (or step-down) to its closure: (closed at, reason)."""
        app, model = self.app, self.sim.model
        if origin == "request":
            source = pick(self.rng, data.REFERRAL_SOURCES)
            wrong = self.rng.random() < 0.03
            stated = (
                self.rng.choice([s for s in data.REFERRAL_SOURCES if s != source])
                if wrong
                else source
            )
            result = yield self.do(
                at,
                app.request_support,
                actor=self.front_door,
                source=stated,
                personal=self.notes(0.5),
            )
            if wrong:
                entry_id = result.ids["entry_id"]
                fixed_at = self.later(at, 1, 20)
                change = FieldChange("source", source)
                self.correct_later(
                    fixed_at, self.front_door, entry_id, reason="wrong_code", change=change
                )
        else:
            yield self.do(at, app.step_down, actor=self.front_door)
        opened = at
        at = self.later(at, 1, 14)
        declined = self.sim.quotas.support.chance(model.declined[origin])
        yield self.do(at, app.decide_support, actor=self.front_door, agreed=not declined)
        if declined:
            at = self.later(at, 0, 7)
            yield self.do(at, app.close_episode, actor=self.front_door, reason="family_declined")
            return at, "family_declined"

        lead = self.practitioner(pick(self.rng, data.LEAD_AGENCIES), "lead_practitioner")
        at = self.later(at, 0, 7)
        yield self.do(
            at,
            app.assign_lead_practitioner,
            actor=self.front_door,
            practitioner_id=lead.user_id,
            agency=lead.agency,
        )
        if self.rng.random() < (0.7 if not any(c.in_force for c in self.consents) else 0.2):
            at = self.later(at, 0, 3)
            yield from self.give_consent(at, lead)

        at = self.later(at, 0, 10)
        started = yield self.do(at, app.start_assessment, actor=lead)
        for _ in range(self.rng.randint(1, 2)):
            at = self.later(at, 2, 10)
            yield from self.contact(at, lead.agency, reason="check_in", actor=lead)
        if self.rng.random() < 0.5:
            at = self.later(at, 1, 7)
            yield from self.share(
                at, lead, self.rng.choice(("school", "health_visiting", "gp")), purpose="assessment"
            )

        planned = not self.sim.quotas.plan.chance(model.no_plan)
        ending = self.sim.quotas.closure.choose(model.plan_closure) if planned else "no_plan"
        needs = self.needs()
        level = self.level_of_need(ending, origin)
        strengths = tuple(self.rng.sample([n for n in data.NEEDS if n not in needs], 2))
        factors = tuple(dict.fromkeys(self.rng.choice(data.FACTORS[n]) for n in needs))
        at = self.later(at, 10, 35)
        yield self.do(
            at,
            app.complete_assessment,
            actor=lead,
            assessment_id=started.ids["assessment_id"],
            level_of_need=level,
            needs=needs,
            strengths=strengths,
            factors=factors,
            personal=self.notes(0.6),
        )
        for headline in needs:
            yield from self.evidence(at, headline, good=False, since=opened - timedelta(days=90))
        if not planned:
            at = self.later(at, 1, 14)
            reason = "universal_services" if level == "universal" else "no_further_action"
            yield self.do(at, app.close_episode, actor=lead, reason=reason)
            return at, reason
        return (yield from self.plan_phase(at, lead, needs, ending))

    def needs(self) -> tuple[str, ...]:
        count = self.rng.choices((1, 2, 3, 4), weights=(25, 35, 25, 15))[0]
        chosen: list[str] = []
        while len(chosen) < count:
            need = pick(self.rng, data.NEEDS)
            if need not in chosen:
                chosen.append(need)
        return tuple(chosen)

    def level_of_need(self, ending: str, origin: str) -> str:
        if ending == "step_up" or origin == "step_down":
            return pick(self.rng, {"partnership_plus": 65, "statutory": 35})
        if ending == "no_plan":
            return pick(self.rng, {"universal": 50, "universal_plus": 50})
        return pick(
            self.rng, {"universal_plus": 45, "partnership_plus": 48, "statutory": 4, "universal": 3}
        )

    def give_consent(self, at: datetime, lead: Actor) -> Steps[None]:
        agencies = tuple(self.rng.sample(data.CONSENT_AGENCIES, self.rng.randint(2, 4)))
        purposes = ["coordinating_support", "assessment", "plan_delivery"]
        purposes = self.rng.sample(purposes, self.rng.randint(1, 3))
        if "children_social_care" in agencies and self.rng.random() < 0.6:
            purposes.append("escalation")
        adult = self.people[0].member_id
        result = yield self.do(
            at,
            self.app.give_consent,
            actor=lead,
            given_by=adult,
            agencies=agencies,
            purposes=tuple(purposes),
        )
        self.consents.append(Consent(result.ids["consent_id"], agencies, tuple(purposes)))

    def share(self, at: datetime, lead: Actor, agency: str, *, purpose: str) -> Steps[None]:
        """Share information: on consent when it covers the agency and purpose, otherwise on
        safeguarding grounds (police, social care) or as a public task."""
        if self.consent_for(agency, purpose):
            basis = "consent"
        elif agency in ("police", "children_social_care"):
            basis, purpose = "safeguarding", "safeguarding"
        else:
            basis = "public_task"
        categories = data.CATEGORIES.get(agency, ("contact_details", "coordination", "plan"))
        yield self.do(
            at,
            self.app.share_information,
            actor=lead,
            with_agency=agency,
            categories=categories,
            purpose=purpose,
            lawful_basis=basis,
            personal=self.notes(0.2),
        )

    def plan_phase(
        self, at: datetime, lead: Actor, needs: tuple[str, ...], ending: str
    ) -> Steps[tuple[datetime, str]]:
        """From the plan to the closure: reviews about every six weeks (a quarter of them
        late), work in between, and the ending drawn for this plan."""
        rng = self.rng
        at = self.later(at, 3, 21)
        work = yield from self.agree_plan(at, lead, needs, ending)
        reviews = rng.randint(1, 3) if ending == "step_up" else rng.randint(2, 6)
        decisions = ["continue"] * (reviews - 1) + [data.FINAL_DECISIONS.get(ending, "close")]
        if reviews > 1 and rng.random() < 0.2:
            decisions[rng.randrange(reviews - 1)] = "revise"
        if ending != "step_up" and reviews > 1 and rng.random() < 0.06:
            decisions[rng.randrange(reviews - 1)] = "escalate"  # social care will decline
        for number, decision in enumerate(decisions, start=1):
            gap = rng.randint(35, 49) if rng.random() < 0.75 else rng.randint(49, 70)
            due = at + timedelta(days=gap)
            if number == reviews and ending in data.NO_FINAL_REVIEW:
                break  # no work in between after the last review: the closure is the last entry
            yield from self.between_reviews(at, gap, work)
            at = office_hours(due, rng)
            at = yield from self.review(at, work, decision, stage=number / reviews)
        return (yield from self.close_plan(at, work))

    def agree_plan(
        self, at: datetime, lead: Actor, needs: tuple[str, ...], ending: str
    ) -> Steps[Casework]:
        targets = [(at + timedelta(days=self.rng.randint(90, 270))).date() for _ in needs]
        outcomes = tuple(NewOutcome(n, t) for n, t in zip(needs, targets, strict=True))
        actions = self.actions(at, needs, tuple(range(len(needs))))
        result = yield self.do(
            at,
            self.app.agree_plan,
            actor=lead,
            outcomes=outcomes,
            actions=actions,
            personal=self.notes(0.5),
        )
        ids = [result.ids[f"outcome_id_{n}"] for n in range(len(outcomes))]
        owners = tuple(dict.fromkeys(a.owner_agency for a in actions))
        plan = Plan(result.ids["plan_id"], list(zip(ids, needs, targets, strict=True)), owners)
        return Casework(lead, plan, at, ending)

    def between_reviews(self, at: datetime, gap: int, work: Casework) -> Steps[None]:
        """Contacts about plan actions; sometimes sharing, a consent withdrawn, a new lead."""
        rng = self.rng
        chores = ["contact"] * rng.randint(1, 3)
        chores += ["share"] * (rng.random() < 0.3)
        chores += ["withdraw"] * (rng.random() < 0.03 and any(c.in_force for c in self.consents))
        chores += ["new_lead"] * (rng.random() < 0.04)
        days = sorted(rng.sample(range(2, gap - 2), len(chores)))
        for chore, day in zip(chores, days, strict=True):
            when = office_hours(at + timedelta(days=day), rng)
            if chore == "contact":
                agency = rng.choice((*work.plan.owners, work.lead.agency))
                yield from self.contact(when, agency, reason="plan_action")
            elif chore == "share":
                agency = rng.choice(work.plan.owners)
                yield from self.share(when, work.lead, agency, purpose="plan_delivery")
            elif chore == "withdraw":
                consent = next(c for c in self.consents if c.in_force)
                consent.in_force = False
                yield self.do(
                    when, self.app.withdraw_consent, actor=work.lead, consent_id=consent.consent_id
                )
            else:
                lead = self.practitioner(work.lead.agency, "lead_practitioner")
                if lead.user_id != work.lead.user_id:
                    work.lead = lead
                    yield self.do(
                        when,
                        self.app.assign_lead_practitioner,
                        actor=self.front_door,
                        practitioner_id=lead.user_id,
                        agency=lead.agency,
                    )

    def review(
        self, at: datetime, work: Casework, decision: str, *, stage: float
    ) -> Steps[datetime]:
        """A review of every current outcome; a revision or an escalation may follow."""
        good = work.ending in data.GOOD_ENDINGS
        achieved = decision == "close" and work.ending == "outcomes_met"
        progress = tuple(
            OutcomeProgress(outcome_id, self.rating(stage, good=good, achieved=achieved))
            for outcome_id, _, _ in work.plan.outcomes
        )
        review: dict[str, Any] = {
            "plan_id": work.plan.plan_id,
            "progress": progress,
            "decision": "step_up" if decision == "escalate" else decision,
            "attendees": tuple(dict.fromkeys((work.lead.agency, *work.plan.owners))),
            "personal": self.notes(0.4),
        }
        yield self.do(at, self.app.hold_review, actor=work.lead, **review)
        if self.rng.random() < 0.01:  # saved twice by mistake; the duplicate is retracted
            twice = yield self.do(
                at + timedelta(minutes=3), self.app.hold_review, actor=work.lead, **review
            )
            self.retract_later(
                self.later(at, 1, 10), work.lead, twice.ids["entry_id"], reason="duplicate"
            )
        if decision == "revise":
            at = self.later(at, 0, 7)
            work.plan = yield from self.revise(at, work.lead, work.plan)
        elif decision == "escalate":
            at = yield from self.escalate(at, work.lead, "children_social_care", accepted=False)
        if self.rng.random() < 0.25:
            headline = self.rng.choice([h for _, h, _ in work.plan.outcomes])
            yield from self.evidence(at, headline, good=good and stage > 0.5, since=work.agreed)
        return at

    def close_plan(self, at: datetime, work: Casework) -> Steps[tuple[datetime, str]]:
        """Escalate if the ending needs it, evidence the outcomes, close, and follow up."""
        ending = work.ending
        if ending == "step_up":
            at = yield from self.escalate(at, work.lead, "children_social_care", accepted=True)
        elif ending == "specialist_service":
            headlines = [h for _, h, _ in work.plan.outcomes]
            specialist = next(
                (data.SPECIALISTS[h] for h in headlines if h in data.SPECIALISTS), "camhs"
            )
            at = yield from self.escalate(at, work.lead, specialist, accepted=True)
        at = self.later(at, 0, 5)
        for _, headline, _ in work.plan.outcomes:
            good = ending in data.GOOD_ENDINGS
            yield from self.evidence(at, headline, good=good, since=work.agreed)
        statuses = tuple(OutcomeStatus(i, self.status(ending)) for i, _, _ in work.plan.outcomes)
        yield self.do(
            at,
            self.app.close_episode,
            actor=work.lead,
            reason=ending,
            outcome_statuses=statuses,
            personal=self.notes(0.5),
        )
        if ending != "step_up":
            headlines = [h for _, h, _ in work.plan.outcomes]
            self.sim.spawn(self.follow_ups(at, headlines, held=ending == "outcomes_met"))
        return at, ending

    def actions(
        self, at: datetime, needs: Sequence[str], outcomes: Sequence[UUID | int]
    ) -> tuple[NewAction, ...]:
        actions = []
        for need, outcome in zip(needs, outcomes, strict=True):
            owners = data.OWNERS[need]
            for owner in self.rng.sample(owners, self.rng.randint(1, min(2, len(owners)))):
                due = (at + timedelta(days=self.rng.randint(30, 120))).date()
                actions.append(NewAction(outcome, owner, due))
        return tuple(actions)

    def revise(self, at: datetime, lead: Actor, plan: Plan) -> Steps[Plan]:
        """A plan revision: targets moved on, and an outcome added or (rarely) dropped."""
        floor = (at + timedelta(days=60)).date()
        kept = [(i, h, max(t, floor)) for i, h, t in plan.outcomes]
        if len(kept) > 1 and self.rng.random() < 0.2:
            kept.pop(self.rng.randrange(len(kept)))
        missing = [n for n in data.NEEDS if n not in {h for _, h, _ in kept}]
        added = self.rng.sample(missing, self.rng.randint(0, 1))
        outcomes = (
            *(NewOutcome(h, t, outcome_id=i) for i, h, t in kept),
            *(
                NewOutcome(h, (at + timedelta(days=self.rng.randint(90, 200))).date())
                for h in added
            ),
        )
        refs: list[UUID | int] = [i for i, _, _ in kept]
        refs += [len(kept) + n for n in range(len(added))]
        actions = self.actions(at, [o.headline_outcome for o in outcomes], refs)
        result = yield self.do(
            at,
            self.app.revise_plan,
            actor=lead,
            plan_id=plan.plan_id,
            outcomes=outcomes,
            actions=actions,
            personal=self.notes(0.3),
        )
        ids = [o.outcome_id or result.ids[f"outcome_id_{n}"] for n, o in enumerate(outcomes)]
        return Plan(
            plan.plan_id,
            [(i, o.headline_outcome, o.target_date) for i, o in zip(ids, outcomes, strict=True)],
            tuple(dict.fromkeys(a.owner_agency for a in actions)),
        )

    def escalate(self, at: datetime, lead: Actor, to: str, *, accepted: bool) -> Steps[datetime]:
        """Escalate and record the receiving service's response; returns when it answered."""
        if to == "children_social_care":
            reason = pick(self.rng, data.ESCALATION_REASONS)
            covered = self.consent_for(to, "escalation")
            basis, flagged = (
                ("consent", self.rng.random() < 0.6) if covered else ("safeguarding", True)
            )
        else:
            reason = "specialist_assessment"
            covered = self.consent_for(to, "escalation")
            basis, flagged = ("consent" if covered else "public_task"), False
        at = self.later(at, 0, 3)
        raised = yield self.do(
            at,
            self.app.raise_escalation,
            actor=lead,
            to_service=to,
            reason=reason,
            safeguarding=flagged,
            lawful_basis=basis,
            personal=self.notes(0.6),
        )
        at = self.later(at, 1, 10)
        partner = self.practitioner(to, "partner")
        yield self.do(
            at,
            self.app.respond_to_escalation,
            actor=partner,
            escalation_id=raised.ids["escalation_id"],
            response="accepted" if accepted else "declined",
        )
        return at

    def rating(self, stage: float, *, good: bool, achieved: bool) -> str:
        if achieved:
            return "achieved"
        if good:
            weights = {
                "some_progress": 50,
                "good_progress": 40 * stage + 5,
                "no_change": 20 * (1 - stage),
                "achieved": 10 * stage,
            }
        else:
            weights = {
                "no_change": 35,
                "worse": 15 + 15 * stage,
                "some_progress": 30,
                "not_started": 10 * (1 - stage),
            }
        return pick(self.rng, weights)

    def status(self, ending: str) -> str:
        if ending == "outcomes_met":
            return "achieved"
        weights = {
            "universal_services": {"achieved": 50, "partly_achieved": 45, "no_longer_relevant": 5},
            "no_further_action": {"achieved": 40, "partly_achieved": 40, "no_longer_relevant": 20},
            "moved_away": {"partly_achieved": 50, "not_achieved": 20, "no_longer_relevant": 30},
            "specialist_service": {"partly_achieved": 60, "not_achieved": 40},
        }.get(ending, {"partly_achieved": 40, "not_achieved": 60})
        return pick(self.rng, weights)
