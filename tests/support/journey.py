"""A family's journey, built through the real application service, for the domain tests.

`Journey.to(stage)` takes a family through the usual steps of early help up to a stage;
each command method fills in sensible defaults, so a test names only what it is about;
`emitted()` gives the events the latest command stored; and `refuses(rule)` /
`rejects(field)` check that a refused command stores nothing and leaves the family it
loaded untouched.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from copy import deepcopy
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any, cast
from uuid import UUID

import pytest
from eventsourcing.domain import DomainEventProtocol
from eventsourcing.persistence import Recording
from eventsourcing.utils import EnvType

from domain.application import CommandResult, JourneysApplication
from domain.commands import (
    AddMember,
    AgreePlan,
    AssignLeadPractitioner,
    CloseEpisode,
    CompleteAssessment,
    CompleteAuditAction,
    CorrectEntry,
    DecideSupport,
    ErasePersonalData,
    EvidenceOutcome,
    FamilyCommand,
    GiveConsent,
    HoldReview,
    LiftLegalHold,
    NewAction,
    NewAuditAction,
    NewOutcome,
    PlaceLegalHold,
    RaiseEscalation,
    RecordCaseAudit,
    RecordContact,
    RegisterFamily,
    RemoveMember,
    RequestSupport,
    RespondToEscalation,
    RetractEntry,
    RevisePlan,
    ShareInformation,
    StartAssessment,
    StepDown,
    WithdrawConsent,
)
from domain.errors import ConcurrentChangeError, InvalidValueError, RuleBrokenError
from domain.family import Family
from domain.rules import RULES
from domain.values import (
    Actor,
    FieldChange,
    OutcomeProgress,
    OutcomeStatus,
    PersonalData,
    StandardGrade,
)

FamilyEvent = Family.Entry | Family.Registered
"""What a family's stream holds: entries, and the registration that starts it."""

# The store's clock stands still at NOW; practice happened earlier, one hour per step.
NOW = datetime(2025, 6, 2, 12, 0, tzinfo=UTC)
START = NOW - timedelta(days=200)
STEP = timedelta(hours=1)

MEMORY_ENV: dict[str, str] = {"PERSISTENCE_MODULE": "eventsourcing.popo"}

LEAD = Actor(user_id="u-lead-1", role="lead_practitioner", agency="early_help")
SOCIAL_CARE = Actor(user_id="u-csc-7", role="partner", agency="children_social_care")
POLICE = Actor(user_id="u-police-3", role="partner", agency="police")
ADMIN = Actor(user_id="u-admin-1", role="admin", agency="early_help")
QA = Actor(user_id="u-qa-2", role="qa_officer", agency="early_help")

# Distinctive personal details, so tests can look for them in stored bytes.
CHILD = PersonalData(
    given_name="Zinnia", family_name="Quartermaine", date_of_birth=date(2014, 3, 9)
)
PARENT = PersonalData(
    given_name="Ottoline",
    family_name="Quartermaine",
    date_of_birth=date(1986, 11, 23),
    address="14 Larkspur Row, Gillingham ME7 9XQ",
)
NEWBORN = PersonalData(
    given_name="Barnaby", family_name="Quartermaine", date_of_birth=date(2024, 6, 1)
)
NOTES = PersonalData(notes="Ottoline says the landlord has served notice again")

STAGES = (
    "registered",
    "episode_open",
    "support_agreed",
    "lead_assigned",
    "assessment_started",
    "assessed",
    "planned",
    "closed",
)


class Clock:
    """A clock that stands still until a test moves it."""

    def __init__(self, now: datetime = NOW) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


class ObservedApplication(JourneysApplication):
    """The real application service, keeping two things tests need to see: every event
    as it was handed to the store (before serialisation), and the family each command
    loaded, with a copy taken at load time (so a refused command can be seen to have left
    it untouched: no pending events, same version, same state)."""

    # The library names a subclass after itself, and PostgreSQL tables after the name.
    name = JourneysApplication.name

    def __init__(self, env: EnvType | None = None, **kwargs: Any) -> None:
        super().__init__(env, **kwargs)
        self.saved: list[DomainEventProtocol[UUID]] = []
        self.loaded: tuple[Family, Family] | None = None
        self._meanwhile: list[Callable[[], object]] = []

    def meanwhile(self, change: Callable[[], object], *, times: int = 1) -> None:
        """Make `change` (another writer's command) right after each of the next `times`
        loads of a family by a command: a race lost, deterministically."""
        self._meanwhile.extend([change] * times)

    def _load(self, family_id: UUID) -> Family:
        family = super()._load(family_id)
        self.loaded = (family, deepcopy(family))
        if self._meanwhile:
            self._meanwhile.pop(0)()
        return family

    def save(self, *objs: Any, **kwargs: Any) -> list[Recording[UUID]]:
        recordings = super().save(*objs, **kwargs)
        self.saved.extend(r.domain_event for r in recordings)
        return recordings


class Journey:
    """One family, taken through the application service step by step."""

    def __init__(self, app: ObservedApplication, clock: Clock) -> None:
        self.app = app
        self.clock = clock
        self.family_id: UUID | None = None
        self.stage: str | None = None
        self.ids: dict[str, UUID] = {}
        self.checkpoint = 0
        self._next_time = START
        self._again: Callable[..., CommandResult] | None = None
        self.latest: dict[str, Any] = {}  # the arguments of the latest command

    # -- reading -------------------------------------------------------------------------

    def next_time(self) -> datetime:
        """When the next step happened: an hour after the previous one."""
        self._next_time += STEP
        return self._next_time

    def family(self) -> Family:
        assert self.family_id is not None
        family: Family = self.app.repository.get(self.family_id)
        return family

    @property
    def id(self) -> UUID:
        """The family's id, once it is registered."""
        assert self.family_id is not None, "register the family first"
        return self.family_id

    def stream(self) -> list[FamilyEvent]:
        """The family's events, oldest first: every one an entry (the registration too)."""
        if self.family_id is None:
            return []
        return [cast(FamilyEvent, e) for e in self.app.events.get(self.family_id)]

    def version(self) -> int:
        """The family's version in the store (0 before it is registered)."""
        if self.family_id is None:
            return 0
        last = list(self.app.events.get(self.family_id, desc=True, limit=1))
        return last[0].originator_version if last else 0

    def emitted(self) -> list[DomainEventProtocol[UUID]]:
        """The family's events stored by the latest command made through this journey."""
        assert self.family_id is not None
        return list(self.app.events.get(self.family_id, gt=self.checkpoint))

    def outcome_ids(self) -> list[UUID]:
        """The outcomes of the open episode's current plan."""
        return list(self._plan_outcomes())

    def elsewhere(self) -> Journey:
        """The same family, seen through a second application instance on the same store,
        as another process would see it (needs a shared store, not POPO)."""
        assert self.app.env["PERSISTENCE_MODULE"] != MEMORY_ENV["PERSISTENCE_MODULE"]
        other = Journey(ObservedApplication(dict(self.app.env), clock=self.clock), self.clock)
        other.family_id, other.stage, other.ids = self.family_id, self.stage, dict(self.ids)
        other._next_time = self._next_time + timedelta(minutes=30)
        return other

    # -- building ------------------------------------------------------------------------

    def to(self, stage: str) -> Journey:
        """Take the family through the usual steps up to `stage` (see STAGES)."""
        done = STAGES.index(self.stage) + 1 if self.stage else 0
        for step in STAGES[done : STAGES.index(stage) + 1]:
            STEPS[step](self)
            self.stage = step
        return self

    def _run(self, command: type[FamilyCommand], **kwargs: Any) -> CommandResult:
        kwargs.setdefault("actor", LEAD)
        if "occurred_at" not in kwargs:
            kwargs["occurred_at"] = self.next_time()
        self.checkpoint = self.version()
        self._again = lambda **changes: self._run(command, **kwargs | changes)
        self.latest = kwargs
        result = self.app.handle(command(family_id=cast(UUID, self.family_id), **kwargs))
        self.ids.update(result.ids)
        return result

    def again(self, **changes: Any) -> CommandResult:
        """The latest command made again, exactly as it was (or with `changes`)."""
        assert self._again is not None, "no command was made yet"
        return self._again(**changes)

    # -- commands, with defaults -----------------------------------------------------------

    def register(self, **kwargs: Any) -> CommandResult:
        kwargs.setdefault("actor", LEAD)
        kwargs.setdefault("occurred_at", self.next_time())
        kwargs.setdefault("area", "gillingham")
        kwargs.setdefault("members", (("child", False, CHILD), ("parent_carer", False, PARENT)))
        self.checkpoint = 0
        self._again = lambda **changes: self.register(**kwargs | changes)
        self.latest = kwargs
        result = self.app.handle(RegisterFamily(**kwargs))
        self.family_id = result.family_id
        self.ids.update(result.ids)
        self.ids["registration"] = result.ids["entry_id"]
        self.ids["child"] = result.ids["member_id_0"]
        if "member_id_1" in result.ids:
            self.ids["parent"] = result.ids["member_id_1"]
        return result

    def add_member(self, **kwargs: Any) -> CommandResult:
        kwargs = {"relationship": "child", "send": False, "personal": NEWBORN} | kwargs
        return self._run(AddMember, **kwargs)

    def remove_member(self, **kwargs: Any) -> CommandResult:
        kwargs = {"member_id": self.ids.get("parent"), "reason": "moved_out"} | kwargs
        return self._run(RemoveMember, **kwargs)

    def record_contact(self, **kwargs: Any) -> CommandResult:
        kwargs = {"agency": "school", "channel": "phone", "reason": "concern"} | kwargs
        return self._run(RecordContact, **kwargs)

    def request_support(self, **kwargs: Any) -> CommandResult:
        return self._run(RequestSupport, **{"source": "2A"} | kwargs)

    def decide_support(self, **kwargs: Any) -> CommandResult:
        return self._run(DecideSupport, **{"agreed": True} | kwargs)

    def give_consent(self, **kwargs: Any) -> CommandResult:
        kwargs = {
            "given_by": self.ids.get("parent"),
            "agencies": ("school", "health_visiting"),
            "purposes": ("coordinating_support", "plan_delivery"),
        } | kwargs
        return self._run(GiveConsent, **kwargs)

    def withdraw_consent(self, **kwargs: Any) -> CommandResult:
        return self._run(WithdrawConsent, **{"consent_id": self.ids.get("consent_id")} | kwargs)

    def share_information(self, **kwargs: Any) -> CommandResult:
        kwargs = {
            "with_agency": "school",
            "categories": ("plan",),
            "purpose": "coordinating_support",
            "lawful_basis": "consent",
        } | kwargs
        return self._run(ShareInformation, **kwargs)

    def assign_lead_practitioner(self, **kwargs: Any) -> CommandResult:
        kwargs = {"practitioner_id": "u-lead-1", "agency": "early_help"} | kwargs
        return self._run(AssignLeadPractitioner, **kwargs)

    def start_assessment(self, **kwargs: Any) -> CommandResult:
        return self._run(StartAssessment, **kwargs)

    def complete_assessment(self, **kwargs: Any) -> CommandResult:
        kwargs = {
            "assessment_id": self.ids.get("assessment_id"),
            "level_of_need": "partnership_plus",
            "needs": ("good_education", "housing"),
            "strengths": ("family_relationships",),
            "factors": ("4B",),
        } | kwargs
        return self._run(CompleteAssessment, **kwargs)

    def agree_plan(self, **kwargs: Any) -> CommandResult:
        target = (self._next_time + timedelta(days=90)).date()
        kwargs = {
            "outcomes": (NewOutcome("good_education", target), NewOutcome("housing", target)),
            "actions": (NewAction(0, "school", target), NewAction(1, "housing", target)),
        } | kwargs
        return self._run(AgreePlan, **kwargs)

    def revise_plan(self, **kwargs: Any) -> CommandResult:
        """By default: keep the plan's outcomes, with a later target date."""
        target = (self._next_time + timedelta(days=120)).date()
        kwargs = {
            "plan_id": self.ids.get("plan_id"),
            "outcomes": tuple(
                NewOutcome(headline, target, outcome_id)
                for outcome_id, headline in self._plan_outcomes().items()
            ),
        } | kwargs
        return self._run(RevisePlan, **kwargs)

    def hold_review(self, **kwargs: Any) -> CommandResult:
        kwargs = {
            "plan_id": self.ids.get("plan_id"),
            "progress": tuple(OutcomeProgress(o, "some_progress") for o in self.outcome_ids()),
            "decision": "continue",
            "attendees": ("school", "housing"),
        } | kwargs
        return self._run(HoldReview, **kwargs)

    def raise_escalation(self, **kwargs: Any) -> CommandResult:
        kwargs = {
            "to_service": "children_social_care",
            "reason": "risk_of_significant_harm",
            "safeguarding": True,
            "lawful_basis": "safeguarding",
        } | kwargs
        return self._run(RaiseEscalation, **kwargs)

    def respond_to_escalation(self, **kwargs: Any) -> CommandResult:
        kwargs = {
            "actor": SOCIAL_CARE,
            "escalation_id": self.ids.get("escalation_id"),
            "response": "accepted",
        } | kwargs
        return self._run(RespondToEscalation, **kwargs)

    def step_down(self, **kwargs: Any) -> CommandResult:
        return self._run(StepDown, **kwargs)

    def evidence_outcome(self, **kwargs: Any) -> CommandResult:
        kwargs = {
            "headline_outcome": "good_education",
            "measure": "attendance_percent",
            "value": Decimal("93.5"),
            "period_start": date(2025, 1, 6),
            "period_end": date(2025, 3, 28),
            "source": "school",
        } | kwargs
        return self._run(EvidenceOutcome, **kwargs)

    def close_episode(self, **kwargs: Any) -> CommandResult:
        if "outcome_statuses" not in kwargs:
            kwargs["outcome_statuses"] = tuple(
                OutcomeStatus(o, "achieved") for o in self._plan_outcomes()
            )
        return self._run(CloseEpisode, **{"reason": "outcomes_met"} | kwargs)

    def correct_entry(self, **kwargs: Any) -> CommandResult:
        kwargs = {
            "reason": "wrong_date",
            "changes": (FieldChange("occurred_at", self._next_time.isoformat()),),
        } | kwargs
        return self._run(CorrectEntry, **kwargs)

    def retract_entry(self, **kwargs: Any) -> CommandResult:
        return self._run(RetractEntry, **{"reason": "recorded_in_error"} | kwargs)

    def record_case_audit(self, **kwargs: Any) -> CommandResult:
        """A QA officer's audit of the latest episode, with one action due in 28 days."""
        when = kwargs.get("occurred_at") or self.next_time()
        kwargs = {
            "actor": QA,
            "occurred_at": when,
            "episode_id": self.ids.get("episode_id"),
            "grades": (
                StandardGrade("voice_of_the_child", "good"),
                StandardGrade("smart_plan", "requires_improvement"),
            ),
            "findings": ("child_voice_evident", "plan_outcomes_unclear"),
            "actions": (NewAuditAction("early_help", when.date() + timedelta(days=28)),),
        } | kwargs
        return self._run(RecordCaseAudit, **kwargs)

    def complete_audit_action(self, **kwargs: Any) -> CommandResult:
        kwargs = {
            "actor": QA,
            "audit_id": self.ids.get("audit_id"),
            "action_id": self.ids.get("action_id_0"),
        } | kwargs
        return self._run(CompleteAuditAction, **kwargs)

    def place_legal_hold(self, **kwargs: Any) -> CommandResult:
        kwargs = {"actor": ADMIN, "reason": "public_inquiry", "reference": "IICSA-2015"} | kwargs
        return self._run(PlaceLegalHold, **kwargs)

    def lift_legal_hold(self, **kwargs: Any) -> CommandResult:
        kwargs = {
            "actor": ADMIN,
            "hold_id": self.ids.get("hold_id"),
            "reason": "instruction_withdrawn",
        } | kwargs
        return self._run(LiftLegalHold, **kwargs)

    def erase_personal_data(self, **kwargs: Any) -> CommandResult:
        kwargs = {"actor": ADMIN, "reason": "right_to_erasure"} | kwargs
        return self._run(ErasePersonalData, **kwargs)

    def _plan_outcomes(self) -> dict[UUID, str]:
        """The open episode's current plan outcomes (none if there is no plan)."""
        family = self.family()
        if family.open_episode_id is None:
            return {}
        plan = family.episodes[family.open_episode_id].plan
        return {UUID(k): v for k, v in plan.outcomes.items()} if plan else {}

    # -- refusals ------------------------------------------------------------------------

    @contextmanager
    def refuses(
        self, rule: str, *, meanwhile: Journey | None = None
    ) -> Iterator[pytest.ExceptionInfo[RuleBrokenError]]:
        """The command in the block breaks `rule`, and stores nothing. Only what another
        writer (`meanwhile`, racing this command) stored in the meantime may be new."""
        assert rule in RULES, f"{rule!r} is not in domain.rules.RULES"
        with self._changes_nothing(RuleBrokenError, meanwhile) as caught:
            yield caught
        assert caught.value.rule == rule, f"broke {caught.value.rule}: {caught.value.detail}"

    @contextmanager
    def rejects(
        self, field: str, error: type[InvalidValueError] = InvalidValueError
    ) -> Iterator[pytest.ExceptionInfo[InvalidValueError]]:
        """The command in the block gives an invalid value for `field`, and stores nothing."""
        with self._changes_nothing(error) as caught:
            yield caught
        assert caught.value.field == field, caught.value.detail

    @contextmanager
    def _changes_nothing(
        self, error: type[Exception], meanwhile: Journey | None = None
    ) -> Iterator[pytest.ExceptionInfo[Any]]:
        position, stream = self.app.position(), self.stream()
        others = len(meanwhile.app.saved) if meanwhile else 0
        self.app.loaded = None
        with pytest.raises(error) as caught:
            yield caught
        theirs = meanwhile.app.saved[others:] if meanwhile else []
        assert self.app.position() == position + len(theirs), "a refused command stored"
        assert self.stream() == stream + [e for e in theirs if e.originator_id == self.family_id]
        # A lost race shows only when saving, after the family was changed in memory;
        # every other refusal comes before the family is touched.
        if self.app.loaded is not None and not isinstance(caught.value, ConcurrentChangeError):
            family, as_loaded = self.app.loaded
            assert family.collect_events() == []
            assert family == as_loaded


STEPS: dict[str, Callable[[Journey], object]] = {
    "registered": Journey.register,
    "episode_open": Journey.request_support,
    "support_agreed": Journey.decide_support,
    "lead_assigned": Journey.assign_lead_practitioner,
    "assessment_started": Journey.start_assessment,
    "assessed": Journey.complete_assessment,
    "planned": Journey.agree_plan,
    "closed": Journey.close_episode,
}


def new_journey(env: EnvType | None = None, *, clock: Clock | None = None) -> Journey:
    clock = clock or Clock()
    return Journey(ObservedApplication(env or MEMORY_ENV, clock=clock), clock)


def every_kind_of_entry(journey: Journey) -> Journey:
    """A long, full story that records every kind of entry at least once (and a
    CommandReceipt, through an idempotency key)."""
    j = journey.to("registered")
    j.add_member()
    j.record_contact(
        agency="health_visiting", channel="home_visit", member_ids=(j.ids["child"],), personal=NOTES
    )
    j.give_consent()
    j.share_information(personal=NOTES)
    j.to("planned")
    j.revise_plan(personal=NOTES)
    j.hold_review(personal=NOTES, idempotency_key="review-1")
    j.evidence_outcome()
    j.raise_escalation(personal=NOTES)
    j.respond_to_escalation(response="declined")
    j.withdraw_consent()
    j.close_episode(personal=NOTES)
    j.step_down()
    j.decide_support(agreed=False)
    j.remove_member(reason="moved_out")
    contact = j.record_contact(agency="police", channel="meeting", reason="incident")
    j.correct_entry(target_entry_id=contact.ids["entry_id"], personal=NOTES)
    j.retract_entry(target_entry_id=contact.ids["entry_id"], personal=NOTES)
    j.correct_entry(
        target_entry_id=j.ids["registration"],
        member_id=j.ids["child"],
        changes=(),
        personal=PersonalData(given_name="Zinnia-Mae"),
        reason="wrong_detail",
    )
    audit = j.record_case_audit(personal=NOTES)
    j.complete_audit_action()
    j.correct_entry(target_entry_id=audit.ids["entry_id"], personal=NOTES, actor=QA)
    j.place_legal_hold()
    j.lift_legal_hold()
    j.erase_personal_data()
    return j


def snapshot_round_trip(journey: Journey) -> Family:
    mapper = journey.app.mapper
    snapshot = Family.Snapshot.take(journey.family())
    restored = mapper.to_domain_event(mapper.to_stored_event(snapshot))
    family = restored.mutate(None)  # type: ignore[attr-defined]
    assert isinstance(family, Family)
    return family
