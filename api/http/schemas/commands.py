"""Bodies of the commands: one `<Thing>Create` per command, each turned into the values the
application service takes. Codes are checked by the domain against the code list in force.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Literal
from uuid import UUID

from pydantic import Field, StrictInt

from api.http.schemas.common import (
    Code,
    Codes,
    EntryCreate,
    Flag,
    IsoDate,
    PersonalFields,
    RequestBody,
    Text,
    UserId,
    WithNotes,
)
from domain.commands import NewAction, NewOutcome
from domain.values import FieldChange, OutcomeProgress, OutcomeStatus, PersonalData

# -- the household ----------------------------------------------------------------------------


class MemberCreate(PersonalFields, RequestBody):
    relationship: Code = Field(description="Code of `relationship`: child, parent_carer, ...")
    send: Flag = Field(False, description="Special educational needs or disabilities.")

    def as_member(self) -> tuple[str, bool, PersonalData]:
        return (self.relationship, self.send, self.member_data())


class FamilyCreate(EntryCreate):
    area: Code
    members: Annotated[tuple[MemberCreate, ...], Field(min_length=1, max_length=50)]


class MemberAdditionCreate(MemberCreate, WithNotes, EntryCreate):
    def as_member(self) -> tuple[str, bool, PersonalData]:
        return (self.relationship, self.send, self.member_data(notes=self.notes))


class MemberDepartureCreate(EntryCreate):
    reason: Code


# -- contacts, requests, decisions, consent and sharing -------------------------------------------


class ContactCreate(WithNotes, EntryCreate):
    agency: Code
    channel: Code
    reason: Code
    member_ids: Annotated[tuple[UUID, ...], Field(max_length=50)] = ()


class SupportRequestCreate(WithNotes, EntryCreate):
    source: Code = Field(description="CIN census referral source, 1A..10 (5D: early help).")


class SupportDecisionCreate(EntryCreate):
    decision: Literal["agreed", "declined"]


class ConsentCreate(EntryCreate):
    given_by: UUID = Field(description="The member who gave consent.")
    agencies: Codes
    purposes: Codes


class ConsentWithdrawalCreate(EntryCreate):
    pass


class InformationSharingCreate(WithNotes, EntryCreate):
    with_agency: Code
    categories: Codes
    purpose: Code
    lawful_basis: Code


class LeadPractitionerCreate(EntryCreate):
    practitioner_id: UserId
    agency: Code


# -- assessment, plan, review -----------------------------------------------------------------


class AssessmentCreate(EntryCreate):
    pass


class AssessmentCompletionCreate(WithNotes, EntryCreate):
    level_of_need: Code
    needs: Codes = ()
    strengths: Codes = ()
    factors: Codes = ()


class OutcomeCreate(RequestBody):
    headline_outcome: Code
    target_date: IsoDate
    outcome_id: UUID | None = Field(None, description="Given when revising an existing outcome.")

    def as_value(self) -> NewOutcome:
        return NewOutcome(self.headline_outcome, self.target_date, self.outcome_id)


class ActionCreate(RequestBody):
    outcome: StrictInt | UUID = Field(
        description="The index of an outcome in this body, or the id of an existing outcome."
    )
    owner_agency: Code
    due_date: IsoDate

    def as_value(self) -> NewAction:
        return NewAction(self.outcome, self.owner_agency, self.due_date)


class PlanCreate(WithNotes, EntryCreate):
    outcomes: Annotated[tuple[OutcomeCreate, ...], Field(max_length=50)]
    actions: Annotated[tuple[ActionCreate, ...], Field(max_length=200)] = ()

    def outcome_values(self) -> tuple[NewOutcome, ...]:
        return tuple(o.as_value() for o in self.outcomes)

    def action_values(self) -> tuple[NewAction, ...]:
        return tuple(a.as_value() for a in self.actions)


class PlanRevisionCreate(PlanCreate):
    pass


class ProgressCreate(RequestBody):
    outcome_id: UUID
    rating: Code

    def as_value(self) -> OutcomeProgress:
        return OutcomeProgress(self.outcome_id, self.rating)


class ReviewCreate(WithNotes, EntryCreate):
    plan_id: UUID
    progress: Annotated[tuple[ProgressCreate, ...], Field(max_length=50)]
    decision: Code
    attendees: Codes = ()

    def progress_values(self) -> tuple[OutcomeProgress, ...]:
        return tuple(p.as_value() for p in self.progress)


# -- escalation, step-down, evidence, closure ------------------------------------------------


class EscalationCreate(WithNotes, EntryCreate):
    to_service: Code
    reason: Code
    safeguarding: Flag
    lawful_basis: Code


class EscalationResponseCreate(EntryCreate):
    response: Code = Field(description="accepted or declined")


class StepDownCreate(EntryCreate):
    from_service: Code = "children_social_care"
    reason: Code = "RC9"


class OutcomeEvidenceCreate(EntryCreate):
    headline_outcome: Code
    measure: Code
    value: Annotated[Decimal, Field(allow_inf_nan=False, max_digits=20)]
    period_start: IsoDate
    period_end: IsoDate
    source: Code


class OutcomeStatusCreate(RequestBody):
    outcome_id: UUID
    status: Code

    def as_value(self) -> OutcomeStatus:
        return OutcomeStatus(self.outcome_id, self.status)


class ClosureCreate(WithNotes, EntryCreate):
    reason: Code
    outcome_statuses: Annotated[tuple[OutcomeStatusCreate, ...], Field(max_length=50)] = ()

    def status_values(self) -> tuple[OutcomeStatus, ...]:
        return tuple(s.as_value() for s in self.outcome_statuses)


# -- corrections and retractions -----------------------------------------------------------


class CorrectionCreate(PersonalFields, WithNotes, EntryCreate):
    target_entry_id: UUID
    reason: Code
    changes: Annotated[dict[Code, Text], Field(max_length=20)] = Field(
        default_factory=dict, description="Field name -> corrected value, as text."
    )
    member_id: UUID | None = Field(None, description="Whose personal details are corrected.")

    def change_values(self) -> tuple[FieldChange, ...]:
        return tuple(FieldChange(name, value) for name, value in self.changes.items())

    def personal_data(self) -> PersonalData | None:
        personal = self.member_data(notes=self.notes)
        return None if personal.is_empty() else personal


class RetractionCreate(WithNotes, EntryCreate):
    target_entry_id: UUID
    reason: Code
