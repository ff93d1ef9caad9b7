"""The commands the application service handles: one frozen dataclass per command.

Every command carries the same context (`Command`: who sends it, when it happened, an
optional idempotency key) and, but for a registration, the family it is about. Each field
of a command says what it is in `field(metadata=...)` (see `about`): a description, and the
limits of its value (`max_items` for a tuple, `max_digits` for a number...). The values
are checked once, when the command is made: a value past its limit is refused with
InvalidValueError naming the field. Codes are checked by the family, against the code list
in force.

The application runs a command with `JourneysApplication.handle(command)`.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import date, datetime
from decimal import Decimal
from typing import Any, ClassVar
from uuid import UUID

from domain.errors import InvalidValueError
from domain.values import (
    Actor,
    FieldChange,
    OutcomeProgress,
    OutcomeStatus,
    PersonalData,
    StandardGrade,
)

# The context of every command: not part of what the command asks for.
CONTEXT = frozenset({"family_id", "actor", "occurred_at", "idempotency_key"})


def about(description: str, **limits: Any) -> dict[str, Any]:
    """A field's metadata: what it is, and its limits (`max_items`, `min_items`,
    `max_digits`; for text `max_length`, `pattern`, `strip`), `fingerprint`: False for a
    field that does not change what the command asks for, and how a request body carries it
    (api.common.schemas.derive): `http` False for a field the body does not carry (the
    server, or the request's path, gives it), `personal` the PersonalData details the body
    gives as fields of its own, `body_default` a default of the body only, `body_name` and
    `choices` (text -> value) for a value the body gives as one of some words, `as_object`
    for pairs the body gives as one JSON object, `items` ((name, metadata), ...) naming the
    parts of a tuple the body gives as an object."""
    return {"description": description, **limits}


@dataclass(frozen=True)
class NewOutcome:
    """A plan outcome as given in a command: an existing outcome keeps its id."""

    headline_outcome: str = field(metadata=about("Code of `headline_outcome`."))
    target_date: date = field(metadata=about("When the outcome should be reached."))
    outcome_id: UUID | None = field(
        default=None, metadata=about("Given when revising an existing outcome.")
    )


@dataclass(frozen=True)
class NewAction:
    """A plan action as given in a command: `outcome` is an outcome id, or the index of an
    outcome in the same command (for outcomes that get their id only now)."""

    outcome: UUID | int = field(
        metadata=about("The index of an outcome in this body, or the id of an existing outcome.")
    )
    owner_agency: str = field(metadata=about("Code of `agency`: who owns the action."))
    due_date: date = field(metadata=about("When the action is due."))


NOTES = about("Free-text notes about the entry (personal data).", personal=("notes",))
# A member's details, as a request body gives them (all optional, all personal data).
DETAILS = ("given_name", "family_name", "date_of_birth", "address")
RELATIONSHIP = about("Code of `relationship`: child, parent_carer, ...")
SEND = about("Special educational needs or disabilities.", body_default=False)


@dataclass(frozen=True, kw_only=True)
class Command:
    """What every command carries: who sends it, when it happened, and an optional key
    under which its first result is kept (a repeat with the key answers that result)."""

    actor: Actor = field(metadata=about("Who sends the command.", http=False))
    occurred_at: datetime = field(
        metadata=about("When it happened in practice: not in the future.")
    )
    idempotency_key: str | None = field(
        default=None, metadata=about("A key naming this command once.", http=False)
    )

    # The command's name in receipts and messages (part of its fingerprint: never change).
    NAME: ClassVar[str] = ""

    def __post_init__(self) -> None:
        for spec in fields(self):
            value = getattr(self, spec.name)
            most = spec.metadata.get("max_items")
            if most is not None and len(value) > most:
                raise InvalidValueError(spec.name, f"at most {most} items")
            digits = spec.metadata.get("max_digits")
            if (
                digits is not None
                and isinstance(value, Decimal)
                and (not value.is_finite() or len(value.as_tuple().digits) > digits)
            ):
                raise InvalidValueError(spec.name, f"a finite number of {digits} digits")

    def payload(self) -> dict[str, Any]:
        """What the command asks for: its own fields, without the context."""
        return {
            spec.name: getattr(self, spec.name)
            for spec in fields(self)
            if spec.name not in CONTEXT and spec.metadata.get("fingerprint", True)
        }

    @classmethod
    def own_fields(cls) -> list[Any]:
        """The dataclass fields of what the command asks for (the context left out)."""
        return [spec for spec in fields(cls) if spec.name not in CONTEXT]


@dataclass(frozen=True, kw_only=True)
class FamilyCommand(Command):
    """A command about a family already registered."""

    family_id: UUID = field(metadata=about("The family.", http=False))


# -- the household ----------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class RegisterFamily(Command):
    """Register a household. `members` are (relationship, send, personal data)."""

    NAME = "registration"
    area: str = field(metadata=about("Code of `area`."))
    members: tuple[tuple[str, bool, PersonalData], ...] = field(
        metadata=about(
            "The household's members.",
            min_items=1,
            max_items=50,
            items=(
                ("relationship", RELATIONSHIP),
                ("send", SEND),
                ("personal", about("The member's details.", personal=DETAILS)),
            ),
        )
    )


@dataclass(frozen=True, kw_only=True)
class AddMember(FamilyCommand):
    NAME = "member addition"
    relationship: str = field(metadata=RELATIONSHIP)
    send: bool = field(metadata=SEND)
    personal: PersonalData = field(
        metadata=about("The member's details and notes.", personal=(*DETAILS, "notes"))
    )


@dataclass(frozen=True, kw_only=True)
class RemoveMember(FamilyCommand):
    NAME = "member leaving"
    member_id: UUID = field(metadata=about("The member who leaves.", http=False))
    reason: str = field(metadata=about("Code of `departure_reason`."))


# -- contacts, requests, decisions, consent and sharing -------------------------------------------


@dataclass(frozen=True, kw_only=True)
class RecordContact(FamilyCommand):
    NAME = "contact"
    agency: str = field(metadata=about("Code of `agency`: who made the contact."))
    channel: str = field(metadata=about("Code of `contact_channel`."))
    reason: str = field(metadata=about("Code of `contact_reason`."))
    member_ids: tuple[UUID, ...] = field(
        default=(), metadata=about("The members the contact was with.", max_items=50)
    )
    personal: PersonalData | None = field(default=None, metadata=NOTES)


@dataclass(frozen=True, kw_only=True)
class RequestSupport(FamilyCommand):
    NAME = "request for support"
    source: str = field(metadata=about("CIN census referral source, 1A..10 (5D: early help)."))
    personal: PersonalData | None = field(default=None, metadata=NOTES)


@dataclass(frozen=True, kw_only=True)
class DecideSupport(FamilyCommand):
    NAME = "support decision"
    agreed: bool = field(
        metadata=about(
            "Whether support was agreed (else declined).",
            body_name="decision",
            choices={"agreed": True, "declined": False},
        )
    )


@dataclass(frozen=True, kw_only=True)
class GiveConsent(FamilyCommand):
    NAME = "sharing consent"
    given_by: UUID = field(metadata=about("The member who gave consent."))
    agencies: tuple[str, ...] = field(metadata=about("Codes of `agency`.", max_items=100))
    purposes: tuple[str, ...] = field(metadata=about("Codes of `purpose`.", max_items=100))


@dataclass(frozen=True, kw_only=True)
class WithdrawConsent(FamilyCommand):
    NAME = "consent withdrawal"
    consent_id: UUID = field(metadata=about("The consent withdrawn.", http=False))


@dataclass(frozen=True, kw_only=True)
class ShareInformation(FamilyCommand):
    NAME = "information sharing"
    with_agency: str = field(metadata=about("Code of `agency`: who received it."))
    categories: tuple[str, ...] = field(metadata=about("Codes of `category`.", max_items=100))
    purpose: str = field(metadata=about("Code of `purpose`."))
    lawful_basis: str = field(metadata=about("Code of `lawful_basis`."))
    personal: PersonalData | None = field(default=None, metadata=NOTES)


@dataclass(frozen=True, kw_only=True)
class AssignLeadPractitioner(FamilyCommand):
    NAME = "lead practitioner assignment"
    practitioner_id: str = field(metadata=about("The practitioner's user id.", max_length=200))
    agency: str = field(metadata=about("Code of `agency`: the practitioner's agency."))


# -- assessment, plan, review -----------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class StartAssessment(FamilyCommand):
    NAME = "assessment start"


@dataclass(frozen=True, kw_only=True)
class CompleteAssessment(FamilyCommand):
    NAME = "assessment completion"
    assessment_id: UUID = field(metadata=about("The assessment completed.", http=False))
    level_of_need: str = field(metadata=about("Code of `level_of_need`."))
    needs: tuple[str, ...] = field(
        default=(), metadata=about("Codes of `headline_outcome`: the needs.", max_items=100)
    )
    strengths: tuple[str, ...] = field(
        default=(), metadata=about("Codes of `headline_outcome`: the strengths.", max_items=100)
    )
    factors: tuple[str, ...] = field(
        default=(), metadata=about("Codes of `assessment_factor`.", max_items=100)
    )
    personal: PersonalData | None = field(default=None, metadata=NOTES)


@dataclass(frozen=True, kw_only=True)
class AgreePlan(FamilyCommand):
    NAME = "plan"
    outcomes: tuple[NewOutcome, ...] = field(metadata=about("The plan's outcomes.", max_items=50))
    actions: tuple[NewAction, ...] = field(
        default=(), metadata=about("The plan's actions.", max_items=200)
    )
    personal: PersonalData | None = field(default=None, metadata=NOTES)


@dataclass(frozen=True, kw_only=True)
class RevisePlan(AgreePlan):
    """A new version of the plan: outcomes given with their id are kept."""

    NAME = "plan revision"
    plan_id: UUID = field(metadata=about("The plan revised.", http=False))


@dataclass(frozen=True, kw_only=True)
class HoldReview(FamilyCommand):
    NAME = "review"
    plan_id: UUID = field(metadata=about("The plan reviewed."))
    progress: tuple[OutcomeProgress, ...] = field(
        metadata=about("Progress towards each outcome.", max_items=50)
    )
    decision: str = field(metadata=about("Code of `review_decision`."))
    attendees: tuple[str, ...] = field(
        default=(), metadata=about("Codes of `agency`.", max_items=100)
    )
    personal: PersonalData | None = field(default=None, metadata=NOTES)


# -- escalation, step-down, evidence, closure ------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class RaiseEscalation(FamilyCommand):
    NAME = "escalation"
    to_service: str = field(metadata=about("Code of `service`."))
    reason: str = field(metadata=about("Code of `escalation_reason`."))
    safeguarding: bool = field(metadata=about("Whether it is a safeguarding concern."))
    lawful_basis: str = field(metadata=about("Code of `lawful_basis`."))
    personal: PersonalData | None = field(default=None, metadata=NOTES)


@dataclass(frozen=True, kw_only=True)
class RespondToEscalation(FamilyCommand):
    NAME = "escalation response"
    escalation_id: UUID = field(metadata=about("The escalation answered.", http=False))
    response: str = field(metadata=about("accepted or declined"))


@dataclass(frozen=True, kw_only=True)
class StepDown(FamilyCommand):
    NAME = "step-down"
    from_service: str = field(default="children_social_care", metadata=about("Code of `service`."))
    reason: str = field(default="RC9", metadata=about("CIN census reason for closure."))


@dataclass(frozen=True, kw_only=True)
class EvidenceOutcome(FamilyCommand):
    NAME = "outcome evidence"
    headline_outcome: str = field(metadata=about("Code of `headline_outcome`."))
    measure: str = field(metadata=about("Code of `measure`."))
    value: Decimal = field(metadata=about("The measured value.", max_digits=20))
    period_start: date = field(metadata=about("First day measured."))
    period_end: date = field(metadata=about("Last day measured."))
    source: str = field(metadata=about("Code of `evidence_source`."))


@dataclass(frozen=True, kw_only=True)
class CloseEpisode(FamilyCommand):
    NAME = "closure"
    reason: str = field(metadata=about("Code of `closure_reason`."))
    outcome_statuses: tuple[OutcomeStatus, ...] = field(
        default=(), metadata=about("Where each outcome ended.", max_items=50)
    )
    personal: PersonalData | None = field(default=None, metadata=NOTES)


# -- corrections and retractions -----------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class CorrectEntry(FamilyCommand):
    NAME = "correction"
    target_entry_id: UUID = field(metadata=about("The entry corrected."))
    reason: str = field(metadata=about("Code of `correction_reason`."))
    changes: tuple[FieldChange, ...] = field(
        default=(),
        metadata=about("Field name -> corrected value, as text.", max_items=20, as_object=True),
    )
    member_id: UUID | None = field(
        default=None, metadata=about("Whose personal details are corrected.")
    )
    personal: PersonalData | None = field(
        default=None, metadata=about("Corrected personal details.", personal=(*DETAILS, "notes"))
    )


@dataclass(frozen=True, kw_only=True)
class RetractEntry(FamilyCommand):
    NAME = "retraction"
    target_entry_id: UUID = field(metadata=about("The entry retracted."))
    reason: str = field(metadata=about("Code of `retraction_reason`."))
    personal: PersonalData | None = field(default=None, metadata=NOTES)


# -- erasure and legal holds: when they happen is the store's clock, unless given -----------


@dataclass(frozen=True, kw_only=True)
class ServerTimed(FamilyCommand):
    """A command the store's clock dates when `occurred_at` is None: then a repeat at a
    later time is still the same command."""

    occurred_at: datetime | None = field(  # type: ignore[assignment]
        default=None, metadata=about("When it happened (default: now).", http=False)
    )


@dataclass(frozen=True, kw_only=True)
class ErasePersonalData(ServerTimed):
    """Record the erasure, then destroy the family's key (unless `destroy_key` is false:
    then the caller does, e.g. for many families at once)."""

    NAME = "erasure"
    reason: str = field(
        metadata=about("Code of `erasure_reason`: right_to_erasure, recorded_in_error, ...")
    )
    destroy_key: bool = field(
        default=True,
        metadata=about("Destroy the family's key once stored.", http=False, fingerprint=False),
    )


@dataclass(frozen=True, kw_only=True)
class PlaceLegalHold(ServerTimed):
    NAME = "legal hold"
    reason: str = field(
        metadata=about("Code of `legal_hold_reason`: public_inquiry, litigation, ...")
    )
    reference: str = field(
        metadata=about(
            "The instruction's reference (letters, digits, spaces and . _ / : # ( ) -), "
            "e.g. IICSA-2015/041. Not personal data: no names.",
            max_length=100,
            pattern=r"^[A-Za-z0-9][A-Za-z0-9 ._/:#()-]*$",
            strip=True,
        )
    )


@dataclass(frozen=True, kw_only=True)
class LiftLegalHold(ServerTimed):
    NAME = "legal hold lifting"
    hold_id: UUID = field(metadata=about("The hold lifted.", http=False))
    reason: str = field(
        metadata=about("Code of `legal_hold_lift_reason`: instruction_withdrawn, ...")
    )


# -- quality assurance: case audits (domain.family.auditing) ---------------------------------


@dataclass(frozen=True)
class NewAuditAction:
    """An action a case audit sets, as given in a command (its id is made when recorded)."""

    owner: str = field(
        metadata=about(
            "Who owns the action: a code of `agency`, or a practitioner's user id.",
            max_length=200,
            pattern=r"^[A-Za-z0-9][A-Za-z0-9._:-]*$",
        )
    )
    due_date: date = field(metadata=about("When the action is due: not before the audit."))


@dataclass(frozen=True, kw_only=True)
class RecordCaseAudit(FamilyCommand):
    """A QA officer's case audit of an episode."""

    NAME = "case audit"
    episode_id: UUID = field(metadata=about("The episode audited (open or closed)."))
    grades: tuple[StandardGrade, ...] = field(
        metadata=about(
            "A grade per practice standard: `standard` a code of `practice_standard`, "
            "`grade` a code of `ofsted_grade` (outstanding, good, requires_improvement, "
            "inadequate).",
            min_items=1,
            max_items=50,
        )
    )
    findings: tuple[str, ...] = field(
        default=(), metadata=about("Codes of `audit_finding`.", max_items=100)
    )
    actions: tuple[NewAuditAction, ...] = field(
        default=(), metadata=about("The actions the audit sets.", max_items=100)
    )
    personal: PersonalData | None = field(default=None, metadata=NOTES)


@dataclass(frozen=True, kw_only=True)
class CompleteAuditAction(FamilyCommand):
    """An action of a case audit completed (when it `occurred_at`)."""

    NAME = "case audit action completion"
    audit_id: UUID = field(metadata=about("The case audit.", http=False))
    action_id: UUID = field(metadata=about("The action completed.", http=False))


# -- how each command is run ----------------------------------------------------------------


@dataclass(frozen=True)
class Step:
    """How the application runs one kind of command: the Family method (`act`), whether
    it is tried again after a lost race (`retry`: only when its effect does not depend on
    what the caller saw), the id it creates (`new`), the name under which the method's
    answer is reported (`answers`), and the command's ids repeated in the result (`echo`)."""

    act: str
    retry: bool
    new: str | None = None
    answers: str | None = None
    echo: tuple[str, ...] = ()


# Every command but a registration (JourneysApplication._register), and how it is run.
STEPS: dict[type[FamilyCommand], Step] = {
    AddMember: Step("add_member", True),
    RemoveMember: Step("remove_member", True),
    RecordContact: Step("record_contact", True, new="contact_id"),
    RequestSupport: Step("request_support", True, new="episode_id"),
    DecideSupport: Step("decide_support", False, answers="episode_id"),
    GiveConsent: Step("give_consent", True, new="consent_id"),
    WithdrawConsent: Step("withdraw_consent", True),
    ShareInformation: Step("share_information", True, new="sharing_id"),
    AssignLeadPractitioner: Step("assign_lead_practitioner", False, answers="episode_id"),
    StartAssessment: Step("start_assessment", True, new="assessment_id"),
    CompleteAssessment: Step("complete_assessment", True),
    AgreePlan: Step("agree_plan", True, new="plan_id"),
    RevisePlan: Step("revise_plan", False, echo=("plan_id",)),
    HoldReview: Step("hold_review", True, new="review_id"),
    RaiseEscalation: Step("raise_escalation", True, new="escalation_id"),
    RespondToEscalation: Step(
        "respond_to_escalation", False, answers="episode_id", echo=("escalation_id",)
    ),
    StepDown: Step("step_down", True, new="episode_id"),
    EvidenceOutcome: Step("evidence_outcome", True, new="evidence_id"),
    CloseEpisode: Step("close_episode", False, answers="episode_id"),
    CorrectEntry: Step("correct_entry", False),
    RetractEntry: Step("retract_entry", False),
    ErasePersonalData: Step("erase_personal_data", True),
    PlaceLegalHold: Step("place_legal_hold", True, new="hold_id"),
    LiftLegalHold: Step("lift_legal_hold", True, echo=("hold_id",)),
    RecordCaseAudit: Step("record_case_audit", True, new="audit_id"),
    CompleteAuditAction: Step("complete_audit_action", True, echo=("audit_id", "action_id")),
}
