"""The Family aggregate: one household's whole journey, as a stream of immutable events.

Command methods check the rules (see domain.rules) *before* triggering an event, so a
refused command leaves the family untouched. Event classes are a stored schema: their
module path and names are saved with every event, so move or reshape them only with
`register_topic` / `class_version` and an upcaster.

Ids are given by the caller (the application service) so that simulations are repeatable.
Every command takes keyword arguments only, including the code lists in force (`codes`), the
clock's `now` and the entry it records (`entry`, a NewEntry: its `entry_id`, `occurred_at`
and `actor`), so that the application service runs them all through one pipeline.
State is kept in JSON-stable types (str keys, tuples, the frozen dataclasses of
domain.family.state) so that snapshots round-trip.

The class is defined here, with its events nested in it, so that every stored event's topic
stays `domain.family:Family.<Event>`; its commands and checks live beside it, one module
per kind (household, episode, escalation, record_keeping; chronology and recording are
what they share; checks holds the rules' building blocks; state declares the state).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate

from domain.codes import CodeLists
from domain.family.auditing import AuditCommands
from domain.family.checks import (
    CORRECTABLE,
    NOTES_ENTRIES,
    RETRACTABLE,
    check_members,
    check_occurred_at,
    require,
)
from domain.family.episode import EpisodeCommands
from domain.family.escalation import EscalationCommands
from domain.family.household import HouseholdCommands
from domain.family.record_keeping import RecordKeepingCommands
from domain.family.recording import NewEntry
from domain.family.state import (
    AssessmentState,
    AuditState,
    ConsentState,
    EpisodeState,
    EscalationState,
    MemberState,
    PlanState,
    episode_from_dict,
)
from domain.values import (
    Actor,
    AuditAction,
    FieldChange,
    Member,
    OutcomeProgress,
    OutcomeStatus,
    PersonalData,
    PlanAction,
    PlanOutcome,
    StandardGrade,
)

# The dicts of the state: a copy of the family copies each (their values are immutable).
STATE_DICTS = (
    "members",
    "episodes",
    "consents",
    "entries",
    "retracted",
    "times",
    "follows",
    "periods",
    "births",
    "audits",
)

__all__ = ["CORRECTABLE", "NOTES_ENTRIES", "RETRACTABLE", "Family", "NewEntry", "check_occurred_at"]


class Family(
    HouseholdCommands,
    EpisodeCommands,
    EscalationCommands,
    RecordKeepingCommands,
    AuditCommands,
    Aggregate,
):
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
                family.members[str(member.member_id)] = MemberState(
                    member.relationship, active=True, entry_id=str(self.entry_id)
                )
                family.keep_birth(member.member_id, member.personal)

    class MemberAdded(Entry):
        member: Member

        def evolve(self, family: Family) -> None:
            family.members[str(self.member.member_id)] = MemberState(
                self.member.relationship, active=True, entry_id=str(self.entry_id)
            )
            family.keep_birth(self.member.member_id, self.member.personal)

    class MemberLeft(Entry):
        member_id: UUID
        reason: str

        def evolve(self, family: Family) -> None:
            member_id = str(self.member_id)
            family.members[member_id] = replace(family.members[member_id], active=False)

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
            key = str(self.episode_id)
            family.episodes[key] = replace(family.episodes[key], support="agreed")

    class SupportDeclined(Entry):
        episode_id: UUID

        def evolve(self, family: Family) -> None:
            key = str(self.episode_id)
            family.episodes[key] = replace(family.episodes[key], support="declined")

    class ConsentGiven(Entry):
        consent_id: UUID
        given_by: UUID
        agencies: tuple[str, ...]
        purposes: tuple[str, ...]

        def evolve(self, family: Family) -> None:
            family.consents[str(self.consent_id)] = ConsentState(
                self.agencies, self.purposes, in_force=True
            )

    class ConsentWithdrawn(Entry):
        consent_id: UUID

        def evolve(self, family: Family) -> None:
            consent_id = str(self.consent_id)
            family.consents[consent_id] = replace(family.consents[consent_id], in_force=False)

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
            key = str(self.episode_id)
            family.episodes[key] = replace(family.episodes[key], lead=self.practitioner_id)

    class AssessmentStarted(Entry):
        assessment_id: UUID
        episode_id: UUID

        def evolve(self, family: Family) -> None:
            assessment = AssessmentState(
                str(self.assessment_id), self.occurred_at, str(self.entry_id), completed=False
            )
            key = str(self.episode_id)
            family.episodes[key] = replace(family.episodes[key], assessment=assessment)

    class AssessmentCompleted(Entry):
        assessment_id: UUID
        episode_id: UUID
        strengths: tuple[str, ...]
        needs: tuple[str, ...]
        factors: tuple[str, ...]
        level_of_need: str
        personal: PersonalData | None

        def evolve(self, family: Family) -> None:
            key = str(self.episode_id)
            episode = family.episodes[key]
            assert episode.assessment is not None  # started before it is completed
            completed = replace(episode.assessment, completed=True)
            family.episodes[key] = replace(episode, assessment=completed, assessed=True)

    class PlanAgreed(Entry):
        plan_id: UUID
        episode_id: UUID
        outcomes: tuple[PlanOutcome, ...]
        actions: tuple[PlanAction, ...]
        personal: PersonalData | None

        def evolve(self, family: Family) -> None:
            plan = PlanState(
                str(self.plan_id),
                self.occurred_at,
                str(self.entry_id),
                revision=0,
                outcomes={str(o.outcome_id): o.headline_outcome for o in self.outcomes},
            )
            key = str(self.episode_id)
            family.episodes[key] = replace(family.episodes[key], plan=plan)

    class PlanRevised(Entry):
        plan_id: UUID
        episode_id: UUID
        revision: int
        outcomes: tuple[PlanOutcome, ...]
        actions: tuple[PlanAction, ...]
        personal: PersonalData | None

        def evolve(self, family: Family) -> None:
            key = str(self.episode_id)
            episode = family.episodes[key]
            assert episode.plan is not None  # agreed before it is revised
            outcomes = {str(o.outcome_id): o.headline_outcome for o in self.outcomes}
            revised = replace(episode.plan, revision=self.revision, outcomes=outcomes)
            family.episodes[key] = replace(episode, plan=revised)

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
            raised = EscalationState(
                self.to_service, "pending", self.occurred_at, str(self.entry_id)
            )
            key = str(self.episode_id)
            episode = family.episodes[key]
            escalations = {**episode.escalations, str(self.escalation_id): raised}
            family.episodes[key] = replace(episode, escalations=escalations)

    class EscalationResponded(Entry):
        escalation_id: UUID
        episode_id: UUID
        response: str

        def evolve(self, family: Family) -> None:
            key = str(self.episode_id)
            episode = family.episodes[key]
            answered = replace(episode.escalations[str(self.escalation_id)], status=self.response)
            escalations = {**episode.escalations, str(self.escalation_id): answered}
            family.episodes[key] = replace(episode, escalations=escalations)

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
            key = str(self.episode_id)
            family.episodes[key] = replace(
                family.episodes[key], closed_at=self.occurred_at, closed_by=str(self.entry_id)
            )
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

    # Quality assurance (domain.family.auditing): a QA officer's case audit of an episode.

    class CaseAuditRecorded(Entry):
        """A case audit of an episode: a grade per practice standard, findings (codes of
        `audit_finding`; notes, if any, are personal data) and the actions it sets."""

        audit_id: UUID
        episode_id: UUID
        grades: tuple[StandardGrade, ...]
        findings: tuple[str, ...]
        actions: tuple[AuditAction, ...]
        personal: PersonalData | None

        def evolve(self, family: Family) -> None:
            due = {str(a.action_id): a.due_date for a in self.actions}
            family.audits[str(self.audit_id)] = AuditState(
                str(self.episode_id), str(self.entry_id), due
            )

    class CaseAuditActionCompleted(Entry):
        """An action of a case audit completed, when it `occurred_at`."""

        audit_id: UUID
        action_id: UUID

        def evolve(self, family: Family) -> None:
            audit = family.audits[str(self.audit_id)]
            completions = {**audit.completions, str(self.action_id): str(self.entry_id)}
            family.audits[str(self.audit_id)] = replace(audit, completions=completions)

    # -- state -------------------------------------------------------------------------

    # 2: erasure and legal holds (`erased_at`, `legal_holds`) joined the state.
    # 3: each entry's times and what it follows (`times`, `follows`, `periods`), and the
    #    members' dates of birth (`births`) joined the state, for the chronology rules.
    # 4: members, episodes (their assessment, plan and escalations) and consents are typed
    #    (domain.family.state), no longer dicts.
    # 5: case audits (`audits`) joined the state.
    class_version = 5

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

    @staticmethod
    def upcast_v3_v4(state: dict[str, Any]) -> None:
        """A snapshot that kept members, episodes and consents as dicts: the same values,
        typed."""
        state["members"] = {k: MemberState(**m) for k, m in state["members"].items()}
        state["episodes"] = {k: episode_from_dict(e) for k, e in state["episodes"].items()}
        state["consents"] = {k: ConsentState(**c) for k, c in state["consents"].items()}

    @staticmethod
    def upcast_v4_v5(state: dict[str, Any]) -> None:
        """A snapshot taken before case audits were recorded: none."""
        state["audits"] = {}

    def __init__(self) -> None:
        # Filled by Registered.apply; declared here for readers and the type checker.
        self.area = ""
        self.code_list_version = ""
        self.members: dict[str, MemberState] = {}
        self.episodes: dict[str, EpisodeState] = {}
        self.open_episode_id: str | None = None
        self.consents: dict[str, ConsentState] = {}
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
        # Audit id -> the case audit, its actions and their completions.
        self.audits: dict[str, AuditState] = {}

    def __deepcopy__(self, memo: dict[int, Any]) -> Family:
        # The repository copies a cached family before every command. The generic deepcopy
        # walks every entry; the state holds strings, tuples and frozen parts (replaced,
        # never changed in place), so a copy of each dict is enough.
        copied = object.__new__(type(self))
        state = dict(self.__dict__)
        for name in STATE_DICTS:
            state[name] = dict(state[name])
        state["_pending_events"] = list(self._pending_events)
        copied.__dict__.update(state)
        return copied

    def open_episode(
        self, opening: Family.SupportRequested | Family.SteppedDown, *, origin: str
    ) -> None:
        self.episodes[str(opening.episode_id)] = EpisodeState(
            opening.occurred_at, str(opening.entry_id), origin
        )
        self.open_episode_id = str(opening.episode_id)

    @classmethod
    def register(
        cls,
        *,
        family_id: UUID,
        entry: NewEntry,
        area: str,
        members: tuple[Member, ...],
        codes: CodeLists,
        now: datetime,
    ) -> Family:
        check_occurred_at(entry.occurred_at, now)
        codes.require("area", area, field="area")
        check_members(members, codes, on=entry.occurred_at.date())
        require(
            any(m.relationship == "child" for m in members),
            "household_needs_a_child",
            "register at least one child or young person in the household",
        )
        return cls._create(
            cls.Registered,
            id=family_id,
            timestamp=now,
            entry_id=entry.entry_id,
            occurred_at=entry.occurred_at,
            actor=entry.actor,
            area=area,
            members=members,
            code_list_version=codes.version,
        )
