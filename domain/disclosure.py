"""What each kind of family entry is for sharing: the one information category it is in and
the one purpose it serves (codes of the lists `information_category` and `sharing_purpose`).

This table is the mapping; projections.sharing applies it, `GET /codelists` publishes it and
the README's table is checked against it. An information-sharing entry naming a category
shares the entries of that category, and nothing else; a consent for a purpose covers the
entries of that purpose.

A few kinds of entry take their category or purpose from elsewhere, said by `category_from`
and `purpose_from` (then `category` / `purpose` is None):

- a contact is in its agency's category (CONTACT_CATEGORIES; None for some agencies);
- information shared serves the purpose it names itself;
- a correction or retraction follows the entry it is about.

`category` None (and no `category_from`): in no category, never shown by naming one (consent
and sharing records, records management). `purpose` None: for no purpose, seen only by the
agency that recorded it (erasure, legal holds).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

CategoryFrom = Literal["contact_agency", "target_entry"]
PurposeFrom = Literal["named_purpose", "target_entry"]


@dataclass(frozen=True)
class Disclosure:
    """How one kind of entry is shared: its label, category and purpose."""

    label: str
    category: str | None
    purpose: str | None
    category_from: CategoryFrom | None = None
    purpose_from: PurposeFrom | None = None


def _about_another(label: str) -> Disclosure:
    return Disclosure(label, None, None, "target_entry", "target_entry")


# Every kind of family entry, once: a kind written twice is refused by the linter (ruff F601),
# a kind left out by tests/projections/test_sharing.py.
ENTRY_TYPES: Mapping[str, Disclosure] = {
    "Registered": Disclosure("Family registered", "contact_details", "coordinating_support"),
    "MemberAdded": Disclosure("Member added", "contact_details", "coordinating_support"),
    "MemberLeft": Disclosure("Member left", "contact_details", "coordinating_support"),
    "ContactRecorded": Disclosure(
        "Contact", None, "coordinating_support", category_from="contact_agency"
    ),
    "SupportRequested": Disclosure(
        "Request for support", "request_for_support", "coordinating_support"
    ),
    "SupportAgreed": Disclosure("Support agreed", "coordination", "coordinating_support"),
    "SupportDeclined": Disclosure("Support declined", "coordination", "coordinating_support"),
    "LeadPractitionerAssigned": Disclosure(
        "Lead practitioner assigned", "coordination", "coordinating_support"
    ),
    "ConsentGiven": Disclosure("Consent given", None, "coordinating_support"),
    "ConsentWithdrawn": Disclosure("Consent withdrawn", None, "coordinating_support"),
    "InformationShared": Disclosure("Information shared", None, None, purpose_from="named_purpose"),
    "AssessmentStarted": Disclosure("Assessment started", "assessment", "assessment"),
    "AssessmentCompleted": Disclosure("Assessment completed", "assessment", "assessment"),
    "PlanAgreed": Disclosure("Plan agreed", "plan", "plan_delivery"),
    "PlanRevised": Disclosure("Plan revised", "plan", "plan_delivery"),
    "ReviewHeld": Disclosure("Review held", "review", "plan_delivery"),
    "OutcomeEvidenced": Disclosure("Outcome evidence", "review", "plan_delivery"),
    "EpisodeClosed": Disclosure("Episode closed", "review", "coordinating_support"),
    "EscalationRaised": Disclosure("Escalation", "safeguarding_concern", "escalation"),
    "EscalationResponded": Disclosure("Escalation answered", "safeguarding_concern", "escalation"),
    "SteppedDown": Disclosure("Step-down", "safeguarding_concern", "escalation"),
    "EntryCorrected": _about_another("Correction"),
    "EntryRetracted": _about_another("Retraction"),
    "PersonalDataErased": Disclosure("Personal data erased", None, None),
    "LegalHoldPlaced": Disclosure("Legal hold placed", None, None),
    "LegalHoldLifted": Disclosure("Legal hold lifted", None, None),
    # Quality assurance of the service's own practice: shared with no agency.
    "CaseAuditRecorded": Disclosure("Case audit", None, None),
    "CaseAuditActionCompleted": Disclosure("Case audit action completed", None, None),
}

# The category of a contact, by its agency (a code of the list `agency`); None: in no
# category, so a contact of that agency is never shown by naming one.
CONTACT_CATEGORIES: Mapping[str, str | None] = {
    "police": "police",
    "youth_justice": "police",
    "probation": "police",
    "health_visiting": "health",
    "school_nursing": "health",
    "gp": "health",
    "camhs": "health",
    "adult_mental_health": "health",
    "substance_misuse": "health",
    "school": "education",
    "education_welfare": "education",
    "send_service": "education",
    "children_social_care": "safeguarding_concern",
    "domestic_abuse": "safeguarding_concern",
    "early_help": None,
    "housing": None,
    "jobcentre": None,
    "voluntary_sector": None,
}

# Entries about another entry: they follow it.
ABOUT_ANOTHER = frozenset(
    kind for kind, rule in ENTRY_TYPES.items() if rule.category_from == "target_entry"
)


def entry_label(entry_type: str) -> str:
    """What a person calls an entry of this type (the type itself if it is not known)."""
    rule = ENTRY_TYPES.get(entry_type)
    return rule.label if rule is not None else entry_type
