"""The episode-facts view: one typed row per episode of early help, for reports and research.

Each family's document keeps its journey (projections.journey: entries as known today,
corrections applied, retracted entries gone), the outcome statuses stated at each closure
and the children of the household; the view's `RowTable` (`journeys_episode_facts`) turns
it into one row per episode, rewritten whenever anything about the family changes, so every
figure summed over the table follows corrections and retractions. Ids, codes and times only.

The columns (times are when things happened, UTC, as corrected):

- `family_id`, `episode_id`, `area` (the family's area, as corrected), `sequence` (the
  episode's number in the family, by when it opened);
- `opened_by` (`request`: a request for support; `step_down`: a step-down from a statutory
  or specialist service), `requested_at` (when it opened), `stepped_down_from`;
- `support_declined`, `lead_assigned_at`, `assessed_at` (first completed assessment),
  `level_of_need` (the latest in force: an assessment's, or `statutory` once children's social
  care accepted a step-up), `plan_agreed_at`, `children` (children in the household now);
- `escalated_at` (first escalation raised, any service), `escalated_to_statutory_at` (first
  escalation to children's social care), `stepped_up_at` (first accepted step-up);
- `closed_at`, `closure_reason`, `outcomes_met` (closed as `outcomes_met`: every plan
  outcome achieved), `outcomes_stated`, `outcomes_achieved` (statuses stated at closure);
- re-referral, both definitions, from the family's other episodes: `previous_requested_at`
  and `re_referral_cin` (DfE children-in-need: a request for support within 12 months of the
  family's previous request), `previous_closed_at` and `re_referral_closure` (within 12
  months of the previous episode's closure); looking forward, `next_requested_at` (the
  family's next request for support), `next_requested_after_closure_at` (its first request
  after this episode closed), `request_window_ends_at` and `closure_window_ends_at`
  (12 calendar months after this request and after this closure);
- for sustained outcomes (domain.outcome_rules): `needs` (distinct headline outcomes in the
  episode's plan, as last revised), `needs_achieved` (needs whose every plan outcome was
  stated `achieved` at closure), and the first event after closure of each kind that can
  break a sustained outcome: `next_requested_after_closure_at` and `re_referral_entry_id`
  (a request for support), `escalated_after_closure_at` and
  `escalation_after_closure_entry_id` (an escalation raised), `regressed_after_closure_at`
  and `regression_entry_id` (outcome evidence for one of the needs that shows it again).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from eventsourcing.utils import get_topic

from domain.family import Family
from domain.outcome_rules import months_later, shows_need
from projections.base import Doc, Documents, Event, Projection, carry
from projections.journey import (
    HANDLED,
    OPENINGS,
    RE_REFERRAL_MONTHS,
    SOCIAL_CARE,
    JourneyProjection,
    Step,
    walk,
)
from projections.rows import Column, Row, RowTable

MEMBERS = (Family.MemberAdded, Family.MemberLeft)
TOPICS = frozenset(get_topic(cls) for cls in (*HANDLED, *MEMBERS, Family.OutcomeEvidenced))
TABLE_NAME = "journeys_episode_facts"


def _first(steps: Sequence[Step], stage: str, agency: str | None = None) -> datetime | None:
    return next(
        (s.at for s in steps if s.stage == stage and (agency is None or s.agency == agency)), None
    )


def _within(earlier: datetime | None, later: datetime) -> bool:
    return earlier is not None and earlier <= later <= months_later(earlier, RE_REFERRAL_MONTHS)


def _window(start: datetime | None) -> datetime | None:
    return None if start is None else months_later(start, RE_REFERRAL_MONTHS)


def _after(steps: Sequence[Step], stage: str, closed_at: datetime) -> Step | None:
    return next((s for s in steps if s.stage == stage and s.at > closed_at), None)


def _regression(doc: Doc, needs: set[str], closed_at: datetime) -> tuple[datetime, str] | None:
    """The first outcome evidence after closure, for one of the needs, that shows it again."""
    found = [
        (datetime.fromisoformat(e["at"]), entry_id)
        for entry_id, e in doc.get("evidence", {}).items()
        if e["headline_outcome"] in needs and shows_need(e["measure"], Decimal(e["value"]))
    ]
    return min((f for f in found if f[0] > closed_at), default=None)


def _sustaining(
    doc: Doc, steps: Sequence[Step], episode_id: str | None, closure: Step | None
) -> Row:
    """The columns a sustained-outcome rule set needs (domain.outcome_rules): the plan's
    needs, how many were achieved at closure, and each kind of break's first event after it."""
    plan = doc.get("plans", {}).get(str(episode_id), {})
    needs = set(plan.values())
    stated = doc.get("closure_outcomes", {}).get(closure.entry_id, {}) if closure else {}
    achieved = {
        need
        for need in needs
        if all(stated.get(o) == "achieved" for o, h in plan.items() if h == need)
    }
    row: Row = {"needs": len(needs), "needs_achieved": len(achieved) if closure else 0}
    closed_at = closure.at if closure else None
    request = _after(steps, "referred", closed_at) if closed_at else None
    escalation = _after(steps, "escalated", closed_at) if closed_at else None
    regression = _regression(doc, needs, closed_at) if closed_at else None
    row["re_referral_entry_id"] = request.entry_id if request else None
    row["escalated_after_closure_at"] = escalation.at if escalation else None
    row["escalation_after_closure_entry_id"] = escalation.entry_id if escalation else None
    row["regressed_after_closure_at"] = regression[0] if regression else None
    row["regression_entry_id"] = regression[1] if regression else None
    return row


def episode_rows(doc: Doc) -> list[Row]:
    """The rows of one family's document: one per episode, in the order they opened."""
    journey = doc["journey"]
    steps, _ = walk(journey)
    openings = [s for s in steps if s.stage in OPENINGS]
    requests = [s.at for s in openings if s.stage == "referred"]
    rows: list[Row] = []
    previous_closed: datetime | None = None
    for number, opening in enumerate(openings, start=1):
        mine = [s for s in steps if s.episode_id == opening.episode_id]
        closures = [s for s in mine if s.stage == "closed"]
        closure = closures[-1] if closures else None
        statuses = doc["closures"].get(closure.entry_id, []) if closure else []
        request = opening.stage == "referred"
        before = [at for at in requests if at < opening.at]
        after = [at for at in requests if at > opening.at]
        previous_request = before[-1] if before else None
        closed_at = closure.at if closure else None
        rows.append(
            {
                "family_id": journey["family_id"],
                "episode_id": opening.episode_id,
                "area": journey["area"],
                "sequence": number,
                "opened_by": "request" if request else "step_down",
                "requested_at": opening.at,
                "stepped_down_from": None if request else opening.agency,
                "support_declined": any(s.stage == "support_declined" for s in mine),
                "lead_assigned_at": _first(mine, "lead_assigned"),
                "assessed_at": _first(mine, "assessed"),
                "level_of_need": mine[-1].level_of_need,
                "plan_agreed_at": _first(mine, "plan"),
                "children": len(doc["children"]),
                "escalated_at": _first(mine, "escalated"),
                "escalated_to_statutory_at": _first(mine, "escalated", SOCIAL_CARE),
                "stepped_up_at": _first(mine, "stepped_up"),
                "closed_at": closed_at,
                "closure_reason": closure.detail if closure else None,
                "outcomes_met": closure is not None and closure.detail == "outcomes_met",
                "outcomes_stated": len(statuses),
                "outcomes_achieved": sum(status == "achieved" for status in statuses),
                "previous_requested_at": previous_request,
                "re_referral_cin": request and _within(previous_request, opening.at),
                "previous_closed_at": previous_closed,
                "re_referral_closure": request and _within(previous_closed, opening.at),
                "next_requested_at": after[0] if after else None,
                "next_requested_after_closure_at": next(
                    (at for at in requests if closed_at is not None and at > closed_at), None
                ),
                "request_window_ends_at": _window(opening.at) if request else None,
                "closure_window_ends_at": _window(closed_at),
                **_sustaining(doc, steps, opening.episode_id, closure),
            }
        )
        previous_closed = closed_at
    return rows


TEXT = ("family_id", "episode_id", "area", "opened_by", "stepped_down_from", "level_of_need")
BREAK_IDS = ("re_referral_entry_id", "escalation_after_closure_entry_id", "regression_entry_id")
TIMES = (
    "requested_at",
    "lead_assigned_at",
    "assessed_at",
    "plan_agreed_at",
    "escalated_at",
    "escalated_to_statutory_at",
    "stepped_up_at",
    "closed_at",
    "previous_requested_at",
    "previous_closed_at",
    "next_requested_at",
    "next_requested_after_closure_at",
    "request_window_ends_at",
    "closure_window_ends_at",
    "escalated_after_closure_at",
    "regressed_after_closure_at",
)
FLAGS = ("support_declined", "outcomes_met", "re_referral_cin", "re_referral_closure")
COUNTS = ("sequence", "children", "outcomes_stated", "outcomes_achieved", "needs", "needs_achieved")

EPISODE_FACTS = RowTable(
    name=TABLE_NAME,
    columns=(
        *(Column(name, "text") for name in TEXT),
        Column("closure_reason", "text"),
        *(Column(name, "text") for name in BREAK_IDS),
        *(Column(name, "timestamp") for name in TIMES),
        *(Column(name, "boolean") for name in FLAGS),
        *(Column(name, "integer") for name in COUNTS),
    ),
    key=("episode_id",),
    indexes=(
        ("area", "requested_at"),
        ("requested_at",),
        ("closed_at",),
        ("assessed_at",),
        ("plan_agreed_at",),
        ("family_id",),
    ),
    rows=episode_rows,
)


class EpisodeFactsProjection(Projection):
    """The `episode_facts` view. A document (key: family id, tag: area as corrected):
    `{"family_id", "journey": <the journey view's document>, "closures": {closure entry id:
    [outcome status, ...]}, "closure_outcomes": {closure entry id: {outcome id: status}},
    "plans": {episode id: {outcome id: headline outcome}}, "evidence": {entry id: {"at",
    "headline_outcome", "measure", "value"}}, "children": {member id: entry id}}`; its rows
    are the table's."""

    name = "episode_facts"
    version = 2
    table = EPISODE_FACTS
    journey = JourneyProjection()

    def wants(self, topic: str) -> bool:
        return topic in TOPICS

    def apply(self, event: Event, docs: Documents) -> None:
        key = self.key(event)
        if isinstance(event, Family.Registered):
            doc: Doc = {"family_id": key, "closures": {}, "children": {}, "plans": {}}
            for member in event.members:
                self._add_member(doc, member, event)
        else:
            doc = self.existing(event, docs)
        self.track(event, doc)
        carry(self.journey, event, doc, "journey", key)
        docs.put(key, doc, tag=doc["journey"]["area"])

    @staticmethod
    def _add_member(doc: Doc, member: Any, event: Any) -> None:
        if member.relationship == "child":
            doc["children"][str(member.member_id)] = str(event.entry_id)

    def track(self, event: Event, doc: Doc) -> None:
        if isinstance(event, Family.MemberAdded):
            self._add_member(doc, event.member, event)
        elif isinstance(event, Family.MemberLeft):
            doc["children"].pop(str(event.member_id), None)
        elif isinstance(event, Family.EpisodeClosed):
            statuses = [status.status for status in event.outcome_statuses]
            doc["closures"][str(event.entry_id)] = statuses
            doc.setdefault("closure_outcomes", {})[str(event.entry_id)] = {
                str(s.outcome_id): s.status for s in event.outcome_statuses
            }
        elif isinstance(event, Family.PlanAgreed | Family.PlanRevised):
            outcomes = {str(o.outcome_id): o.headline_outcome for o in event.outcomes}
            doc.setdefault("plans", {})[str(event.episode_id)] = outcomes
        elif isinstance(event, Family.OutcomeEvidenced):
            doc.setdefault("evidence", {})[str(event.entry_id)] = {
                "at": event.occurred_at.astimezone(UTC).isoformat(),
                "headline_outcome": event.headline_outcome,
                "measure": event.measure,
                "value": str(event.value),
            }
        elif isinstance(event, Family.EntryCorrected):
            evidence = doc.get("evidence", {}).get(str(event.target_entry_id))
            for change in event.changes if evidence is not None else ():
                if change.field == "occurred_at":
                    at = datetime.fromisoformat(change.value).astimezone(UTC)
                    evidence["at"] = at.isoformat()
                elif change.field in ("value", "measure", "headline_outcome"):
                    evidence[change.field] = str(change.value)
        elif isinstance(event, Family.EntryRetracted):
            target = str(event.target_entry_id)
            doc["closures"].pop(target, None)
            doc.get("closure_outcomes", {}).pop(target, None)
            doc.get("evidence", {}).pop(target, None)
            doc["children"] = {m: e for m, e in doc["children"].items() if e != target}
