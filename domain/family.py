"""The Family aggregate: one household's whole journey, as a stream of immutable events.

Command methods check the rules (see domain.rules) *before* triggering an event, so a
refused command leaves the family untouched. Event classes are a stored schema: their
module path and names are saved with every event, so move or reshape them only with
`register_topic` / `class_version` and an upcaster.

Ids are given by the caller (the application service) so that simulations are repeatable.
Every command takes keyword arguments only, including the code lists in force (`codes`), the
clock's `now` and the entry's `entry_id`, `occurred_at` and `actor`, so that the application
service runs them all through one pipeline.
State is kept in JSON-stable types (str keys, tuples) so that snapshots round-trip.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Mapping
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any, ClassVar
from uuid import UUID

from eventsourcing.domain import Aggregate

from domain.codes import CodeLists
from domain.errors import InvalidValueError, NotFoundError, RuleBrokenError
from domain.values import (
    Actor,
    FieldChange,
    Member,
    OutcomeProgress,
    OutcomeStatus,
    PersonalData,
    PlanAction,
    PlanOutcome,
)

CLOCK_SKEW = timedelta(minutes=5)
ADULT_AGE = 19
SEND_ADULT_AGE = 25

# Corrections may change these fields, each parsed as the given kind ("code:<list>" is
# checked against that code list). Ids and structure are never correctable.
CORRECTABLE: Mapping[str, Mapping[str, str]] = {
    "Registered": {"occurred_at": "datetime", "area": "code:area"},
    "ContactRecorded": {
        "occurred_at": "datetime",
        "agency": "code:agency",
        "channel": "code:contact_channel",
        "reason": "code:contact_reason",
    },
    "SupportRequested": {"occurred_at": "datetime", "source": "code:referral_source"},
    "AssessmentCompleted": {"occurred_at": "datetime", "level_of_need": "code:level_of_need"},
    "ReviewHeld": {"occurred_at": "datetime", "decision": "code:review_decision"},
    "EscalationRaised": {"occurred_at": "datetime", "reason": "code:escalation_reason"},
    "InformationShared": {"occurred_at": "datetime"},
    "OutcomeEvidenced": {
        "occurred_at": "datetime",
        "measure": "code:evidence_measure",
        "source": "code:evidence_source",
        "value": "decimal",
        "period_start": "date",
        "period_end": "date",
    },
}
RETRACTABLE = frozenset({"ContactRecorded", "OutcomeEvidenced", "InformationShared", "ReviewHeld"})
# Entries whose free-text notes may be corrected (those that carry `personal` notes).
NOTES_ENTRIES = frozenset(
    {
        "ContactRecorded",
        "InformationShared",
        "AssessmentCompleted",
        "PlanAgreed",
        "PlanRevised",
        "ReviewHeld",
        "EscalationRaised",
        "EpisodeClosed",
    }
)

# What each kind of entry is called in a refusal.
ENTRY_NAMES: Mapping[str, str] = {
    "Registered": "registration",
    "MemberAdded": "member joining",
    "MemberLeft": "member leaving",
    "ContactRecorded": "contact",
    "SupportRequested": "request for support",
    "SupportAgreed": "agreement to support",
    "SupportDeclined": "decision to decline support",
    "ConsentGiven": "consent",
    "ConsentWithdrawn": "withdrawal of consent",
    "InformationShared": "information sharing",
    "LeadPractitionerAssigned": "assignment of a lead practitioner",
    "AssessmentStarted": "start of the assessment",
    "AssessmentCompleted": "completion of the assessment",
    "PlanAgreed": "plan",
    "PlanRevised": "plan revision",
    "ReviewHeld": "review",
    "EscalationRaised": "escalation",
    "EscalationResponded": "response to the escalation",
    "SteppedDown": "step-down",
    "OutcomeEvidenced": "outcome evidence",
    "EpisodeClosed": "closure",
    "EntryCorrected": "correction",
    "EntryRetracted": "retraction",
    "PersonalDataErased": "erasure",
    "LegalHoldPlaced": "legal hold",
    "LegalHoldLifted": "lifting of a legal hold",
}


def require(condition: bool, rule: str, detail: str) -> None:
    """Raise RuleBrokenError(rule, detail) unless `condition` holds."""
    if not condition:
        raise RuleBrokenError(rule, detail)


def check_occurred_at(occurred_at: datetime, now: datetime, *, field: str = "occurred_at") -> None:
    """A time with a zone, not after `now`: the time the entry is (or was) recorded."""
    if occurred_at.tzinfo is None or occurred_at.utcoffset() is None:
        raise InvalidValueError(field, "give a time zone, e.g. 2025-03-01T09:30:00Z")
    require(
        occurred_at <= now + CLOCK_SKEW,
        "occurred_in_future",
        f"{field} {occurred_at.isoformat()} is later than the entry is recorded "
        f"({now.isoformat()}): it cannot have happened yet",
    )


def age_on(born: date, day: date) -> int:
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


class Family(Aggregate):
    """A household receiving (or who may receive) early help, over the years."""

    # -- events ------------------------------------------------------------------------

    class Entry(Aggregate.Event):
        """Every entry: who recorded it, when it happened, and its own id."""

        entry_id: UUID
        occurred_at: datetime
        actor: Actor

        def apply(self, family: Family) -> None:
            kind = type(self).__name__
            family.keep_time(kind, vars(self), recorded_at=self.timestamp)
            family.entries[str(self.entry_id)] = kind
            self.evolve(family)

        def evolve(self, family: Family) -> None:
            """Change the family's state; the default entry changes nothing else."""

    class Registered(Aggregate.Created):
        entry_id: UUID
        occurred_at: datetime
        actor: Actor
        area: str
        members: tuple[Member, ...]
        code_list_version: str

        def apply(self, family: Family) -> None:
            family.area = self.area
            family.code_list_version = self.code_list_version
            family.keep_time("Registered", vars(self), recorded_at=self.timestamp)
            family.entries[str(self.entry_id)] = "Registered"
            for member in self.members:
                family.members[str(member.member_id)] = {
                    "relationship": member.relationship,
                    "active": True,
                    "entry_id": str(self.entry_id),
                }
                family.keep_birth(member.member_id, member.personal)

    class MemberAdded(Entry):
        member: Member

        def evolve(self, family: Family) -> None:
            family.members[str(self.member.member_id)] = {
                "relationship": self.member.relationship,
                "active": True,
                "entry_id": str(self.entry_id),
            }
            family.keep_birth(self.member.member_id, self.member.personal)

    class MemberLeft(Entry):
        member_id: UUID
        reason: str

        def evolve(self, family: Family) -> None:
            family.members[str(self.member_id)]["active"] = False

    class ContactRecorded(Entry):
        contact_id: UUID
        episode_id: UUID | None
        agency: str
        channel: str
        reason: str
        member_ids: tuple[UUID, ...]
        personal: PersonalData | None

    class SupportRequested(Entry):
        episode_id: UUID
        source: str
        personal: PersonalData | None

        def evolve(self, family: Family) -> None:
            family.open_episode(self, origin="request")

    class SupportAgreed(Entry):
        episode_id: UUID

        def evolve(self, family: Family) -> None:
            family.episodes[str(self.episode_id)]["support"] = "agreed"

    class SupportDeclined(Entry):
        episode_id: UUID

        def evolve(self, family: Family) -> None:
            family.episodes[str(self.episode_id)]["support"] = "declined"

    class ConsentGiven(Entry):
        consent_id: UUID
        given_by: UUID
        agencies: tuple[str, ...]
        purposes: tuple[str, ...]

        def evolve(self, family: Family) -> None:
            family.consents[str(self.consent_id)] = {
                "agencies": self.agencies,
                "purposes": self.purposes,
                "in_force": True,
            }

    class ConsentWithdrawn(Entry):
        consent_id: UUID

        def evolve(self, family: Family) -> None:
            family.consents[str(self.consent_id)]["in_force"] = False

    class InformationShared(Entry):
        sharing_id: UUID
        episode_id: UUID | None
        with_agency: str
        categories: tuple[str, ...]
        purpose: str
        lawful_basis: str
        consent_id: UUID | None
        personal: PersonalData | None

    class LeadPractitionerAssigned(Entry):
        episode_id: UUID
        practitioner_id: str
        agency: str
        previous_practitioner_id: str | None

        def evolve(self, family: Family) -> None:
            family.episodes[str(self.episode_id)]["lead"] = self.practitioner_id

    class AssessmentStarted(Entry):
        assessment_id: UUID
        episode_id: UUID

        def evolve(self, family: Family) -> None:
            family.episodes[str(self.episode_id)]["assessment"] = {
                "assessment_id": str(self.assessment_id),
                "started_at": self.occurred_at,
                "entry_id": str(self.entry_id),
                "completed": False,
            }

    class AssessmentCompleted(Entry):
        assessment_id: UUID
        episode_id: UUID
        strengths: tuple[str, ...]
        needs: tuple[str, ...]
        factors: tuple[str, ...]
        level_of_need: str
        personal: PersonalData | None

        def evolve(self, family: Family) -> None:
            episode = family.episodes[str(self.episode_id)]
            episode["assessment"] = {**episode["assessment"], "completed": True}
            episode["assessed"] = True

    class PlanAgreed(Entry):
        plan_id: UUID
        episode_id: UUID
        outcomes: tuple[PlanOutcome, ...]
        actions: tuple[PlanAction, ...]
        personal: PersonalData | None

        def evolve(self, family: Family) -> None:
            family.episodes[str(self.episode_id)]["plan"] = {
                "plan_id": str(self.plan_id),
                "agreed_at": self.occurred_at,
                "entry_id": str(self.entry_id),
                "revision": 0,
                "outcomes": {str(o.outcome_id): o.headline_outcome for o in self.outcomes},
            }

    class PlanRevised(Entry):
        plan_id: UUID
        episode_id: UUID
        revision: int
        outcomes: tuple[PlanOutcome, ...]
        actions: tuple[PlanAction, ...]
        personal: PersonalData | None

        def evolve(self, family: Family) -> None:
            plan = family.episodes[str(self.episode_id)]["plan"]
            plan["revision"] = self.revision
            plan["outcomes"] = {str(o.outcome_id): o.headline_outcome for o in self.outcomes}

    class ReviewHeld(Entry):
        review_id: UUID
        episode_id: UUID
        plan_id: UUID
        attendees: tuple[str, ...]
        progress: tuple[OutcomeProgress, ...]
        decision: str
        personal: PersonalData | None

    class EscalationRaised(Entry):
        escalation_id: UUID
        episode_id: UUID
        to_service: str
        reason: str
        safeguarding: bool
        lawful_basis: str
        consent_id: UUID | None
        personal: PersonalData | None

        def evolve(self, family: Family) -> None:
            family.episodes[str(self.episode_id)]["escalations"][str(self.escalation_id)] = {
                "to_service": self.to_service,
                "status": "pending",
                "raised_at": self.occurred_at,
                "entry_id": str(self.entry_id),
            }

    class EscalationResponded(Entry):
        escalation_id: UUID
        episode_id: UUID
        response: str

        def evolve(self, family: Family) -> None:
            escalations = family.episodes[str(self.episode_id)]["escalations"]
            escalations[str(self.escalation_id)]["status"] = self.response

    class SteppedDown(Entry):
        episode_id: UUID
        from_service: str
        reason: str

        def evolve(self, family: Family) -> None:
            family.open_episode(self, origin="step_down")

    class OutcomeEvidenced(Entry):
        evidence_id: UUID
        episode_id: UUID | None
        headline_outcome: str
        measure: str
        value: Decimal
        period_start: date
        period_end: date
        source: str

    class EpisodeClosed(Entry):
        episode_id: UUID
        reason: str
        outcome_statuses: tuple[OutcomeStatus, ...]
        personal: PersonalData | None

        def evolve(self, family: Family) -> None:
            family.episodes[str(self.episode_id)]["closed_at"] = self.occurred_at
            family.episodes[str(self.episode_id)]["closed_by"] = str(self.entry_id)
            family.open_episode_id = None

    class EntryCorrected(Entry):
        target_entry_id: UUID
        changes: tuple[FieldChange, ...]
        member_id: UUID | None
        reason: str
        personal: PersonalData | None

        def evolve(self, family: Family) -> None:
            family.apply_correction(self.target_entry_id, self.changes)
            if self.member_id is not None and self.personal is not None:
                family.keep_birth(self.member_id, self.personal)

    class EntryRetracted(Entry):
        target_entry_id: UUID
        reason: str
        personal: PersonalData | None

        def evolve(self, family: Family) -> None:
            family.retracted[str(self.target_entry_id)] = self.reason

    # Erasure and legal holds (domain.sealing): the entries stay, the personal data goes.

    class PersonalDataErased(Entry):
        reason: str

        def evolve(self, family: Family) -> None:
            family.erased_at = self.occurred_at
            family.births = {}

    class LegalHoldPlaced(Entry):
        hold_id: UUID
        reason: str
        reference: str

        def evolve(self, family: Family) -> None:
            hold = (str(self.hold_id), self.reason, self.reference)
            family.legal_holds = (*family.legal_holds, hold)  # a new tuple: copies share none

    class LegalHoldLifted(Entry):
        hold_id: UUID
        reason: str

        def evolve(self, family: Family) -> None:
            lifted = str(self.hold_id)
            family.legal_holds = tuple(h for h in family.legal_holds if h[0] != lifted)

    # -- state -------------------------------------------------------------------------

    # 2: erasure and legal holds (`erased_at`, `legal_holds`) joined the state.
    # 3: each entry's times and what it follows (`times`, `follows`, `periods`), and the
    #    members' dates of birth (`births`) joined the state, for the chronology rules.
    class_version = 3

    @staticmethod
    def upcast_v1_v2(state: dict[str, Any]) -> None:
        """A snapshot taken before erasure existed: nothing erased, no holds."""
        state["erased_at"] = None
        state["legal_holds"] = ()

    @staticmethod
    def upcast_v2_v3(state: dict[str, Any]) -> None:
        """A snapshot taken before entries' times were kept: the chronology rules check the
        entries recorded after it (and the episode times the snapshot has)."""
        state["times"] = {}
        state["follows"] = {}
        state["periods"] = {}
        state["births"] = {}

    def __init__(self) -> None:
        # Filled by Registered.apply; declared here for readers and the type checker.
        self.area = ""
        self.code_list_version = ""
        self.members: dict[str, dict[str, Any]] = {}
        self.episodes: dict[str, dict[str, Any]] = {}
        self.open_episode_id: str | None = None
        self.consents: dict[str, dict[str, Any]] = {}
        # Entry id -> event class name, and retracted entry id -> reason: kept flat, because
        # the repository copies the family for every command.
        self.entries: dict[str, str] = {}
        self.retracted: dict[str, str] = {}
        # When the personal data was erased, and the legal holds in force as
        # (hold id, reason, reference): replaced, never changed in place.
        self.erased_at: datetime | None = None
        self.legal_holds: tuple[tuple[str, str, str], ...] = ()
        # For the chronology rules, which hold on corrected values too: entry id -> (when
        # it occurred, when it was recorded, its episode id or ""); entry id -> the entries
        # it cannot come before; evidence entry id -> (period start, period end).
        self.times: dict[str, tuple[datetime, datetime, str]] = {}
        self.follows: dict[str, tuple[str, ...]] = {}
        self.periods: dict[str, tuple[date, date]] = {}
        # Member id -> the member's date of birth, as PersonalData: personal data, so it
        # is sealed with the family's key wherever it is stored (a snapshot), never put in
        # an error message, and gone once the family's personal data is erased.
        self.births: dict[str, PersonalData] = {}

    def __deepcopy__(self, memo: dict[int, Any]) -> Family:
        # The repository copies a cached family before every command. The generic deepcopy
        # walks every entry; the flat indexes hold only strings, so a dict copy is enough,
        # and only the small nested state needs a deep copy.
        copied = object.__new__(type(self))
        state = dict(self.__dict__)
        state["entries"] = dict(self.entries)
        state["retracted"] = dict(self.retracted)
        for name in ("times", "follows", "periods", "births"):
            state[name] = dict(state[name])
        state["members"] = {k: dict(v) for k, v in self.members.items()}
        state["consents"] = {k: dict(v) for k, v in self.consents.items()}
        state["episodes"] = copy.deepcopy(self.episodes, memo)
        state["_pending_events"] = list(self._pending_events)
        copied.__dict__.update(state)
        return copied

    STATE_FREE_ENTRIES: ClassVar[frozenset[str]] = frozenset(
        {
            "ContactRecorded",
            "OutcomeEvidenced",
            "ConsentGiven",
            "ConsentWithdrawn",
            "InformationShared",
            "MemberAdded",
            "MemberLeft",
            "EntryCorrected",
            "EntryRetracted",
            "PersonalDataErased",
            "LegalHoldPlaced",
            "LegalHoldLifted",
        }
    )

    def open_episode(
        self, opening: Family.SupportRequested | Family.SteppedDown, *, origin: str
    ) -> None:
        self.episodes[str(opening.episode_id)] = {
            "opened_at": opening.occurred_at,
            "opened_by": str(opening.entry_id),
            "origin": origin,
            "support": None,
            "lead": None,
            "assessment": None,
            "assessed": False,
            "plan": None,
            "escalations": {},
            "closed_at": None,
        }
        self.open_episode_id = str(opening.episode_id)

    # -- chronology: one set of checks for new entries and corrected ones ---------------

    def predecessors(self, kind: str, fields: Mapping[str, Any]) -> tuple[str, ...]:
        """The entries an entry of `kind` with these fields cannot have occurred before."""
        if kind in ("SupportRequested", "SteppedDown"):
            # An episode opens after the previous one closed.
            closers = (e.get("closed_by") for e in self.episodes.values())
            return tuple(c for c in closers if c)[-1:]
        if kind in self.STATE_FREE_ENTRIES or fields.get("episode_id") is None:
            return ()
        episode_id = str(fields["episode_id"])
        episode = self.episodes.get(episode_id)
        if episode is None:
            return ()
        if kind == "EpisodeClosed":  # the last entry of its episode
            return tuple(i for i, t in self.times.items() if t[2] == episode_id)
        follows = [episode.get("opened_by")]
        if kind == "AssessmentCompleted":
            follows.append((episode["assessment"] or {}).get("entry_id"))
        elif kind in ("PlanRevised", "ReviewHeld"):
            follows.append((episode["plan"] or {}).get("entry_id"))
        elif kind == "EscalationResponded":
            escalation = episode["escalations"].get(str(fields["escalation_id"]), {})
            follows.append(escalation.get("entry_id"))
        return tuple(i for i in follows if i)

    def keep_time(self, kind: str, fields: Mapping[str, Any], *, recorded_at: datetime) -> None:
        """Remember when an entry occurred and was recorded, and what it follows."""
        entry_id = str(fields["entry_id"])
        bound = kind not in self.STATE_FREE_ENTRIES and fields.get("episode_id") is not None
        episode_id = str(fields["episode_id"]) if bound else ""
        self.follows[entry_id] = self.predecessors(kind, fields)  # before it is one of them
        self.times[entry_id] = (fields["occurred_at"], recorded_at, episode_id)
        if kind == "OutcomeEvidenced":
            self.periods[entry_id] = (fields["period_start"], fields["period_end"])

    def keep_birth(self, member_id: UUID, personal: PersonalData) -> None:
        if personal.date_of_birth is not None:
            self.births[str(member_id)] = PersonalData(date_of_birth=personal.date_of_birth)

    def check_chronology(
        self,
        kind: str,
        occurred_at: datetime,
        *,
        recorded_at: datetime,
        follows: Iterable[str],
        followed_by: Iterable[str] = (),
        field: str,
    ) -> None:
        """The rules of time every entry keeps, new or as corrected: it has occurred by the
        time it is recorded, not before the family's oldest member was born, and not before
        the entries it follows (its episode's opening, its plan...) nor after those that
        follow it (its episode's closure...)."""
        check_occurred_at(occurred_at, recorded_at, field=field)
        born = [p.date_of_birth for p in self.births.values() if p.date_of_birth is not None]
        if born and occurred_at.date() < min(born):
            # Which member, and when they were born, are personal data: not said.
            raise InvalidValueError(
                field, "this is before the oldest member of the family was born"
            )
        for entry_id in follows:
            before = self.times.get(entry_id)
            require(
                before is None or occurred_at >= before[0],
                "chronology",
                f"this {ENTRY_NAMES[kind]} cannot come before the "
                f"{ENTRY_NAMES[self.entries[entry_id]]} it follows "
                f"({before and before[0].isoformat()})",
            )
        for entry_id in followed_by:
            after = self.times.get(entry_id)
            require(
                after is None or occurred_at <= after[0],
                "chronology",
                f"this {ENTRY_NAMES[kind]} cannot come after the "
                f"{ENTRY_NAMES[self.entries[entry_id]]} that follows it "
                f"({after and after[0].isoformat()})",
            )

    def apply_correction(self, target_entry_id: UUID, changes: Iterable[FieldChange]) -> None:
        """The corrected times hold from now on, for the rules of later entries too."""
        target = str(target_entry_id)
        for change in changes:
            if change.field == "occurred_at" and target in self.times:
                moved = datetime.fromisoformat(change.value)
                _, recorded_at, episode_id = self.times[target]
                self.times[target] = (moved, recorded_at, episode_id)
                self.move_episode_time(target, moved)
            elif change.field in ("period_start", "period_end") and target in self.periods:
                start, end = self.periods[target]
                day = date.fromisoformat(change.value)
                self.periods[target] = (
                    (day, end) if change.field == "period_start" else (start, day)
                )

    def move_episode_time(self, entry_id: str, moved: datetime) -> None:
        for episode in self.episodes.values():
            if episode.get("opened_by") == entry_id:
                episode["opened_at"] = moved
            if episode.get("closed_by") == entry_id:
                episode["closed_at"] = moved
            for name, key in (("assessment", "started_at"), ("plan", "agreed_at")):
                part = episode[name]
                if part is not None and part.get("entry_id") == entry_id:
                    episode[name] = {**part, key: moved}
            for escalation in episode["escalations"].values():
                if escalation.get("entry_id") == entry_id:
                    escalation["raised_at"] = moved

    def check_corrected_times(
        self,
        target_entry_id: UUID,
        target_type: str,
        changes: tuple[FieldChange, ...],
        now: datetime,
    ) -> None:
        """The entry as corrected keeps every rule of time a new entry of its type keeps."""
        target = str(target_entry_id)
        values = {c.field: c.value for c in changes}
        # A legacy entry (before times were kept) is checked against now.
        recorded_at = self.times[target][1] if target in self.times else now
        if "occurred_at" in values:
            self.check_chronology(
                target_type,
                datetime.fromisoformat(values["occurred_at"]),
                recorded_at=recorded_at,
                follows=self.follows.get(target, ()),
                followed_by=[i for i, f in self.follows.items() if target in f],
                field="changes.occurred_at",
            )
        if {"period_start", "period_end"} & set(values) and target in self.periods:
            start, end = self.periods[target]
            check_period(
                date.fromisoformat(values.get("period_start", start.isoformat())),
                date.fromisoformat(values.get("period_end", end.isoformat())),
                recorded_at,
            )

    # -- registration ------------------------------------------------------------------

    @classmethod
    def register(
        cls,
        *,
        family_id: UUID,
        entry_id: UUID,
        occurred_at: datetime,
        actor: Actor,
        area: str,
        members: tuple[Member, ...],
        codes: CodeLists,
        now: datetime,
    ) -> Family:
        check_occurred_at(occurred_at, now)
        codes.require("area", area, field="area")
        check_members(members, codes, on=occurred_at.date())
        require(
            any(m.relationship == "child" for m in members),
            "household_needs_a_child",
            "register at least one child or young person in the household",
        )
        return cls._create(
            cls.Registered,
            id=family_id,
            timestamp=now,
            entry_id=entry_id,
            occurred_at=occurred_at,
            actor=actor,
            area=area,
            members=members,
            code_list_version=codes.version,
        )

    # -- helpers for commands ----------------------------------------------------------

    def record(self, event_class: type[Entry], *, now: datetime, **fields: Any) -> None:
        """Trigger an entry event after the checks common to every entry."""
        kind = event_class.__name__
        self.check_chronology(
            kind,
            fields["occurred_at"],
            recorded_at=now,
            follows=self.predecessors(kind, fields),
            field="occurred_at",
        )
        if self.erased_at is not None:
            require(
                fields.get("personal") is None and "member" not in fields,
                "personal_data_erased",
                "this family's personal data was erased; record the entry without names, "
                "dates of birth, addresses or notes",
            )
        if event_class.__name__ not in self.STATE_FREE_ENTRIES:
            require(
                self.open_episode_id is not None
                or event_class in (Family.SupportRequested, Family.SteppedDown),
                "episode_required",
                f"{event_class.__name__} needs an open episode; request support first",
            )
        self.trigger_event(event_class, timestamp=now, **fields)

    def current_episode(self, name: str) -> dict[str, Any]:
        require(
            self.open_episode_id is not None,
            "episode_required",
            f"{name} needs an open episode; request support first",
        )
        assert self.open_episode_id is not None  # for the type checker; checked above
        return self.episodes[self.open_episode_id]

    def current_episode_id(self) -> UUID | None:
        return UUID(self.open_episode_id) if self.open_episode_id else None

    def episode_at(self, occurred_at: datetime) -> UUID | None:
        """The episode open when something happened (late recording is normal)."""
        for episode_id, episode in self.episodes.items():
            closed_at = episode["closed_at"]
            if episode["opened_at"] <= occurred_at and (
                closed_at is None or occurred_at <= closed_at
            ):
                return UUID(episode_id)
        return None

    def check_members_exist(self, member_ids: Iterable[UUID], *, field: str = "member_ids") -> None:
        # Known members, not only current ones: an entry recorded late may name someone
        # who has left since.
        for member_id in member_ids:
            require(
                str(member_id) in self.members,
                "member_not_found",
                f"{field}: {member_id} is not a member of this family",
            )

    def consent_covering(self, agency: str, purpose: str) -> str | None:
        """The id of a consent in force covering `agency` for `purpose`, if any."""
        for consent_id, consent in self.consents.items():
            if (
                consent["in_force"]
                and agency in consent["agencies"]
                and purpose in consent["purposes"]
            ):
                return consent_id
        return None

    def check_sharing_basis(self, *, agency: str, purpose: str, lawful_basis: str) -> UUID | None:
        """Consent in force covering agency and purpose, or another recorded lawful basis."""
        if lawful_basis != "consent":
            return None
        consent_id = self.consent_covering(agency, purpose)
        require(
            consent_id is not None,
            "consent_or_lawful_basis_required",
            f"no sharing consent in force covers {agency} for {purpose}; "
            "record consent first, or give another lawful basis",
        )
        assert consent_id is not None
        return UUID(consent_id)

    def check_target_entry(self, target_entry_id: UUID) -> str:
        entry_type = self.entries.get(str(target_entry_id))
        require(
            entry_type is not None,
            "entry_not_found",
            f"entry {target_entry_id} is not an entry of this family",
        )
        assert entry_type is not None
        require(
            str(target_entry_id) not in self.retracted,
            "entry_retracted",
            f"entry {target_entry_id} was retracted",
        )
        return entry_type

    # -- commands ----------------------------------------------------------------------

    def add_member(self, *, member: Member, codes: CodeLists, now: datetime, **entry: Any) -> None:
        check_members((member,), codes, on=entry["occurred_at"].date())
        self.record(Family.MemberAdded, now=now, member=member, **entry)

    def remove_member(
        self, *, member_id: UUID, reason: str, codes: CodeLists, now: datetime, **entry: Any
    ) -> None:
        codes.require("member_left_reason", reason, field="reason")
        member = self.members.get(str(member_id))
        require(
            member is not None, "member_not_found", f"{member_id} is not a member of this family"
        )
        assert member is not None
        require(member["active"], "member_already_left", f"member {member_id} has already left")
        self.record(Family.MemberLeft, now=now, member_id=member_id, reason=reason, **entry)

    def record_contact(
        self,
        *,
        contact_id: UUID,
        agency: str,
        channel: str,
        reason: str,
        member_ids: tuple[UUID, ...],
        personal: PersonalData | None,
        codes: CodeLists,
        now: datetime,
        **entry: Any,
    ) -> None:
        codes.require("agency", agency, field="agency")
        codes.require("contact_channel", channel, field="channel")
        codes.require("contact_reason", reason, field="reason")
        self.check_members_exist(member_ids)
        self.record(
            Family.ContactRecorded,
            now=now,
            contact_id=contact_id,
            episode_id=self.episode_at(entry["occurred_at"]),
            agency=agency,
            channel=channel,
            reason=reason,
            member_ids=member_ids,
            personal=personal,
            **entry,
        )

    def request_support(
        self,
        *,
        episode_id: UUID,
        source: str,
        personal: PersonalData | None,
        codes: CodeLists,
        now: datetime,
        **entry: Any,
    ) -> None:
        codes.require("referral_source", source, field="source")
        require(
            self.open_episode_id is None,
            "one_open_episode",
            f"episode {self.open_episode_id} is still open; close it before a new request",
        )
        self.record(
            Family.SupportRequested,
            now=now,
            episode_id=episode_id,
            source=source,
            personal=personal,
            **entry,
        )

    def decide_support(
        self, *, agreed: bool, codes: CodeLists, now: datetime, **entry: Any
    ) -> UUID:
        episode = self.current_episode("a support decision")
        decision = "agreed" if agreed else "declined"
        require(
            episode["support"] != decision,
            "support_decision_unchanged",
            f"the family has already {decision} support in this episode",
        )
        episode_id = self.current_episode_id()
        event_class = Family.SupportAgreed if agreed else Family.SupportDeclined
        self.record(event_class, now=now, episode_id=episode_id, **entry)
        assert episode_id is not None
        return episode_id

    def give_consent(
        self,
        *,
        consent_id: UUID,
        given_by: UUID,
        agencies: tuple[str, ...],
        purposes: tuple[str, ...],
        codes: CodeLists,
        now: datetime,
        **entry: Any,
    ) -> None:
        if not agencies:
            raise InvalidValueError("agencies", "name at least one agency")
        if not purposes:
            raise InvalidValueError("purposes", "name at least one purpose")
        codes.require_all("agency", agencies, field="agencies")
        codes.require_all("sharing_purpose", purposes, field="purposes")
        self.check_members_exist((given_by,), field="given_by")
        self.record(
            Family.ConsentGiven,
            now=now,
            consent_id=consent_id,
            given_by=given_by,
            agencies=agencies,
            purposes=purposes,
            **entry,
        )

    def withdraw_consent(
        self, *, consent_id: UUID, codes: CodeLists, now: datetime, **entry: Any
    ) -> None:
        consent = self.consents.get(str(consent_id))
        require(
            consent is not None and consent["in_force"],
            "consent_not_in_force",
            f"consent {consent_id} is not in force for this family",
        )
        self.record(Family.ConsentWithdrawn, now=now, consent_id=consent_id, **entry)

    def share_information(
        self,
        *,
        sharing_id: UUID,
        with_agency: str,
        categories: tuple[str, ...],
        purpose: str,
        lawful_basis: str,
        personal: PersonalData | None,
        codes: CodeLists,
        now: datetime,
        **entry: Any,
    ) -> None:
        codes.require("agency", with_agency, field="with_agency")
        if not categories:
            raise InvalidValueError("categories", "say what was shared")
        codes.require_all("information_category", categories, field="categories")
        codes.require("sharing_purpose", purpose, field="purpose")
        codes.require("lawful_basis", lawful_basis, field="lawful_basis")
        consent_id = self.check_sharing_basis(
            agency=with_agency, purpose=purpose, lawful_basis=lawful_basis
        )
        self.record(
            Family.InformationShared,
            now=now,
            sharing_id=sharing_id,
            episode_id=self.episode_at(entry["occurred_at"]),
            with_agency=with_agency,
            categories=categories,
            purpose=purpose,
            lawful_basis=lawful_basis,
            consent_id=consent_id,
            personal=personal,
            **entry,
        )

    def assign_lead_practitioner(
        self, *, practitioner_id: str, agency: str, codes: CodeLists, now: datetime, **entry: Any
    ) -> UUID:
        if not practitioner_id.strip():
            raise InvalidValueError("practitioner_id", "give the lead practitioner's user id")
        codes.require("agency", agency, field="agency")
        episode = self.current_episode("assigning a lead practitioner")
        require(
            episode["lead"] != practitioner_id,
            "lead_practitioner_unchanged",
            f"{practitioner_id} is already the lead practitioner",
        )
        episode_id = self.current_episode_id()
        self.record(
            Family.LeadPractitionerAssigned,
            now=now,
            episode_id=episode_id,
            practitioner_id=practitioner_id,
            agency=agency,
            previous_practitioner_id=episode["lead"],
            **entry,
        )
        assert episode_id is not None
        return episode_id

    def start_assessment(
        self, *, assessment_id: UUID, codes: CodeLists, now: datetime, **entry: Any
    ) -> None:
        episode = self.current_episode("an assessment")
        self.check_support_agreed(episode)
        assessment = episode["assessment"]
        require(
            assessment is None or assessment["completed"],
            "assessment_in_progress",
            "an assessment is already in progress: complete it first",
        )
        self.record(
            Family.AssessmentStarted,
            now=now,
            assessment_id=assessment_id,
            episode_id=self.current_episode_id(),
            **entry,
        )

    def complete_assessment(
        self,
        *,
        assessment_id: UUID,
        strengths: tuple[str, ...],
        needs: tuple[str, ...],
        factors: tuple[str, ...],
        level_of_need: str,
        personal: PersonalData | None,
        codes: CodeLists,
        now: datetime,
        **entry: Any,
    ) -> None:
        codes.require_all("headline_outcome", strengths, field="strengths")
        codes.require_all("headline_outcome", needs, field="needs")
        codes.require_all("assessment_factor", factors, field="factors")
        codes.require("level_of_need", level_of_need, field="level_of_need")
        episode = self.current_episode("completing an assessment")
        assessment = episode["assessment"]
        require(
            assessment is not None
            and assessment["assessment_id"] == str(assessment_id)
            and not assessment["completed"],
            "assessment_not_in_progress",
            f"assessment {assessment_id} is not in progress in the open episode",
        )
        self.record(
            Family.AssessmentCompleted,
            now=now,
            assessment_id=assessment_id,
            episode_id=self.current_episode_id(),
            strengths=strengths,
            needs=needs,
            factors=factors,
            level_of_need=level_of_need,
            personal=personal,
            **entry,
        )

    def agree_plan(
        self,
        *,
        plan_id: UUID,
        outcomes: tuple[PlanOutcome, ...],
        actions: tuple[PlanAction, ...],
        personal: PersonalData | None,
        codes: CodeLists,
        now: datetime,
        **entry: Any,
    ) -> None:
        episode = self.current_episode("a plan")
        self.check_support_agreed(episode)
        require(
            episode["plan"] is None,
            "plan_exists",
            f"the episode already has plan {episode['plan'] and episode['plan']['plan_id']}: "
            "revise it instead",
        )
        require(
            episode["assessed"],
            "assessment_before_plan",
            "complete an early help assessment before agreeing a plan",
        )
        self.check_lead(episode, "a plan")
        check_plan(outcomes, actions, codes, agreed_on=entry["occurred_at"].date())
        self.record(
            Family.PlanAgreed,
            now=now,
            plan_id=plan_id,
            episode_id=self.current_episode_id(),
            outcomes=outcomes,
            actions=actions,
            personal=personal,
            **entry,
        )

    def revise_plan(
        self,
        *,
        plan_id: UUID,
        outcomes: tuple[PlanOutcome, ...],
        actions: tuple[PlanAction, ...],
        personal: PersonalData | None,
        codes: CodeLists,
        now: datetime,
        **entry: Any,
    ) -> int:
        plan = self.check_current_plan(plan_id)
        check_plan(outcomes, actions, codes, agreed_on=entry["occurred_at"].date())
        revision = int(plan["revision"]) + 1
        self.record(
            Family.PlanRevised,
            now=now,
            plan_id=plan_id,
            episode_id=self.current_episode_id(),
            revision=revision,
            outcomes=outcomes,
            actions=actions,
            personal=personal,
            **entry,
        )
        return revision

    def hold_review(
        self,
        *,
        review_id: UUID,
        plan_id: UUID,
        attendees: tuple[str, ...],
        progress: tuple[OutcomeProgress, ...],
        decision: str,
        personal: PersonalData | None,
        codes: CodeLists,
        now: datetime,
        **entry: Any,
    ) -> None:
        codes.require_all("agency", attendees, field="attendees")
        codes.require("review_decision", decision, field="decision")
        for item in progress:
            codes.require("progress_rating", item.rating, field="progress.rating")
        plan = self.check_current_plan(plan_id)
        self.check_lead(self.current_episode("a review"), "a review")
        ids = [str(p.outcome_id) for p in progress]
        require(
            bool(ids) and len(set(ids)) == len(ids),
            "review_needs_progress",
            "record progress for at least one outcome of the plan, each at most once",
        )
        unknown = [i for i in ids if i not in plan["outcomes"]]
        require(
            not unknown,
            "outcome_not_in_plan",
            f"outcomes {', '.join(unknown)} are not outcomes of the current plan",
        )
        self.record(
            Family.ReviewHeld,
            now=now,
            review_id=review_id,
            episode_id=self.current_episode_id(),
            plan_id=plan_id,
            attendees=attendees,
            progress=progress,
            decision=decision,
            personal=personal,
            **entry,
        )

    def raise_escalation(
        self,
        *,
        escalation_id: UUID,
        to_service: str,
        reason: str,
        safeguarding: bool,
        lawful_basis: str,
        personal: PersonalData | None,
        codes: CodeLists,
        now: datetime,
        **entry: Any,
    ) -> None:
        codes.require("agency", to_service, field="to_service")
        codes.require("escalation_reason", reason, field="reason")
        codes.require("lawful_basis", lawful_basis, field="lawful_basis")
        require(
            to_service != "early_help",
            "escalation_to_early_help",
            "escalate to a statutory or specialist service, not to early help",
        )
        episode = self.current_episode("an escalation")
        self.check_lead(episode, "an escalation")
        require(
            not any(
                e["to_service"] == to_service and e["status"] == "pending"
                for e in episode["escalations"].values()
            ),
            "escalation_awaiting_response",
            f"an escalation to {to_service} is still awaiting its response",
        )
        require(
            lawful_basis != "safeguarding" or safeguarding,
            "safeguarding_basis_needs_concern",
            "set the safeguarding flag to use safeguarding as the lawful basis",
        )
        consent_id = self.check_sharing_basis(
            agency=to_service, purpose="escalation", lawful_basis=lawful_basis
        )
        self.record(
            Family.EscalationRaised,
            now=now,
            escalation_id=escalation_id,
            episode_id=self.current_episode_id(),
            to_service=to_service,
            reason=reason,
            safeguarding=safeguarding,
            lawful_basis=lawful_basis,
            consent_id=consent_id,
            personal=personal,
            **entry,
        )

    def respond_to_escalation(
        self, *, escalation_id: UUID, response: str, codes: CodeLists, now: datetime, **entry: Any
    ) -> UUID:
        codes.require("escalation_response", response, field="response")
        for episode_id, episode in self.episodes.items():  # noqa: B007 (used after the loop)
            escalation = episode["escalations"].get(str(escalation_id))
            if escalation is not None:
                break
        else:
            raise NotFoundError(f"escalation {escalation_id} is not an escalation of this family")
        require(
            escalation["status"] == "pending",
            "escalation_not_pending",
            f"escalation {escalation_id} was already {escalation['status']}",
        )
        actor: Actor = entry["actor"]
        require(
            actor.role != "partner" or actor.agency == escalation["to_service"],
            "respondent_not_receiving_service",
            f"this escalation is addressed to {escalation['to_service']}, not {actor.agency}",
        )
        self.record(
            Family.EscalationResponded,
            now=now,
            escalation_id=escalation_id,
            episode_id=UUID(episode_id),
            response=response,
            **entry,
        )
        return UUID(episode_id)

    def step_down(
        self,
        *,
        episode_id: UUID,
        from_service: str,
        reason: str,
        codes: CodeLists,
        now: datetime,
        **entry: Any,
    ) -> None:
        codes.require("agency", from_service, field="from_service")
        codes.require("step_down_reason", reason, field="reason")
        require(
            self.open_episode_id is None,
            "step_down_while_open",
            f"episode {self.open_episode_id} is open; a step-down opens a new episode",
        )
        self.record(
            Family.SteppedDown,
            now=now,
            episode_id=episode_id,
            from_service=from_service,
            reason=reason,
            **entry,
        )

    def evidence_outcome(
        self,
        *,
        evidence_id: UUID,
        headline_outcome: str,
        measure: str,
        value: Decimal,
        period_start: date,
        period_end: date,
        source: str,
        codes: CodeLists,
        now: datetime,
        **entry: Any,
    ) -> None:
        codes.require("headline_outcome", headline_outcome, field="headline_outcome")
        codes.require("evidence_measure", measure, field="measure")
        codes.require("evidence_source", source, field="source")
        check_period(period_start, period_end, now)
        self.record(
            Family.OutcomeEvidenced,
            now=now,
            evidence_id=evidence_id,
            episode_id=self.episode_at(entry["occurred_at"]),
            headline_outcome=headline_outcome,
            measure=measure,
            value=value,
            period_start=period_start,
            period_end=period_end,
            source=source,
            **entry,
        )

    def close_episode(
        self,
        *,
        reason: str,
        outcome_statuses: tuple[OutcomeStatus, ...],
        personal: PersonalData | None,
        codes: CodeLists,
        now: datetime,
        **entry: Any,
    ) -> UUID:
        codes.require("closure_reason", reason, field="reason")
        for item in outcome_statuses:
            codes.require("outcome_status", item.status, field="outcome_statuses.status")
        episode = self.current_episode("a closure")
        plan = episode["plan"]
        planned = set(plan["outcomes"]) if plan else set()
        stated = [str(s.outcome_id) for s in outcome_statuses]
        require(
            set(stated) == planned and len(stated) == len(planned),
            "closure_outcomes_incomplete",
            f"state the status of each of the plan's {len(planned)} outcomes once, and only those",
        )
        require(
            reason != "outcomes_met"
            or (bool(outcome_statuses) and all(s.status == "achieved" for s in outcome_statuses)),
            "outcomes_met_needs_achieved",
            "'outcomes met' needs every plan outcome achieved; choose another reason",
        )
        escalations = episode["escalations"].values()
        require(
            not any(e["status"] == "pending" for e in escalations),
            "escalation_awaiting_response",
            "an escalation is awaiting its response; record the response before closing",
        )
        require(
            reason != "step_up"
            or any(
                e["status"] == "accepted" and e["to_service"] == "children_social_care"
                for e in escalations
            ),
            "step_up_needs_accepted_escalation",
            "closing as step up needs an escalation accepted by children's social care",
        )
        episode_id = self.current_episode_id()
        self.record(
            Family.EpisodeClosed,
            now=now,
            episode_id=episode_id,
            reason=reason,
            outcome_statuses=outcome_statuses,
            personal=personal,
            **entry,
        )
        assert episode_id is not None
        return episode_id

    def correct_entry(
        self,
        *,
        target_entry_id: UUID,
        changes: tuple[FieldChange, ...],
        member_id: UUID | None,
        reason: str,
        personal: PersonalData | None,
        codes: CodeLists,
        now: datetime,
        **entry: Any,
    ) -> None:
        codes.require("correction_reason", reason, field="reason")
        target_type = self.check_target_entry(target_entry_id)
        allowed = CORRECTABLE.get(target_type, {"occurred_at": "datetime"})
        for change in changes:
            kind = allowed.get(change.field)
            require(
                kind is not None,
                "field_not_correctable",
                f"{change.field!r} of a {target_type} cannot be corrected; "
                f"correctable: {', '.join(allowed)}",
            )
            assert kind is not None
            check_corrected_value(change, kind, codes, now)
        self.check_corrected_times(target_entry_id, target_type, changes, now)
        if member_id is not None:
            member = self.members.get(str(member_id))
            require(
                member is not None and member["entry_id"] == str(target_entry_id),
                "field_not_correctable",
                f"member {member_id} was not added by entry {target_entry_id}",
            )
        elif personal is not None:
            require(
                target_type in NOTES_ENTRIES,
                "field_not_correctable",
                f"a {target_type} has no notes to correct",
            )
        require(
            bool(changes) or personal is not None,
            "correction_unchanged",
            "say which fields (or personal details) the correction changes",
        )
        self.record(
            Family.EntryCorrected,
            now=now,
            target_entry_id=target_entry_id,
            changes=changes,
            member_id=member_id,
            reason=reason,
            personal=personal,
            **entry,
        )

    def retract_entry(
        self,
        *,
        target_entry_id: UUID,
        reason: str,
        personal: PersonalData | None,
        codes: CodeLists,
        now: datetime,
        **entry: Any,
    ) -> None:
        codes.require("retraction_reason", reason, field="reason")
        target_type = self.check_target_entry(target_entry_id)
        require(
            target_type in RETRACTABLE,
            "not_retractable",
            f"a {target_type} cannot be retracted; correct it, or record what happened next",
        )
        self.record(
            Family.EntryRetracted,
            now=now,
            target_entry_id=target_entry_id,
            reason=reason,
            personal=personal,
            **entry,
        )

    def erase_personal_data(
        self, *, reason: str, codes: CodeLists, now: datetime, **entry: Any
    ) -> None:
        codes.require("erasure_reason", reason, field="reason")
        self.check_not_erased()
        holds = [
            f"legal hold {hold_id} ({codes.label('legal_hold_reason', why)}, "
            f"reference {reference}) is in force"
            for hold_id, why, reference in self.legal_holds
        ]
        require(not holds, "legal_hold_in_force", "; ".join(holds) + "; lift it to erase")
        self.record(Family.PersonalDataErased, now=now, reason=reason, **entry)

    def place_legal_hold(
        self,
        *,
        hold_id: UUID,
        reason: str,
        reference: str,
        codes: CodeLists,
        now: datetime,
        **entry: Any,
    ) -> None:
        codes.require("legal_hold_reason", reason, field="reason")
        if not reference.strip():
            raise InvalidValueError("reference", "give the reference of the instruction")
        self.check_not_erased()
        self.record(
            Family.LegalHoldPlaced,
            now=now,
            hold_id=hold_id,
            reason=reason,
            reference=reference,
            **entry,
        )

    def lift_legal_hold(
        self, *, hold_id: UUID, reason: str, codes: CodeLists, now: datetime, **entry: Any
    ) -> None:
        codes.require("legal_hold_lift_reason", reason, field="reason")
        require(
            any(h[0] == str(hold_id) for h in self.legal_holds),
            "legal_hold_not_in_force",
            f"legal hold {hold_id} is not in force on this family (never placed, or lifted)",
        )
        self.record(Family.LegalHoldLifted, now=now, hold_id=hold_id, reason=reason, **entry)

    # -- checks shared by commands -----------------------------------------------------

    def check_not_erased(self) -> None:
        require(
            self.erased_at is None,
            "already_erased",
            "this family's personal data was erased "
            f"({self.erased_at.isoformat() if self.erased_at else ''}): nothing is left to "
            "erase or to hold",
        )

    def check_support_agreed(self, episode: Mapping[str, Any]) -> None:
        require(
            episode["support"] == "agreed",
            "support_agreement_required",
            "the family has not agreed to early help in this episode",
        )

    def check_lead(self, episode: Mapping[str, Any], name: str) -> None:
        require(
            episode["lead"] is not None,
            "lead_practitioner_required",
            f"assign a lead practitioner before {name}",
        )

    def check_current_plan(self, plan_id: UUID) -> dict[str, Any]:
        episode = self.current_episode("a plan revision or review")
        plan = episode["plan"]
        require(
            plan is not None and plan["plan_id"] == str(plan_id),
            "plan_not_current",
            f"plan {plan_id} is not the current plan of the open episode",
        )
        assert plan is not None
        return dict(plan)


def check_members(members: tuple[Member, ...], codes: CodeLists, *, on: date) -> None:
    if not members:
        raise InvalidValueError("members", "register at least one member of the household")
    for member in members:
        codes.require("relationship", member.relationship, field="members.relationship")
        born = member.personal.date_of_birth
        if born is not None and born > on:
            raise InvalidValueError(
                "members.date_of_birth", "a date of birth cannot be in the future"
            )
        if member.relationship == "child" and born is not None:
            limit = SEND_ADULT_AGE if member.send else ADULT_AGE
            require(
                age_on(born, on) < limit,
                "child_age",
                f"a child member must be under {limit}"
                + ("" if member.send else " (under 25 with SEND)"),
            )


def check_plan(
    outcomes: tuple[PlanOutcome, ...],
    actions: tuple[PlanAction, ...],
    codes: CodeLists,
    *,
    agreed_on: date,
) -> None:
    for outcome in outcomes:
        codes.require(
            "headline_outcome", outcome.headline_outcome, field="outcomes.headline_outcome"
        )
    for action in actions:
        codes.require("agency", action.owner_agency, field="actions.owner_agency")
    require(
        bool(outcomes) and all(o.target_date >= agreed_on for o in outcomes),
        "plan_needs_outcomes",
        "a plan needs at least one outcome, each with a target date on or after the day "
        "it is agreed",
    )
    outcome_ids = {o.outcome_id for o in outcomes}
    require(
        len(outcome_ids) == len(outcomes),
        "plan_needs_outcomes",
        "each outcome appears once in a plan",
    )
    require(
        all(a.outcome_id in outcome_ids for a in actions),
        "action_outcome_unknown",
        "every action must belong to an outcome of this plan",
    )


def check_period(start: date, end: date, now: datetime) -> None:
    require(
        start <= end <= now.date(),
        "period_order",
        "the evidence period must end on or after it starts, and not in the future",
    )


def check_corrected_value(change: FieldChange, kind: str, codes: CodeLists, now: datetime) -> None:
    field = f"changes.{change.field}"
    try:
        if kind == "datetime":
            check_occurred_at(datetime.fromisoformat(change.value), now, field=field)
        elif kind == "date":
            date.fromisoformat(change.value)
        elif kind == "decimal":
            Decimal(change.value)
        elif kind.startswith("code:"):
            codes.require(kind.removeprefix("code:"), change.value, field=field)
    except (ValueError, InvalidOperation) as error:
        raise InvalidValueError(field, f"{change.value!r} is not a valid {kind}") from error
