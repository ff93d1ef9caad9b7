"""Who may read and write which family: the access rules, as data and one function.

`decide(caller, caseload, route, now, grace=...)` answers for one caller, one family (its
caseload facts: who leads or led it, which agencies are in the team around it) and one kind
of route. The API asks it on every route of a family; a Kafka relay will ask it too, so it
imports only the standard library.

| who                                   | reads                          | writes            |
|---------------------------------------|--------------------------------|-------------------|
| practitioner, lead_practitioner:      |                                |                   |
|   the family's current lead           | all, with personal data        | yes               |
|   its lead until at most `grace` ago  | all, with personal data        | no                |
|   of an agency in the team around it  | what the agency may see        | no                |
|   (owns an action of a plan of an     | (the shared view's entries for |                   |
|   open episode; a consent in force    | it, personal data on those)    |                   |
|   covers it)                          |                                |                   |
|   anyone else                         | nothing                        | no                |
|   any of them, a family no one leads  | (as above)                     | yes (allocation)  |
|   any of them, recording a contact or | (as above)                     | yes: no read      |
|   answering an escalation to them     |                                |                   |
| qa_officer                            | all, with personal data        | yes (corrections) |
| panel_member                          | all, with personal data        | no                |
| partner                               | what its agency may see        | no (but REPORT)   |
| admin                                 | all, no personal data          | yes (records)     |
| researcher                            | nothing                        | no                |

Which routes a role may use at all is the role table's (api/common/permissions.py); these rules
narrow a practitioner's to the caseload. A reason never holds personal data: it is shown
in 403 answers.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Protocol

DEFAULT_GRACE = timedelta(days=90)
PRACTITIONERS = frozenset({"practitioner", "lead_practitioner"})


class Sees(StrEnum):
    ALL = "all"
    AGENCY = "agency"  # only what the caller's agency may see (projections.sharing)
    NONE = "none"


class Route(StrEnum):
    """What a route does with a family."""

    ENTRIES = "entries"  # reads entries one by one: can be narrowed to an agency's
    WHOLE = "whole"  # reads the whole record (journey, its picture, the family page)
    COMMAND = "command"  # records or changes entries
    REPORT = "report"  # records a contact, or answers an escalation addressed to the caller


class Caller(Protocol):
    """Who asks (an api Identity, a relay's subscriber): ids and codes only."""

    @property
    def user_id(self) -> str: ...
    @property
    def role(self) -> str: ...
    @property
    def agency(self) -> str: ...


@dataclass(frozen=True)
class Lead:
    """One lead practitioner's time leading a family; `ended_at` None while they still do."""

    practitioner_id: str
    started_at: datetime
    ended_at: datetime | None = None


@dataclass(frozen=True)
class Caseload:
    """What decides a practitioner's access to one family (projections.caseload)."""

    leads: tuple[Lead, ...] = ()
    team: frozenset[str] = field(default_factory=frozenset)  # agencies around the family

    def current_lead(self) -> str | None:
        return next((lead.practitioner_id for lead in self.leads if lead.ended_at is None), None)

    def led_by(self, user_id: str, *, since: datetime) -> bool:
        """Whether `user_id` leads the family now, or led it at `since` or later."""
        return any(
            lead.practitioner_id == user_id and (lead.ended_at is None or lead.ended_at >= since)
            for lead in self.leads
        )


@dataclass(frozen=True)
class Decision:
    """What a caller may do with one family, and why (never personal data in `reason`)."""

    read: bool
    write: bool
    sees: Sees
    personal: bool
    reason: str

    def allows(self, route: Route) -> bool:
        if route is Route.REPORT:
            return True
        if route is Route.COMMAND:
            return self.write
        if route is Route.WHOLE:
            return self.read and self.sees is Sees.ALL
        return self.read and self.sees is not Sees.NONE


# Roles whose access does not depend on the family: (read, write, sees, personal, reason).
BY_ROLE: Mapping[str, Decision] = {
    "qa_officer": Decision(True, True, Sees.ALL, True, "a QA officer audits every family"),
    "panel_member": Decision(True, False, Sees.ALL, True, "a case audit panel replays any family"),
    "admin": Decision(True, True, Sees.ALL, False, "an admin keeps records, not their content"),
    "partner": Decision(
        True, False, Sees.AGENCY, True, "a partner sees what consent or a lawful basis allows"
    ),  # and answers the escalations addressed to it (Route.REPORT)
    "researcher": Decision(
        False, False, Sees.NONE, False, "a researcher sees pseudonymised aggregates only"
    ),
}
NO_ONE = Decision(False, False, Sees.NONE, False, "this role reads no family's record")


def decide(
    caller: Caller, caseload: Caseload, now: datetime, *, grace: timedelta = DEFAULT_GRACE
) -> Decision:
    """What `caller` may do with the family whose caseload facts are given, at `now`."""
    if caller.role not in PRACTITIONERS:
        return BY_ROLE.get(caller.role, NO_ONE)
    unled = caseload.current_lead() is None
    if caseload.current_lead() == caller.user_id:
        return Decision(True, True, Sees.ALL, True, "you are the family's lead practitioner")
    if caseload.led_by(caller.user_id, since=now - grace):
        reason = f"you led this family within the last {grace.days} days: read only"
        return Decision(True, unled, Sees.ALL, True, reason)
    if caller.agency in caseload.team:
        reason = (
            f"your agency ({caller.agency}) is in the team around the family: you see what "
            "it may see, and only the lead practitioner records"
        )
        return Decision(True, unled, Sees.AGENCY, True, reason)
    reason = (
        f"this family is not in your caseload: you do not lead it (nor led it in the last "
        f"{grace.days} days) and your agency ({caller.agency}) is not in the team around it"
    )
    if unled:
        reason += "; no one leads it, so you may open an episode and assign a lead"
    return Decision(False, unled, Sees.NONE, False, reason)


INBOUND_ROLE = "partner"


def refused_report(caller: Caller, agency: str, now: datetime) -> str | None:
    """Why `caller` (a partner's system, on the inbound topic) may not record an entry made
    by `agency` (a contact), or None if it may: a service records only its own contacts,
    on any family (Route.REPORT), whatever its caseload. The reason names codes only."""
    if caller.agency != agency:
        # The contact's agency is not repeated: it is not checked against the code list yet.
        return f"a service records only its own contacts: the sender is {caller.agency}"
    decision = decide(caller, Caseload(), now)
    return None if decision.allows(Route.REPORT) else decision.reason
