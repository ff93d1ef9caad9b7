"""Random histories for the projections' property tests: simulated families, then an auditor
correcting or retracting random entries at random later times (the hard cases for views);
and, for the sharing view, single families made straight through the aggregate's commands,
fast enough for thousands of histories a test."""

from __future__ import annotations

import contextlib
import random
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any, TypedDict
from uuid import UUID

from domain.application import JourneysApplication
from domain.codes import load as load_codes
from domain.commands import CorrectEntry, RetractEntry
from domain.errors import JourneysError
from domain.family import CORRECTABLE, NOTES_ENTRIES, RETRACTABLE, Family, NewEntry
from domain.family.state import EpisodeState, PlanState
from domain.values import (
    Actor,
    FieldChange,
    Member,
    OutcomeProgress,
    OutcomeStatus,
    PersonalData,
    PlanOutcome,
)
from infra.bootstrap import Journeys, bootstrap
from infra.settings import Settings
from simulation.simulator import Simulation

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
            app.handle(RetractEntry(family_id=family_id, **entry, reason="recorded_in_error"))
            continue
        fields = CORRECTABLE.get(kind, {"occurred_at": "datetime"})
        changes = tuple(
            FieldChange(name, value(fields[name], app, simulation, rng))
            for name in rng.sample(sorted(fields), rng.randint(1, len(fields)))
        )
        notes = PersonalData(notes=f"audit note {rng.random()}") if kind in NOTES_ENTRIES else None
        # A random time may put the entry out of order (after it was recorded, outside its
        # episode...): then the correction is refused and nothing is stored.
        with contextlib.suppress(JourneysError):
            app.handle(
                CorrectEntry(
                    family_id=family_id,
                    **entry,
                    changes=changes,
                    reason=rng.choice(app.codes.codes("correction_reason")),
                    personal=notes if rng.random() < 0.3 else None,
                )
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


# -- sharing histories: one family, straight through the aggregate -----------------------------

SHARING_AGENCIES = ("early_help", "school", "police", "health_visiting", "children_social_care")
PERSONAL_MARK = "Quillfeather"  # in every personal value of a sharing history, and nowhere else


class Entered(TypedDict):
    """What every command of a history is given besides its own values."""

    entry: NewEntry
    now: datetime


class SharingHistory:
    """One family's history made through the Family aggregate's own commands, rules and all,
    but with no application or store (a few thousand a second): practitioners of a few
    agencies record contacts, run episodes (request, agreement, lead, assessment, plan,
    reviews, escalations and their responses, evidence, closure), give and withdraw sharing
    consents, share information on consent or another lawful basis, and correct or retract
    entries (times moved either way, a contact's agency, a sharing recorded in error). Each
    step is a random command; one the rules refuse is skipped, as a person would be told."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.codes = load_codes()
        self.now = START
        self.members = 0
        self.family = Family.register(
            family_id=self.uid(),
            area=rng.choice(self.codes.codes("area")),
            members=(self.member("child"), self.member("parent_carer")),
            codes=self.codes,
            **self.entry(),
        )
        self.commands = [getattr(self, name) for name in dir(self) if name.startswith("do_")]
        # Sharing and consent often; an episode's steps often enough to reach plans and reviews.
        weights = {"do_contact": 3, "do_share": 4, "do_consent": 2, "do_withdraw": 2}
        weights |= {"do_request": 3, "do_decide": 2, "do_lead": 2, "do_assess": 4}
        weights |= {"do_plan": 3, "do_review": 3}
        self.weights = [weights.get(c.__name__, 1) for c in self.commands]

    def run(self, steps: int) -> list[Any]:
        for _ in range(steps):
            [command] = self.rng.choices(self.commands, self.weights)
            with contextlib.suppress(JourneysError):  # refused: the family is untouched
                command()
        return list(self.family.collect_events())

    # -- values --------------------------------------------------------------------------

    def uid(self) -> UUID:
        return UUID(int=self.rng.getrandbits(128), version=4)

    def entry(self, agency: str | None = None, role: str = "practitioner") -> Entered:
        """The entry and clock of the next command: recorded an hour to three days
        after the previous one, about something that happened then or up to a week before."""
        self.now += timedelta(hours=self.rng.randint(1, 72))
        agency = agency or self.rng.choice(SHARING_AGENCIES)
        late = timedelta(hours=self.rng.choice([0, 0, 0, 2, 30, 160]))
        actor = Actor(f"u-{agency}", role, agency)
        return {
            "entry": NewEntry(entry_id=self.uid(), occurred_at=self.now - late, actor=actor),
            "now": self.now,
        }

    def personal(self) -> PersonalData | None:
        return self.rng.choice([None, PersonalData(notes=f"{PERSONAL_MARK} {self.rng.random()}")])

    def member(self, relationship: str) -> Member:
        self.members += 1
        details = PersonalData(
            given_name=f"{PERSONAL_MARK}{self.members}",
            date_of_birth=date(2015, 1, self.members % 28 + 1),
            address=f"{self.members} {PERSONAL_MARK} Row",
        )
        return Member(self.uid(), relationship, False, details)

    def code(self, list_name: str) -> str:
        return self.rng.choice(self.codes.codes(list_name))

    def some(self, values: Sequence[str]) -> tuple[str, ...]:
        return tuple(self.rng.sample(values, self.rng.randint(1, min(3, len(values)))))

    def episode(self) -> EpisodeState | None:
        open_id = self.family.open_episode_id
        return self.family.episodes[open_id] if open_id else None

    def plan(self) -> PlanState | None:
        """The open episode's plan, if any."""
        episode = self.episode()
        return episode.plan if episode else None

    def plan_outcomes(self) -> list[UUID]:
        plan = self.plan()
        return [UUID(o) for o in plan.outcomes] if plan else []

    def plan_id(self) -> UUID:
        plan = self.plan()
        return UUID(plan.plan_id) if plan else self.uid()

    # -- commands ------------------------------------------------------------------------

    def do_member(self) -> None:
        self.family.add_member(member=self.member("child"), codes=self.codes, **self.entry())

    def do_contact(self) -> None:
        self.family.record_contact(
            contact_id=self.uid(),
            agency=self.rng.choice((*SHARING_AGENCIES, "gp", "housing")),
            channel=self.code("contact_channel"),
            reason=self.code("contact_reason"),
            member_ids=(),
            personal=self.personal(),
            codes=self.codes,
            **self.entry(),
        )

    def do_request(self) -> None:
        self.family.request_support(
            episode_id=self.uid(),
            source=self.code("referral_source"),
            personal=self.personal(),
            codes=self.codes,
            **self.entry(),
        )

    def do_decide(self) -> None:
        agreed = self.rng.random() < 0.85
        self.family.decide_support(agreed=agreed, codes=self.codes, **self.entry())

    def do_lead(self) -> None:
        self.family.assign_lead_practitioner(
            practitioner_id=f"lp-{self.rng.randint(1, 3)}",
            agency=self.rng.choice(SHARING_AGENCIES),
            codes=self.codes,
            **self.entry(),
        )

    def do_assess(self) -> None:
        episode = self.episode()
        assessment = episode.assessment if episode else None
        if assessment is None or assessment.completed:
            self.family.start_assessment(assessment_id=self.uid(), codes=self.codes, **self.entry())
            return
        self.family.complete_assessment(
            assessment_id=UUID(assessment.assessment_id),
            strengths=(),
            needs=(self.code("headline_outcome"),),
            factors=(),
            level_of_need=self.code("level_of_need"),
            personal=self.personal(),
            codes=self.codes,
            **self.entry(),
        )

    def do_plan(self) -> None:
        entry = self.entry()
        target = entry["entry"].occurred_at.date() + timedelta(days=90)
        outcomes = (PlanOutcome(self.uid(), self.code("headline_outcome"), target),)
        if self.plan() is None:
            self.family.agree_plan(
                plan_id=self.uid(),
                outcomes=outcomes,
                actions=(),
                personal=self.personal(),
                codes=self.codes,
                **entry,
            )
        else:
            self.family.revise_plan(
                plan_id=self.plan_id(),
                outcomes=outcomes,
                actions=(),
                personal=self.personal(),
                codes=self.codes,
                **entry,
            )

    def do_review(self) -> None:
        self.family.hold_review(
            review_id=self.uid(),
            plan_id=self.plan_id(),
            attendees=self.some(SHARING_AGENCIES),
            progress=tuple(OutcomeProgress(o, "some_progress") for o in self.plan_outcomes()),
            decision="continue",
            personal=self.personal(),
            codes=self.codes,
            **self.entry(),
        )

    def do_escalate(self) -> None:
        basis = self.rng.choice(["consent", "safeguarding", "public_task"])
        self.family.raise_escalation(
            escalation_id=self.uid(),
            to_service=self.rng.choice(["children_social_care", "police"]),
            reason=self.code("escalation_reason"),
            safeguarding=basis == "safeguarding",
            lawful_basis=basis,
            personal=self.personal(),
            codes=self.codes,
            **self.entry(),
        )

    def do_respond(self) -> None:
        episode = self.episode()
        escalations = episode.escalations if episode else {}
        pending = [
            (escalation_id, escalation.to_service)
            for escalation_id, escalation in escalations.items()
            if escalation.status == "pending"
        ]
        if pending:
            escalation_id, service = self.rng.choice(pending)
            self.family.respond_to_escalation(
                escalation_id=UUID(escalation_id),
                response=self.code("escalation_response"),
                codes=self.codes,
                **self.entry(service, "partner"),
            )

    def do_evidence(self) -> None:
        entry = self.entry()
        self.family.evidence_outcome(
            evidence_id=self.uid(),
            headline_outcome=self.code("headline_outcome"),
            measure=self.code("evidence_measure"),
            value=Decimal(self.rng.randint(0, 100)),
            period_start=entry["now"].date() - timedelta(days=60),
            period_end=entry["now"].date(),
            source=self.code("evidence_source"),
            codes=self.codes,
            **entry,
        )

    def do_close(self) -> None:
        self.family.close_episode(
            reason="no_further_action",
            outcome_statuses=tuple(OutcomeStatus(o, "achieved") for o in self.plan_outcomes()),
            personal=self.personal(),
            codes=self.codes,
            **self.entry(),
        )

    def do_consent(self) -> None:
        self.family.give_consent(
            consent_id=self.uid(),
            given_by=UUID(self.rng.choice(sorted(self.family.members))),
            agencies=self.some(SHARING_AGENCIES),
            purposes=self.some(self.codes.codes("sharing_purpose")),
            codes=self.codes,
            **self.entry(),
        )

    def do_withdraw(self) -> None:
        in_force = sorted(c for c, consent in self.family.consents.items() if consent.in_force)
        if in_force:
            consent_id = UUID(self.rng.choice(in_force))
            self.family.withdraw_consent(consent_id=consent_id, codes=self.codes, **self.entry())

    def do_share(self) -> None:
        self.family.share_information(
            sharing_id=self.uid(),
            with_agency=self.rng.choice(SHARING_AGENCIES),
            categories=self.some(self.codes.codes("information_category")),
            purpose=self.code("sharing_purpose"),
            lawful_basis=self.rng.choice(["consent", "consent", "safeguarding", "public_task"]),
            personal=self.personal(),
            codes=self.codes,
            **self.entry(),
        )

    def do_correct(self) -> None:
        live = [e for e in self.family.entries if e not in self.family.retracted]
        target = self.rng.choice(sorted(live))
        kind = self.family.entries[target]
        fields = CORRECTABLE.get(kind, {"occurred_at": "datetime"})
        entry = self.entry()
        changes = tuple(
            FieldChange(name, self.corrected(fields[name], entry["now"]))
            for name in self.rng.sample(sorted(fields), self.rng.randint(1, len(fields)))
        )
        self.family.correct_entry(
            target_entry_id=UUID(target),
            changes=changes,
            member_id=None,
            reason=self.code("correction_reason"),
            personal=self.personal() if kind in NOTES_ENTRIES else None,
            codes=self.codes,
            **entry,
        )

    def corrected(self, kind: str, now: datetime) -> str:
        if kind == "datetime":
            moment = START + (now - START) * self.rng.random()
            return moment.astimezone(self.rng.choice(OFFSETS)).isoformat()
        if kind == "date":
            return (START.date() + timedelta(days=self.rng.randint(0, 300))).isoformat()
        if kind == "decimal":
            return str(self.rng.randint(0, 1000))
        if kind == "code:agency":
            return self.rng.choice(SHARING_AGENCIES)
        return self.code(kind.removeprefix("code:"))

    def do_retract(self) -> None:
        targets = sorted(
            e
            for e, kind in self.family.entries.items()
            if kind in RETRACTABLE and e not in self.family.retracted
        )
        if targets:
            self.family.retract_entry(
                target_entry_id=UUID(self.rng.choice(targets)),
                reason=self.code("retraction_reason"),
                personal=None,
                codes=self.codes,
                **self.entry(),
            )


def sharing_history(seed: int, *, steps: int) -> list[Any]:
    """A random history of one family for the sharing view's properties (see SharingHistory)."""
    return SharingHistory(random.Random(seed)).run(steps)
