"""The application service: one method per command; loads, checks, saves, returns ids.

Each command method loads the family, calls one command on it and saves the new events in
one transaction, returning a CommandResult (ids and the store position) — never aggregates.

Optimistic concurrency: when another writer saved the same family first, a command whose
effect does not depend on what the caller saw (a contact, evidence, a review...) is simply
run again on the fresh state, rules and all; a command that does depend on it (a plan
revision, a closure, a correction...) is refused with ConcurrentChangeError, so the caller
can look again. Nothing is ever lost or silently overwritten.

Idempotency: a command may carry a key. The first result is kept in a CommandReceipt
aggregate saved in the same transaction as the family's events; repeating the command with
the same key returns that result and stores nothing.
"""

from __future__ import annotations

import hashlib
import random
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any, ClassVar
from uuid import UUID, uuid4, uuid5

from eventsourcing.application import AggregateNotFoundError, Application
from eventsourcing.domain import Aggregate, DomainEventProtocol
from eventsourcing.persistence import IntegrityError, Mapper, Transcoder
from eventsourcing.utils import Environment, EnvType, get_topic

from domain import codes as code_lists
from domain.errors import (
    ConcurrentChangeError,
    IdempotencyKeyReusedError,
    InvalidValueError,
    NotFoundError,
)
from domain.family import Family, check_occurred_at
from domain.sealing import (
    PersonalDataSealer,
    SealedPersonalData,
    SealingMapper,
    with_personal_data_erased,
)
from domain.values import (
    Actor,
    FieldChange,
    JourneysTranscoder,
    Member,
    OutcomeProgress,
    OutcomeStatus,
    PersonalData,
    PlanAction,
    PlanOutcome,
    register_value_transcodings,
)

RECEIPT_NAMESPACE = UUID("5b0f0a4e-8a59-4d9e-9a0b-6c1c7e1d2f10")
# A command that does not depend on what it saw is tried again for as long as other writers
# keep winning the race, up to this many seconds, then refused like any other. Each lost race
# means another write succeeded; a count of attempts was not enough: with two busy writers on
# one family, one command in fifty lost five races in a row (tests/domain/test_concurrency.py).
RETRY_SECONDS = 2.0
# Before trying again, wait a random moment up to this many seconds, so busy writers fall
# out of step.
RETRY_JITTER = 0.005


@dataclass(frozen=True)
class CommandResult:
    """What a command answers: the family, the ids it made, the store position, and when the
    store recorded its events (`recorded_at`; for a replayed command, the first time)."""

    family_id: UUID
    ids: Mapping[str, UUID]
    position: int
    recorded_at: datetime
    replayed: bool = False


@dataclass(frozen=True)
class FamilySummary:
    family_id: UUID
    area: str
    registered_at: datetime
    position: int


@dataclass(frozen=True)
class FamilyPage:
    items: list[FamilySummary]
    next: int | None = None


@dataclass(frozen=True)
class NewOutcome:
    """A plan outcome as given in a command: an existing outcome keeps its id."""

    headline_outcome: str
    target_date: date
    outcome_id: UUID | None = None


@dataclass(frozen=True)
class NewAction:
    """A plan action as given in a command: `outcome` is an outcome id, or the index of an
    outcome in the same command (for outcomes that get their id only now)."""

    outcome: UUID | int
    owner_agency: str
    due_date: date


@dataclass
class Batch:
    """The families (and receipts) changed by the commands of one batch, not yet saved."""

    aggregates: dict[UUID, Aggregate] = field(default_factory=dict)
    position: int = 0

    def family(self, family_id: UUID) -> Family | None:
        aggregate = self.aggregates.get(family_id)
        return aggregate if isinstance(aggregate, Family) else None

    def add(self, aggregates: list[Aggregate]) -> None:
        for aggregate in aggregates:
            self.aggregates[aggregate.id] = aggregate


class CommandReceipt(Aggregate):
    """The remembered result of a command sent with an idempotency key."""

    class Issued(Aggregate.Created):
        command: str
        family_id: UUID
        fingerprint: str
        ids: dict[str, UUID]

    def __init__(self, command: str, family_id: UUID, fingerprint: str, ids: dict[str, UUID]):
        self.command = command
        self.family_id = family_id
        self.fingerprint = fingerprint
        self.ids = ids

    @staticmethod
    def id_for(actor: Actor, key: str) -> UUID:
        return uuid5(RECEIPT_NAMESPACE, f"{actor.user_id}\x00{key}")


def fingerprint_of(command: str, family_id: UUID, payload: Mapping[str, Any]) -> str:
    """A digest of what the command asked for (so a reused key is told apart).

    Personal data is left out: a digest of a name or a date of birth could confirm a guess
    long after the data itself was erased. A repeat that differs only in personal details
    counts as the same command."""
    asked = {k: "personal" if isinstance(v, PersonalData) else v for k, v in payload.items()}
    text = repr((command, str(family_id), sorted(asked.items())))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass
class Command:
    """One command in progress: what it is, who sent it, and how it changes a family."""

    name: str
    family_id: UUID
    actor: Actor
    occurred_at: datetime
    idempotency_key: str | None
    payload: dict[str, Any]
    retry: bool
    ids: dict[str, UUID] = field(default_factory=dict)
    # True when the store's clock, not the caller, says when it happened (an erasure, a
    # legal hold): then a repeat at a later time is still the same command.
    server_time: bool = False


class JourneysApplication(Application[UUID]):
    """Records families' journeys. Settings arrive as `env`; nothing is read from os.environ."""

    name = "journeys"
    snapshotting_intervals: ClassVar[dict[type[Any], int]] = {Family: 50}

    def __init__(
        self,
        env: EnvType | None = None,
        *,
        clock: Callable[[], datetime] | None = None,
        new_id: Callable[[], UUID] = uuid4,
        sealer: PersonalDataSealer | None = None,
    ) -> None:
        # Personal data is sealed per family when a sealer is given (domain.sealing), else
        # stored in clear. Set before the library builds the mapper.
        self.sealer = sealer
        super().__init__(env)
        self.codes = code_lists.load(
            self.env.get("CODE_LIST_VERSION") or code_lists.CURRENT_VERSION
        )
        self.clock: Callable[[], datetime] = clock or (lambda: datetime.now(UTC))
        self.new_id = new_id
        self._registered_topic = get_topic(Family.Registered)
        self._units = threading.local()  # the open batch of this thread, if any
        # Called after every save, e.g. to wake a projection runner in the same process.
        self.on_saved: list[Callable[[], None]] = []

    # -- eventsourcing hooks ---------------------------------------------------------------

    def construct_env(self, name: str, env: EnvType | None = None) -> Environment:
        # Unlike the library's default, do not read os.environ: settings are read once, in
        # infra.settings, and passed down explicitly.
        values = dict(type(self).env)
        if type(self).snapshotting_intervals:
            values["IS_SNAPSHOTTING_ENABLED"] = "y"
        values.update(env or {})
        return Environment(name, values)

    def _notify(self, recordings: list[Any]) -> None:
        for callback in self.on_saved:
            callback()

    def construct_transcoder(self) -> Transcoder:
        transcoder = JourneysTranscoder()
        self.register_transcodings(transcoder)
        register_value_transcodings(transcoder)
        if self.sealer is not None:
            # Seals new values; values stored in clear before still read back.
            transcoder.register(SealedPersonalData(self.sealer))
        return transcoder

    def construct_mapper(self) -> Mapper[UUID]:
        mapper = super().construct_mapper()
        if self.sealer is None:
            return mapper
        return SealingMapper(mapper.transcoder, mapper.compressor, mapper.cipher)

    # -- the command pipeline ----------------------------------------------------------------

    def _run(
        self,
        command: Command,
        change: Callable[[Family, dict[str, Any]], object] | None = None,
        *,
        create: Callable[[dict[str, Any]], Family] | None = None,
    ) -> CommandResult:
        """Run `change` on the family (or `create` it), then save its new events."""
        # Before any rule compares it with the family's history: a time without a zone
        # would crash that comparison (TypeError) instead of being refused as a value.
        check_occurred_at(command.occurred_at, self.clock())
        receipt_id = None
        fingerprint = ""
        unit = getattr(self._units, "current", None)
        if command.idempotency_key is not None:
            receipt_id = CommandReceipt.id_for(command.actor, command.idempotency_key)
            # When it happened is part of what was asked: the same key for the same kind of
            # entry at another time is a different command, not a repeat.
            asked = {**command.payload, "occurred_at": command.occurred_at.astimezone(UTC)}
            if command.server_time:
                del asked["occurred_at"]
            fingerprint = fingerprint_of(command.name, command.family_id, asked)
            replay = self._replay(receipt_id, fingerprint, unit)
            if replay is not None:
                return replay
        retry = command.retry and unit is None
        deadline = time.monotonic() + RETRY_SECONDS
        while True:
            family = unit.family(command.family_id) if unit and not create else None
            if family is None and create is None:
                family = self._load(command.family_id)
            seen_version = family.version if family else 0
            entry: dict[str, Any] = {
                "entry_id": self.new_id(),
                "occurred_at": command.occurred_at,
                "actor": command.actor,
            }
            command.ids = {"entry_id": entry["entry_id"]}
            if create is not None:
                family = create(entry)
            else:
                assert family is not None
                assert change is not None
                change(family, entry)
            pending: list[Aggregate] = [family]
            # The time the store gives the command's events (every entry is stamped `now`).
            recorded_at = family.modified_on
            if receipt_id is not None:
                pending.append(
                    CommandReceipt._create(
                        CommandReceipt.Issued,
                        id=receipt_id,
                        # Stamped like the family's events, so a replay answers that time.
                        timestamp=recorded_at,
                        command=command.name,
                        family_id=command.family_id,
                        fingerprint=fingerprint,
                        ids=command.ids,
                    )
                )
            if unit is not None:
                unit.add(pending)
                return CommandResult(command.family_id, dict(command.ids), 0, recorded_at)
            try:
                recordings = self.save(*pending)
            except IntegrityError:
                if receipt_id is not None:
                    replay = self._replay(receipt_id, fingerprint, None)
                    if replay is not None:
                        return replay
                if not retry or time.monotonic() >= deadline:
                    raise ConcurrentChangeError(
                        f"the family changed after version {seen_version} while this "
                        f"{command.name} was being saved; reload and try again"
                    ) from None
                time.sleep(random.uniform(0, RETRY_JITTER))
                continue
            position = max(r.notification.id for r in recordings)
            return CommandResult(command.family_id, dict(command.ids), position, recorded_at)

    @contextmanager
    def batch(self) -> Iterator[Batch]:
        """Run several commands and save all their events in ONE transaction at the end.

        For imports and simulations. Results inside the batch have position 0; the batch's
        `position` is set when it commits. A conflict with another writer refuses the whole
        batch (ConcurrentChangeError) and stores nothing; so does any error inside it.
        """
        if getattr(self._units, "current", None) is not None:
            raise RuntimeError("batches do not nest")
        unit = Batch()
        self._units.current = unit
        try:
            yield unit
            if unit.aggregates:
                try:
                    recordings = self.save(*unit.aggregates.values())
                except IntegrityError:
                    raise ConcurrentChangeError(
                        "another writer changed a family of this batch; nothing was saved"
                    ) from None
                unit.position = max(r.notification.id for r in recordings)
        finally:
            self._units.current = None

    def _replay(
        self, receipt_id: UUID, fingerprint: str, unit: Batch | None
    ) -> CommandResult | None:
        pending = unit.aggregates.get(receipt_id) if unit else None
        if isinstance(pending, CommandReceipt):
            receipt = pending
        else:
            try:
                receipt = self.repository.get(receipt_id)
            except AggregateNotFoundError:
                return None
        if receipt.fingerprint != fingerprint:
            raise IdempotencyKeyReusedError(
                f"this idempotency key was used for a different {receipt.command}; "
                "use a new key for a new command"
            )
        # The position of the original write is at or before the current one; answering the
        # current position keeps read-your-writes waits correct.
        position = self.recorder.max_notification_id() or 0
        return CommandResult(
            receipt.family_id, dict(receipt.ids), position, receipt.created_on, replayed=True
        )

    def _load(self, family_id: UUID) -> Family:
        try:
            family: Family = self.repository.get(family_id)
        except AggregateNotFoundError:
            raise NotFoundError(f"family {family_id} was not found") from None
        if not isinstance(family, Family):
            raise NotFoundError(f"family {family_id} was not found")
        return family

    def _command(
        self,
        name: str,
        family_id: UUID,
        *,
        actor: Actor,
        occurred_at: datetime,
        idempotency_key: str | None,
        retry: bool,
        **payload: Any,
    ) -> Command:
        return Command(name, family_id, actor, occurred_at, idempotency_key, dict(payload), retry)

    def _id(self, command: Command, name: str) -> UUID:
        """A new id for the thing the command creates, named in its result."""
        new = self.new_id()
        command.ids[name] = new
        return new

    # -- commands ------------------------------------------------------------------------------

    def register_family(
        self,
        *,
        actor: Actor,
        occurred_at: datetime,
        area: str,
        members: tuple[tuple[str, bool, PersonalData], ...],
        idempotency_key: str | None = None,
    ) -> CommandResult:
        """Register a household. `members` are (relationship, send, personal data)."""
        # With a key, the family id is derived from it, so a repeat cannot make a second family.
        family_id = (
            uuid5(RECEIPT_NAMESPACE, f"family\x00{actor.user_id}\x00{idempotency_key}")
            if idempotency_key
            else self.new_id()
        )
        command = self._command(
            "registration",
            family_id,
            actor=actor,
            occurred_at=occurred_at,
            idempotency_key=idempotency_key,
            retry=False,
            area=area,
            members=members,
        )

        def create(entry: dict[str, Any]) -> Family:
            values = tuple(
                Member(self._id(command, f"member_id_{n}"), relationship, send, personal)
                for n, (relationship, send, personal) in enumerate(members)
            )
            command.ids["family_id"] = family_id
            return Family.register(
                family_id=family_id,
                area=area,
                members=values,
                codes=self.codes,
                now=self.clock(),
                **entry,
            )

        return self._run(command, create=create)

    def _perform(
        self,
        name: str,
        family_id: UUID,
        act: Callable[..., object],
        *,
        actor: Actor,
        occurred_at: datetime,
        idempotency_key: str | None,
        retry: bool,
        new: str | None = None,
        answers: str | None = None,
        echo: tuple[str, ...] = (),
        prepare: Callable[[Command], dict[str, Any]] | None = None,
        server_time: bool = False,
        **payload: Any,
    ) -> CommandResult:
        """Run one Family command `act` through the pipeline.

        `new` names the id the command creates (e.g. "contact_id"), `answers` the name under
        which `act`'s return value is reported, `echo` the payload ids repeated in the
        result; `prepare` turns the payload into `act`'s arguments, on every attempt.
        """
        command = self._command(
            name,
            family_id,
            actor=actor,
            occurred_at=occurred_at,
            idempotency_key=idempotency_key,
            retry=retry,
            **payload,
        )
        command.server_time = server_time

        def change(family: Family, entry: dict[str, Any]) -> None:
            made = {new: self._id(command, new)} if new else {}
            command.ids.update({key: payload[key] for key in echo})
            given = prepare(command) if prepare else payload
            answer = act(family, **made, **given, codes=self.codes, now=self.clock(), **entry)
            if answers is not None:
                command.ids[answers] = answer  # type: ignore[assignment]

        return self._run(command, change)

    def add_member(
        self,
        family_id: UUID,
        *,
        actor: Actor,
        occurred_at: datetime,
        relationship: str,
        send: bool,
        personal: PersonalData,
        idempotency_key: str | None = None,
    ) -> CommandResult:
        def member(command: Command) -> dict[str, Any]:
            return {"member": Member(self._id(command, "member_id"), relationship, send, personal)}

        return self._perform(
            "member addition", family_id, Family.add_member,
            actor=actor, occurred_at=occurred_at, idempotency_key=idempotency_key, retry=True,
            prepare=member, relationship=relationship, send=send, personal=personal,
        )  # fmt: skip

    def remove_member(
        self,
        family_id: UUID,
        *,
        actor: Actor,
        occurred_at: datetime,
        member_id: UUID,
        reason: str,
        idempotency_key: str | None = None,
    ) -> CommandResult:
        return self._perform(
            "member leaving", family_id, Family.remove_member,
            actor=actor, occurred_at=occurred_at, idempotency_key=idempotency_key, retry=True,
            member_id=member_id, reason=reason,
        )  # fmt: skip

    def record_contact(
        self,
        family_id: UUID,
        *,
        actor: Actor,
        occurred_at: datetime,
        agency: str,
        channel: str,
        reason: str,
        member_ids: tuple[UUID, ...] = (),
        personal: PersonalData | None = None,
        idempotency_key: str | None = None,
    ) -> CommandResult:
        return self._perform(
            "contact", family_id, Family.record_contact,
            actor=actor, occurred_at=occurred_at, idempotency_key=idempotency_key, retry=True,
            new="contact_id",
            agency=agency, channel=channel, reason=reason, member_ids=member_ids,
            personal=personal,
        )  # fmt: skip

    def request_support(
        self,
        family_id: UUID,
        *,
        actor: Actor,
        occurred_at: datetime,
        source: str,
        personal: PersonalData | None = None,
        idempotency_key: str | None = None,
    ) -> CommandResult:
        return self._perform(
            "request for support", family_id, Family.request_support,
            actor=actor, occurred_at=occurred_at, idempotency_key=idempotency_key, retry=True,
            new="episode_id", source=source, personal=personal,
        )  # fmt: skip

    def decide_support(
        self,
        family_id: UUID,
        *,
        actor: Actor,
        occurred_at: datetime,
        agreed: bool,
        idempotency_key: str | None = None,
    ) -> CommandResult:
        return self._perform(
            "support decision", family_id, Family.decide_support,
            actor=actor, occurred_at=occurred_at, idempotency_key=idempotency_key, retry=False,
            answers="episode_id", agreed=agreed,
        )  # fmt: skip

    def give_consent(
        self,
        family_id: UUID,
        *,
        actor: Actor,
        occurred_at: datetime,
        given_by: UUID,
        agencies: tuple[str, ...],
        purposes: tuple[str, ...],
        idempotency_key: str | None = None,
    ) -> CommandResult:
        return self._perform(
            "sharing consent", family_id, Family.give_consent,
            actor=actor, occurred_at=occurred_at, idempotency_key=idempotency_key, retry=True,
            new="consent_id", given_by=given_by, agencies=agencies, purposes=purposes,
        )  # fmt: skip

    def withdraw_consent(
        self,
        family_id: UUID,
        *,
        actor: Actor,
        occurred_at: datetime,
        consent_id: UUID,
        idempotency_key: str | None = None,
    ) -> CommandResult:
        return self._perform(
            "consent withdrawal", family_id, Family.withdraw_consent,
            actor=actor, occurred_at=occurred_at, idempotency_key=idempotency_key, retry=True,
            consent_id=consent_id,
        )  # fmt: skip

    def share_information(
        self,
        family_id: UUID,
        *,
        actor: Actor,
        occurred_at: datetime,
        with_agency: str,
        categories: tuple[str, ...],
        purpose: str,
        lawful_basis: str,
        personal: PersonalData | None = None,
        idempotency_key: str | None = None,
    ) -> CommandResult:
        return self._perform(
            "information sharing", family_id, Family.share_information,
            actor=actor, occurred_at=occurred_at, idempotency_key=idempotency_key, retry=True,
            new="sharing_id", with_agency=with_agency, categories=categories, purpose=purpose,
            lawful_basis=lawful_basis, personal=personal,
        )  # fmt: skip

    def assign_lead_practitioner(
        self,
        family_id: UUID,
        *,
        actor: Actor,
        occurred_at: datetime,
        practitioner_id: str,
        agency: str,
        idempotency_key: str | None = None,
    ) -> CommandResult:
        return self._perform(
            "lead practitioner assignment", family_id, Family.assign_lead_practitioner,
            actor=actor, occurred_at=occurred_at, idempotency_key=idempotency_key, retry=False,
            answers="episode_id", practitioner_id=practitioner_id, agency=agency,
        )  # fmt: skip

    def start_assessment(
        self,
        family_id: UUID,
        *,
        actor: Actor,
        occurred_at: datetime,
        idempotency_key: str | None = None,
    ) -> CommandResult:
        return self._perform(
            "assessment start", family_id, Family.start_assessment,
            actor=actor, occurred_at=occurred_at, idempotency_key=idempotency_key, retry=True,
            new="assessment_id",
        )  # fmt: skip

    def complete_assessment(
        self,
        family_id: UUID,
        *,
        actor: Actor,
        occurred_at: datetime,
        assessment_id: UUID,
        level_of_need: str,
        needs: tuple[str, ...] = (),
        strengths: tuple[str, ...] = (),
        factors: tuple[str, ...] = (),
        personal: PersonalData | None = None,
        idempotency_key: str | None = None,
    ) -> CommandResult:
        return self._perform(
            "assessment completion", family_id, Family.complete_assessment,
            actor=actor, occurred_at=occurred_at, idempotency_key=idempotency_key, retry=True,
            assessment_id=assessment_id, level_of_need=level_of_need, needs=needs,
            strengths=strengths, factors=factors, personal=personal,
        )  # fmt: skip

    def _plan_values(
        self, command: Command, outcomes: tuple[NewOutcome, ...], actions: tuple[NewAction, ...]
    ) -> dict[str, Any]:
        """Give new outcomes and actions their ids; actions may point at outcomes by index."""
        planned = tuple(
            PlanOutcome(o.outcome_id or self.new_id(), o.headline_outcome, o.target_date)
            for o in outcomes
        )
        for n, outcome in enumerate(planned):
            command.ids[f"outcome_id_{n}"] = outcome.outcome_id

        def outcome_id(ref: UUID | int) -> UUID:
            if isinstance(ref, int):
                if not 0 <= ref < len(planned):
                    raise InvalidValueError("actions.outcome", f"no outcome number {ref}")
                return planned[ref].outcome_id
            return ref

        planned_actions = tuple(
            PlanAction(self.new_id(), outcome_id(a.outcome), a.owner_agency, a.due_date)
            for a in actions
        )
        return {**command.payload, "outcomes": planned, "actions": planned_actions}

    def agree_plan(
        self,
        family_id: UUID,
        *,
        actor: Actor,
        occurred_at: datetime,
        outcomes: tuple[NewOutcome, ...],
        actions: tuple[NewAction, ...] = (),
        personal: PersonalData | None = None,
        idempotency_key: str | None = None,
    ) -> CommandResult:
        return self._perform(
            "plan", family_id, Family.agree_plan,
            actor=actor, occurred_at=occurred_at, idempotency_key=idempotency_key, retry=True,
            new="plan_id", prepare=lambda command: self._plan_values(command, outcomes, actions),
            outcomes=outcomes, actions=actions, personal=personal,
        )  # fmt: skip

    def revise_plan(
        self,
        family_id: UUID,
        *,
        actor: Actor,
        occurred_at: datetime,
        plan_id: UUID,
        outcomes: tuple[NewOutcome, ...],
        actions: tuple[NewAction, ...] = (),
        personal: PersonalData | None = None,
        idempotency_key: str | None = None,
    ) -> CommandResult:
        return self._perform(
            "plan revision", family_id, Family.revise_plan,
            actor=actor, occurred_at=occurred_at, idempotency_key=idempotency_key, retry=False,
            echo=("plan_id",),
            prepare=lambda command: self._plan_values(command, outcomes, actions),
            plan_id=plan_id, outcomes=outcomes, actions=actions, personal=personal,
        )  # fmt: skip

    def hold_review(
        self,
        family_id: UUID,
        *,
        actor: Actor,
        occurred_at: datetime,
        plan_id: UUID,
        progress: tuple[OutcomeProgress, ...],
        decision: str,
        attendees: tuple[str, ...] = (),
        personal: PersonalData | None = None,
        idempotency_key: str | None = None,
    ) -> CommandResult:
        return self._perform(
            "review", family_id, Family.hold_review,
            actor=actor, occurred_at=occurred_at, idempotency_key=idempotency_key, retry=True,
            new="review_id", plan_id=plan_id, progress=progress, decision=decision,
            attendees=attendees, personal=personal,
        )  # fmt: skip

    def raise_escalation(
        self,
        family_id: UUID,
        *,
        actor: Actor,
        occurred_at: datetime,
        to_service: str,
        reason: str,
        safeguarding: bool,
        lawful_basis: str,
        personal: PersonalData | None = None,
        idempotency_key: str | None = None,
    ) -> CommandResult:
        return self._perform(
            "escalation", family_id, Family.raise_escalation,
            actor=actor, occurred_at=occurred_at, idempotency_key=idempotency_key, retry=True,
            new="escalation_id", to_service=to_service, reason=reason,
            safeguarding=safeguarding, lawful_basis=lawful_basis, personal=personal,
        )  # fmt: skip

    def respond_to_escalation(
        self,
        family_id: UUID,
        *,
        actor: Actor,
        occurred_at: datetime,
        escalation_id: UUID,
        response: str,
        idempotency_key: str | None = None,
    ) -> CommandResult:
        return self._perform(
            "escalation response", family_id, Family.respond_to_escalation,
            actor=actor, occurred_at=occurred_at, idempotency_key=idempotency_key, retry=False,
            echo=("escalation_id",), answers="episode_id",
            escalation_id=escalation_id, response=response,
        )  # fmt: skip

    def step_down(
        self,
        family_id: UUID,
        *,
        actor: Actor,
        occurred_at: datetime,
        from_service: str = "children_social_care",
        reason: str = "RC9",
        idempotency_key: str | None = None,
    ) -> CommandResult:
        return self._perform(
            "step-down", family_id, Family.step_down,
            actor=actor, occurred_at=occurred_at, idempotency_key=idempotency_key, retry=True,
            new="episode_id", from_service=from_service, reason=reason,
        )  # fmt: skip

    def evidence_outcome(
        self,
        family_id: UUID,
        *,
        actor: Actor,
        occurred_at: datetime,
        headline_outcome: str,
        measure: str,
        value: Decimal,
        period_start: date,
        period_end: date,
        source: str,
        idempotency_key: str | None = None,
    ) -> CommandResult:
        return self._perform(
            "outcome evidence", family_id, Family.evidence_outcome,
            actor=actor, occurred_at=occurred_at, idempotency_key=idempotency_key, retry=True,
            new="evidence_id", headline_outcome=headline_outcome, measure=measure, value=value,
            period_start=period_start, period_end=period_end, source=source,
        )  # fmt: skip

    def close_episode(
        self,
        family_id: UUID,
        *,
        actor: Actor,
        occurred_at: datetime,
        reason: str,
        outcome_statuses: tuple[OutcomeStatus, ...] = (),
        personal: PersonalData | None = None,
        idempotency_key: str | None = None,
    ) -> CommandResult:
        return self._perform(
            "closure", family_id, Family.close_episode,
            actor=actor, occurred_at=occurred_at, idempotency_key=idempotency_key, retry=False,
            answers="episode_id", reason=reason, outcome_statuses=outcome_statuses,
            personal=personal,
        )  # fmt: skip

    def correct_entry(
        self,
        family_id: UUID,
        *,
        actor: Actor,
        occurred_at: datetime,
        target_entry_id: UUID,
        reason: str,
        changes: tuple[FieldChange, ...] = (),
        member_id: UUID | None = None,
        personal: PersonalData | None = None,
        idempotency_key: str | None = None,
    ) -> CommandResult:
        return self._perform(
            "correction", family_id, Family.correct_entry,
            actor=actor, occurred_at=occurred_at, idempotency_key=idempotency_key, retry=False,
            target_entry_id=target_entry_id, reason=reason, changes=changes,
            member_id=member_id, personal=personal,
        )  # fmt: skip

    def retract_entry(
        self,
        family_id: UUID,
        *,
        actor: Actor,
        occurred_at: datetime,
        target_entry_id: UUID,
        reason: str,
        personal: PersonalData | None = None,
        idempotency_key: str | None = None,
    ) -> CommandResult:
        return self._perform(
            "retraction", family_id, Family.retract_entry,
            actor=actor, occurred_at=occurred_at, idempotency_key=idempotency_key, retry=False,
            target_entry_id=target_entry_id, reason=reason, personal=personal,
        )  # fmt: skip

    # -- erasure and legal holds ------------------------------------------------------------

    def erase_personal_data(
        self,
        family_id: UUID,
        *,
        actor: Actor,
        reason: str,
        occurred_at: datetime | None = None,
        idempotency_key: str | None = None,
        destroy_key: bool = True,
    ) -> CommandResult:
        """Record the erasure, then destroy the family's key (unless `destroy_key` is false:
        then the caller does, e.g. for many families at once). Not in a batch: the key is
        destroyed only once the erasure is stored."""
        if getattr(self._units, "current", None) is not None:
            raise RuntimeError("an erasure is saved on its own, not in a batch")
        result = self._perform(
            "erasure", family_id, Family.erase_personal_data,
            actor=actor, occurred_at=occurred_at or self.clock(), server_time=occurred_at is None,
            idempotency_key=idempotency_key, retry=True, reason=reason,
        )  # fmt: skip
        # Also when replayed: a first attempt may have stopped before the key was destroyed.
        if destroy_key and self.sealer is not None:
            self.sealer.forget([str(family_id)])
        return result

    def place_legal_hold(
        self,
        family_id: UUID,
        *,
        actor: Actor,
        reason: str,
        reference: str,
        occurred_at: datetime | None = None,
        idempotency_key: str | None = None,
    ) -> CommandResult:
        return self._perform(
            "legal hold", family_id, Family.place_legal_hold,
            actor=actor, occurred_at=occurred_at or self.clock(), server_time=occurred_at is None,
            idempotency_key=idempotency_key, retry=True,
            new="hold_id", reason=reason, reference=reference,
        )  # fmt: skip

    def lift_legal_hold(
        self,
        family_id: UUID,
        *,
        actor: Actor,
        hold_id: UUID,
        reason: str,
        occurred_at: datetime | None = None,
        idempotency_key: str | None = None,
    ) -> CommandResult:
        return self._perform(
            "legal hold lifting", family_id, Family.lift_legal_hold,
            actor=actor, occurred_at=occurred_at or self.clock(), server_time=occurred_at is None,
            idempotency_key=idempotency_key, retry=True,
            echo=("hold_id",), hold_id=hold_id, reason=reason,
        )  # fmt: skip

    def erasures(self, *, after: int = 0, upto: int | None = None) -> Iterator[tuple[int, UUID]]:
        """(position, family id) of every erasure recorded after store position `after` (up
        to `upto`, if given)."""
        topic = get_topic(Family.PersonalDataErased)
        while self.anything_after(after):
            batch = self.recorder.select_notifications(
                start=after + 1, limit=500, stop=upto, topics=[topic]
            )
            if not batch:
                return
            for notification in batch:
                yield notification.id, UUID(str(notification.originator_id))
            after = batch[-1].id

    # -- queries (until projections take over) -------------------------------------------------

    def family_events(self, family_id: UUID) -> list[DomainEventProtocol[UUID]]:
        """The family's whole stream, oldest first. Raises NotFoundError if there is none.

        Once the family's personal data is erased, every PersonalData in it reads as erased,
        whatever could still be opened (see domain.sealing.with_personal_data_erased)."""
        events = list(self.events.get(family_id))
        if not events or not isinstance(events[0], Family.Registered):
            raise NotFoundError(f"family {family_id} was not found")
        if any(isinstance(event, Family.PersonalDataErased) for event in events):
            return [with_personal_data_erased(event) for event in events]
        return events

    def list_families(
        self, *, area: str | None = None, after: int = 0, limit: int = 50
    ) -> FamilyPage:
        """Registered families in the order they were recorded, optionally in one area.

        `after` is a store position (the `next` of the previous page)."""
        if area is not None:
            self.codes.require("area", area, field="area")
        items: list[FamilySummary] = []
        if not self.anything_after(after):
            return FamilyPage(items, None)
        start = after + 1
        while len(items) < limit:
            batch = self.recorder.select_notifications(
                start=start, limit=max(limit * 4, 100), topics=[self._registered_topic]
            )
            if not batch:
                return FamilyPage(items, None)
            for notification in batch:
                event = self.mapper.to_domain_event(notification)
                assert isinstance(event, Family.Registered)
                if area is None or event.area == area:
                    items.append(
                        FamilySummary(
                            event.originator_id, event.area, event.timestamp, notification.id
                        )
                    )
                    if len(items) == limit:
                        return FamilyPage(items, notification.id)
            start = batch[-1].id + 1
        return FamilyPage(items, None)  # only when limit < 1

    def position(self) -> int:
        return self.recorder.max_notification_id() or 0

    def anything_after(self, after: int) -> bool:
        """Whether the store holds a position after `after`. Asked before reading from
        `after + 1`, which past the largest position would not fit the store's 64-bit ints."""
        return after < self.position()

    def iter_family_ids(self) -> Iterator[UUID]:
        after = 0
        while True:
            page = self.list_families(after=after, limit=500)
            yield from (item.family_id for item in page.items)
            if page.next is None:
                return
            after = page.next
