"""The application service: `handle(command)` loads, checks, saves, returns ids.

Each command (domain.commands) loads the family, calls one Family method on it (STEPS) and
saves the new events in one transaction, returning a CommandResult (ids and the store
position) — never aggregates.

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
from datetime import UTC, datetime
from typing import Any, ClassVar
from uuid import UUID, uuid4, uuid5

from eventsourcing.application import AggregateNotFoundError, Application
from eventsourcing.domain import Aggregate, DomainEventProtocol
from eventsourcing.persistence import IntegrityError, Mapper, Transcoder
from eventsourcing.utils import Environment, EnvType, get_topic

from domain import codes as code_lists
from domain.commands import (
    STEPS,
    AddMember,
    AgreePlan,
    Command,
    ErasePersonalData,
    FamilyCommand,
    NewAction,
    NewOutcome,
    RecordCaseAudit,
    RegisterFamily,
    RevisePlan,
)
from domain.errors import (
    ConcurrentChangeError,
    IdempotencyKeyReusedError,
    InvalidValueError,
    NotFoundError,
)
from domain.family import Family, NewEntry, check_occurred_at
from domain.family.state import STATE_TYPES
from domain.sealing import (
    PersonalDataSealer,
    SealedPersonalData,
    SealingMapper,
    with_personal_data_erased,
)
from domain.values import (
    TRANSCODERS,
    Actor,
    AuditAction,
    DataclassAsDict,
    JourneysTranscoder,
    Member,
    OrjsonTranscoder,
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
class Run:
    """One command in progress: its name, who sent it, what it asks, the ids it made."""

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
        return self.make_transcoder(self.env.get("TRANSCODER") or "orjson")

    def make_transcoder(self, kind: str) -> JourneysTranscoder:
        """The transcoder of that kind (TRANSCODERS), with every transcoding registered."""
        # Both write and read the same bytes (domain.values.OrjsonTranscoder); orjson's is faster.
        if kind not in TRANSCODERS:
            raise ValueError(f"TRANSCODER must be one of {', '.join(TRANSCODERS)}, not {kind!r}")
        transcoder = OrjsonTranscoder() if kind == "orjson" else JourneysTranscoder()
        self.register_transcodings(transcoder)
        register_value_transcodings(transcoder)
        for state_type in STATE_TYPES:  # the parts of a family's state, in its snapshots
            transcoder.register(DataclassAsDict(state_type))
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
        command: Run,
        change: Callable[[Family, NewEntry], object] | None = None,
        *,
        create: Callable[[NewEntry], Family] | None = None,
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
            entry = NewEntry(
                entry_id=self.new_id(), occurred_at=command.occurred_at, actor=command.actor
            )
            command.ids = {"entry_id": entry.entry_id}
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

    def _id(self, run: Run, name: str) -> UUID:
        """A new id for the thing the command creates, named in its result."""
        new = self.new_id()
        run.ids[name] = new
        return new

    # -- commands ------------------------------------------------------------------------------

    def handle(self, command: Command) -> CommandResult:
        """Run one command: record its entry on the family, in one transaction, and answer
        the ids it made and the store position.

        In order: (1) with an idempotency key, a receipt of the same command answers its
        first result and stores nothing (a different command under the key is refused);
        (2) the family is loaded (or registered), the command run on it, and its events
        saved with the receipt; (3) when another writer saved the family first, a command
        of STEPS marked `retry` is run again on the fresh family, any other is refused with
        ConcurrentChangeError. Inside `batch()`, nothing is saved until the batch ends.
        """
        if isinstance(command, RegisterFamily):
            return self._register(command)
        assert isinstance(command, FamilyCommand), f"not a command: {command!r}"
        step = STEPS[type(command)]
        erasure = isinstance(command, ErasePersonalData)
        if erasure and getattr(self._units, "current", None) is not None:
            # The key is destroyed only once the erasure is stored.
            raise RuntimeError("an erasure is saved on its own, not in a batch")
        payload = command.payload()
        run = Run(
            command.NAME,
            command.family_id,
            command.actor,
            command.occurred_at or self.clock(),
            command.idempotency_key,
            payload,
            step.retry,
            server_time=command.occurred_at is None,
        )

        def change(family: Family, entry: NewEntry) -> None:
            made = {step.new: self._id(run, step.new)} if step.new else {}
            run.ids.update({key: payload[key] for key in step.echo})
            given = self._arguments(command, run)
            act = getattr(family, step.act)
            answer = act(**made, **given, codes=self.codes, now=self.clock(), entry=entry)
            if step.answers is not None:
                run.ids[step.answers] = answer

        result = self._run(run, change)
        # Also when replayed: a first attempt may have stopped before the key was destroyed.
        if isinstance(command, ErasePersonalData) and command.destroy_key and self.sealer:
            self.sealer.forget([str(command.family_id)])
        return result

    def _arguments(self, command: FamilyCommand, run: Run) -> dict[str, Any]:
        """The Family method's arguments, made again on every attempt (new ids included)."""
        if isinstance(command, AddMember):
            member_id = self._id(run, "member_id")
            return {
                "member": Member(member_id, command.relationship, command.send, command.personal)
            }
        if isinstance(command, AgreePlan | RevisePlan):
            return self._plan_values(run, command.outcomes, command.actions)
        if isinstance(command, RecordCaseAudit):
            actions = tuple(
                AuditAction(self._id(run, f"action_id_{n}"), a.owner, a.due_date)
                for n, a in enumerate(command.actions)
            )
            return {**run.payload, "actions": actions}
        return dict(run.payload)

    def _register(self, command: RegisterFamily) -> CommandResult:
        # With a key, the family id is derived from it, so a repeat cannot make a second family.
        actor, key = command.actor, command.idempotency_key
        family_id = (
            uuid5(RECEIPT_NAMESPACE, f"family\x00{actor.user_id}\x00{key}")
            if key
            else self.new_id()
        )
        payload = command.payload()
        run = Run(command.NAME, family_id, actor, command.occurred_at, key, payload, False)

        def create(entry: NewEntry) -> Family:
            values = tuple(
                Member(self._id(run, f"member_id_{n}"), relationship, send, personal)
                for n, (relationship, send, personal) in enumerate(command.members)
            )
            run.ids["family_id"] = family_id
            return Family.register(
                family_id=family_id,
                area=command.area,
                members=values,
                codes=self.codes,
                now=self.clock(),
                entry=entry,
            )

        return self._run(run, create=create)

    def _plan_values(
        self, run: Run, outcomes: tuple[NewOutcome, ...], actions: tuple[NewAction, ...]
    ) -> dict[str, Any]:
        """Give new outcomes and actions their ids; actions may point at outcomes by index."""
        planned = tuple(
            PlanOutcome(o.outcome_id or self.new_id(), o.headline_outcome, o.target_date)
            for o in outcomes
        )
        for n, outcome in enumerate(planned):
            run.ids[f"outcome_id_{n}"] = outcome.outcome_id

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
        return {**run.payload, "outcomes": planned, "actions": planned_actions}

    # -- erasure and legal holds ------------------------------------------------------------

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
