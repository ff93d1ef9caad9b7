"""Who may do what through the API: the one table of roles (DESIGN.md, "Roles"). Which
families a practitioner may read or write, and how much of each, is narrowed further by
the access rules (domain.access).

Researchers and admins read no identifiable family data here; partners only answer
escalations addressed to their agency (a domain rule).
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum

from infra.tokens import Identity


class Action(StrEnum):
    REGISTER = "registering a family"
    RECORD = "recording practice entries"
    RESPOND_TO_ESCALATION = "responding to an escalation"
    STEP_DOWN = "recording a step-down"
    CORRECT = "correcting or retracting entries"
    FIND_FAMILIES = "finding families"
    READ_EVENTS = "reading a family's events"
    READ_PERSONAL_DATA = "seeing personal data"
    READ_JOURNEY = "reading a family's timeline and journey"
    FIND_PATHWAYS = "comparing the pathways of a cohort"
    ERASE = "erasing a family's personal data"
    HOLD = "placing and lifting legal holds"
    READ_ACCESS_LOG = "reading who read a family's record"
    READ_SHARED_VIEW = "reading what an agency may see of a family"
    PREVIEW_SHARED_VIEW = "previewing what another agency may see of a family"
    VERIFY_INTEGRITY = "checking that a family's record was not altered"
    READ_DATASET = "reading the early help dataset report"
    RESEARCH_RE_REFERRALS = "analysing re-referrals"
    RESEARCH_EXTRACT = "taking a pseudonymised research extract"
    READ_FINDINGS = "reading practice-standard findings and the audit queue"
    READ_SUSTAINED = "reading sustained outcomes"
    AUDIT = "recording case audits and their actions' completion"
    READ_CASE_AUDITS = "listing case audits and their open actions"
    MANAGE_WEBHOOKS = "registering, listing and removing webhook subscriptions"


RECORDERS = ("practitioner", "lead_practitioner")

ALLOWED: Mapping[Action, tuple[str, ...]] = {
    Action.REGISTER: RECORDERS,
    Action.RECORD: RECORDERS,
    Action.RESPOND_TO_ESCALATION: ("partner", *RECORDERS),
    # Children's social care practitioners record the step-downs they make.
    Action.STEP_DOWN: RECORDERS,
    Action.CORRECT: (*RECORDERS, "qa_officer"),
    Action.FIND_FAMILIES: (*RECORDERS, "qa_officer", "panel_member"),
    Action.READ_EVENTS: (*RECORDERS, "qa_officer", "panel_member"),
    # The roles that may ever see personal data; of which families, and on which entries,
    # is domain.access's (a route reads it from FamilyRead.personal, never from this).
    Action.READ_PERSONAL_DATA: (*RECORDERS, "qa_officer", "panel_member", "partner"),
    # Practitioners read only the families of their caseload (domain.access, through
    # api.common.deps.FamilyReaderFor); partners read the consent-gated shared view instead.
    Action.READ_JOURNEY: ("qa_officer", "panel_member", *RECORDERS),
    # Pathways are counts and durations over a cohort: no family is named.
    Action.FIND_PATHWAYS: ("qa_officer", "panel_member", "researcher"),
    # Erasure cannot be undone, and a hold keeps a record past its retention: admins only.
    Action.ERASE: ("admin",),
    Action.HOLD: ("admin",),
    # Who read a child's record is an audit question: QA officers only.
    Action.READ_ACCESS_LOG: ("qa_officer",),
    # A partner reads its own agency's consent-gated view; QA officers preview any agency's.
    Action.READ_SHARED_VIEW: ("partner", "qa_officer"),
    Action.PREVIEW_SHARED_VIEW: ("qa_officer",),
    # Says whether the stored record is intact, and names entries by id only.
    Action.VERIFY_INTEGRITY: ("qa_officer", "admin"),
    # Counts over a period and area, no family named (not suppressed: not for researchers).
    Action.READ_DATASET: ("qa_officer", "panel_member"),
    # Rates and curves with counts under 5 suppressed (projections.re_referrals).
    Action.RESEARCH_RE_REFERRALS: ("researcher", "qa_officer"),
    # Rows of pseudonymised episodes (projections.extract): researchers only.
    Action.RESEARCH_EXTRACT: ("researcher",),
    # Findings name families by id: QA officers work the queue, a panel reads it.
    Action.READ_FINDINGS: ("qa_officer", "panel_member"),
    # Claim lists name families and episodes by id: a council's QA and panels, not
    # researchers (they take pseudonymised rows from /research/extracts instead).
    Action.READ_SUSTAINED: ("qa_officer", "panel_member"),
    # Case audits are quality assurance of practice: QA officers record and list them.
    Action.AUDIT: ("qa_officer",),
    Action.READ_CASE_AUDITS: ("qa_officer",),
    # Where escalation messages are sent, with the secrets they are signed with: admins.
    Action.MANAGE_WEBHOOKS: ("admin",),
}


def may(identity: Identity, action: Action) -> bool:
    return identity.role in ALLOWED[action]
