"""The rules' building blocks shared by the family's commands: what may be corrected or
retracted, what each kind of entry is called in a refusal, and the checks of values
(times, household members, plans, evidence periods, corrected values)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation

from domain.codes import CodeLists
from domain.errors import InvalidValueError, RuleBrokenError
from domain.values import FieldChange, Member, PlanAction, PlanOutcome

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
# Entries that change no episode: they need no open episode, and follow nothing in one.
STATE_FREE_ENTRIES: frozenset[str] = frozenset(
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
        # A case audit may be recorded long after its episode closed (domain.family.auditing).
        "CaseAuditRecorded",
        "CaseAuditActionCompleted",
    }
)
RETRACTABLE = frozenset(
    {
        "ContactRecorded",
        "OutcomeEvidenced",
        "InformationShared",
        "ReviewHeld",
        "CaseAuditRecorded",
        "CaseAuditActionCompleted",
    }
)
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
        "CaseAuditRecorded",
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
    "CaseAuditRecorded": "case audit",
    "CaseAuditActionCompleted": "completion of a case audit action",
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
