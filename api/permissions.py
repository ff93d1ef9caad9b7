"""Who may do what through the API: the one table of roles (DESIGN.md, "Roles").

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
    # Practitioners read a family's events without personal data; the lead sees it all.
    Action.READ_PERSONAL_DATA: ("lead_practitioner", "qa_officer", "panel_member"),
    # A lead practitioner reads only the families they lead or have led (api/deps.py);
    # partners get consent-gated views instead (a later issue).
    Action.READ_JOURNEY: ("qa_officer", "panel_member", "lead_practitioner"),
    # Pathways are counts and durations over a cohort: no family is named.
    Action.FIND_PATHWAYS: ("qa_officer", "panel_member", "researcher"),
}


def may(identity: Identity, action: Action) -> bool:
    return identity.role in ALLOWED[action]
