"""What a family's state holds, declared once for the aggregate and its command mixins.

The parts of the state are frozen dataclasses: an event replaces a part
(`dataclasses.replace`), never changes it in place, so a copy of the family shares them
safely. Ids are kept as strings and times as datetimes, so that a snapshot stores each
part as a JSON object of its fields (STATE_TYPES are registered with the transcoder).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from domain.values import PersonalData


@dataclass(frozen=True)
class MemberState:
    """A member of the household: who they are to the family, whether they still live
    there, and the entry that added them."""

    relationship: str
    active: bool
    entry_id: str


@dataclass(frozen=True)
class ConsentState:
    """A sharing consent: the agencies and purposes it covers, and whether it is in force."""

    agencies: tuple[str, ...]
    purposes: tuple[str, ...]
    in_force: bool


@dataclass(frozen=True)
class AssessmentState:
    """An episode's latest early help assessment."""

    assessment_id: str
    started_at: datetime
    entry_id: str
    completed: bool


@dataclass(frozen=True)
class PlanState:
    """An episode's plan: its current revision and outcomes (outcome id -> headline
    outcome)."""

    plan_id: str
    agreed_at: datetime
    entry_id: str
    revision: int
    outcomes: Mapping[str, str]


@dataclass(frozen=True)
class EscalationState:
    """An escalation from an episode: to whom, and its status (pending, or the response)."""

    to_service: str
    status: str
    raised_at: datetime
    entry_id: str


@dataclass(frozen=True)
class EpisodeState:
    """An episode of early help, from the entry that opened it to the one that closed it."""

    opened_at: datetime
    opened_by: str
    origin: str  # "request" or "step_down"
    support: str | None = None  # "agreed", "declined", or not decided yet
    lead: str | None = None  # the lead practitioner's user id
    assessment: AssessmentState | None = None
    assessed: bool = False
    plan: PlanState | None = None
    escalations: Mapping[str, EscalationState] = field(default_factory=dict)
    closed_at: datetime | None = None
    closed_by: str | None = None


@dataclass(frozen=True)
class AuditState:
    """A case audit of an episode: the entry that recorded it, its actions (action id ->
    due date) and the entries completing them (action id -> entry id)."""

    episode_id: str
    entry_id: str
    actions: Mapping[str, date]
    completions: Mapping[str, str] = field(default_factory=dict)


# Stored in snapshots, each as a JSON object of its fields.
STATE_TYPES: tuple[type[object], ...] = (
    MemberState,
    ConsentState,
    AssessmentState,
    PlanState,
    EscalationState,
    EpisodeState,
    AuditState,
)


def episode_from_dict(data: Mapping[str, Any]) -> EpisodeState:
    """An episode as a snapshot of class version 3 or before kept it (a dict)."""
    assessment = data.get("assessment")
    plan = data.get("plan")
    return EpisodeState(
        opened_at=data["opened_at"],
        opened_by=data["opened_by"],
        origin=data["origin"],
        support=data.get("support"),
        lead=data.get("lead"),
        assessment=None if assessment is None else AssessmentState(**assessment),
        assessed=bool(data.get("assessed", False)),
        plan=None if plan is None else PlanState(**{**plan, "outcomes": dict(plan["outcomes"])}),
        escalations={k: EscalationState(**e) for k, e in data.get("escalations", {}).items()},
        closed_at=data.get("closed_at"),
        closed_by=data.get("closed_by"),
    )


class FamilyState:
    """The attributes of a family's state (set in Family.__init__ and by its events)."""

    area: str
    code_list_version: str
    members: dict[str, MemberState]
    episodes: dict[str, EpisodeState]
    open_episode_id: str | None
    consents: dict[str, ConsentState]
    entries: dict[str, str]
    retracted: dict[str, str]
    erased_at: datetime | None
    legal_holds: tuple[tuple[str, str, str], ...]
    times: dict[str, tuple[datetime, datetime, str]]
    follows: dict[str, tuple[str, ...]]
    periods: dict[str, tuple[date, date]]
    births: dict[str, PersonalData]
    audits: dict[str, AuditState]

    if TYPE_CHECKING:  # given by eventsourcing's Aggregate, which Family also derives from

        def trigger_event(self, event_class: Any, **kwargs: Any) -> None: ...
