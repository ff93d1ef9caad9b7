"""A family's journey through early help, stage by stage: the `journey` view, the graph
built from it at read time, and the named answers a QA officer asks of it.

The stages, as codes, and what each means in practice:

- `registered`: the household became known to the service.
- `referred`: a request for support opened an episode of early help.
- `support_agreed` / `support_declined`: the family agreed to early help, or declined it
  (early help is voluntary).
- `lead_assigned`: a lead practitioner was assigned to the episode (or changed).
- `assessment`: an early help assessment was started.
- `assessed`: the assessment was completed; it sets the level of need.
- `plan`: the plan (the team around the family) was agreed, or revised.
- `review`: the plan was reviewed with the family and partners.
- `escalated`: a step-up to statutory children's social care or a specialist service was
  asked for; the family waits for the receiving service's answer.
- `stepped_up`: the receiving service accepted: the family is with it now (level of need
  `statutory` when that service is children's social care).
- `escalation_declined`: the receiving service declined; early help carries on.
- `stepped_down`: children's social care stepped the family down into early help, which
  opens a new episode.
- `closed`: the episode closed, with its reason.

Contacts and information sharing are not stages: with the stages' own agencies (who
recorded a step, the lead's service, the service escalated to or stepped down from, review
attendees, owners of plan actions) they show which services formed the team around the
family.

The view keeps, per family (key: family id; tag: its area as corrected), those entries with
today's knowledge: corrections of when they happened, of the level of need, area, agency and
codes applied, and retracted entries removed. It holds ids, codes and times, never personal
data. The graph and the answers are made from a document when it is read.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import singledispatchmethod
from itertools import pairwise
from typing import TYPE_CHECKING, Any

from eventsourcing.utils import get_topic

from domain.family import Family
from domain.outcome_rules import months_later
from projections.base import Doc, Documents, Event, Projection

if TYPE_CHECKING:
    import networkx as nx

STAGES: tuple[str, ...] = (
    "registered",
    "referred",
    "support_agreed",
    "support_declined",
    "lead_assigned",
    "assessment",
    "assessed",
    "plan",
    "review",
    "escalated",
    "stepped_up",
    "escalation_declined",
    "stepped_down",
    "closed",
)
"""Every stage, in the order a journey usually meets them (the lanes of the picture)."""
STAGE_LABELS = {
    "registered": "Registered",
    "referred": "Referred (request for support)",
    "support_agreed": "Support agreed",
    "support_declined": "Support declined",
    "lead_assigned": "Lead practitioner assigned",
    "assessment": "Assessment started",
    "assessed": "Assessed",
    "plan": "Plan agreed / revised",
    "review": "Review",
    "escalated": "Escalated (awaiting answer)",
    "stepped_up": "Stepped up (accepted)",
    "escalation_declined": "Escalation declined",
    "stepped_down": "Stepped down",
    "closed": "Closed",
}
"""How a page or a picture names each stage."""

OPENINGS = frozenset({"referred", "stepped_down"})  # stages that open an episode
# The statutory end of the ladder: set by children's social care accepting a step-up. The
# domain's own closure rule names the same service.
SOCIAL_CARE = "children_social_care"
STATUTORY = "statutory"
RE_REFERRAL_MONTHS = 12

# Which corrected fields of an entry (by its stage; None: a contact or a sharing) change
# which field of its document entry. Other corrections do not touch the journey.
CORRECTED: Mapping[str | None, Mapping[str, str]] = {
    None: {"occurred_at": "at", "agency": "agency"},
    "referred": {"occurred_at": "at", "source": "detail"},
    "assessed": {"occurred_at": "at", "level_of_need": "level_of_need"},
    "review": {"occurred_at": "at", "decision": "detail"},
    "escalated": {"occurred_at": "at", "reason": "detail"},
}
WHEN_ONLY: Mapping[str, str] = {"occurred_at": "at"}

HANDLED = (
    Family.Registered,
    Family.ContactRecorded,
    Family.SupportRequested,
    Family.SupportAgreed,
    Family.SupportDeclined,
    Family.InformationShared,
    Family.LeadPractitionerAssigned,
    Family.AssessmentStarted,
    Family.AssessmentCompleted,
    Family.PlanAgreed,
    Family.PlanRevised,
    Family.ReviewHeld,
    Family.EscalationRaised,
    Family.EscalationResponded,
    Family.SteppedDown,
    Family.EpisodeClosed,
    Family.EntryCorrected,
    Family.EntryRetracted,
)


def utc_text(when: datetime) -> str:
    return when.astimezone(UTC).isoformat()


class JourneyProjection(Projection):
    """The `journey` view: a family's stage-relevant entries, as known today.

    A document: `{"family_id", "area", "registration_entry_id", "entries": [...],
    "escalations": {escalation_id: service}}`, entries in the order they were recorded,
    each `{"entry_id", "stage" (None for a contact or a sharing), "at" (occurred, UTC ISO),
    "episode_id", "agency", "level_of_need" (set by this entry, if it sets one), "detail"
    (the entry's own code: referral source, review decision, escalation reason or response,
    step-down or closure reason), "services" (other agencies it involved)}`.
    """

    name = "journey"
    version = 1
    topics = frozenset(get_topic(cls) for cls in HANDLED)

    def wants(self, topic: str) -> bool:
        return topic in self.topics

    @singledispatchmethod
    def apply(self, event: Event, docs: Documents) -> None:
        """Other events do not change a journey."""

    @apply.register
    def _(self, event: Family.Registered, docs: Documents) -> None:
        doc: Doc = {
            "family_id": str(event.originator_id),
            "area": event.area,
            "registration_entry_id": str(event.entry_id),
            "entries": [],
            "escalations": {},
        }
        self._add(doc, event, "registered", agency=event.actor.agency)
        docs.put(self.key(event), doc, tag=doc["area"])

    @apply.register
    def _(self, event: Family.ContactRecorded, docs: Documents) -> None:
        self._record(docs, event, None, episode_id=event.episode_id, agency=event.agency)

    @apply.register
    def _(self, event: Family.InformationShared, docs: Documents) -> None:
        self._record(docs, event, None, episode_id=event.episode_id, agency=event.with_agency)

    @apply.register
    def _(self, event: Family.SupportRequested, docs: Documents) -> None:
        self._record(docs, event, "referred", episode_id=event.episode_id, detail=event.source)

    @apply.register
    def _(self, event: Family.SupportAgreed, docs: Documents) -> None:
        self._record(docs, event, "support_agreed", episode_id=event.episode_id)

    @apply.register
    def _(self, event: Family.SupportDeclined, docs: Documents) -> None:
        self._record(docs, event, "support_declined", episode_id=event.episode_id)

    @apply.register
    def _(self, event: Family.LeadPractitionerAssigned, docs: Documents) -> None:
        self._record(docs, event, "lead_assigned", episode_id=event.episode_id, agency=event.agency)

    @apply.register
    def _(self, event: Family.AssessmentStarted, docs: Documents) -> None:
        self._record(docs, event, "assessment", episode_id=event.episode_id)

    @apply.register
    def _(self, event: Family.AssessmentCompleted, docs: Documents) -> None:
        self._record(
            docs, event, "assessed", episode_id=event.episode_id, level=event.level_of_need
        )

    @apply.register
    def _(self, event: Family.PlanAgreed, docs: Documents) -> None:
        owners = [action.owner_agency for action in event.actions]
        self._record(docs, event, "plan", episode_id=event.episode_id, services=owners)

    @apply.register
    def _(self, event: Family.PlanRevised, docs: Documents) -> None:
        owners = [action.owner_agency for action in event.actions]
        self._record(docs, event, "plan", episode_id=event.episode_id, services=owners)

    @apply.register
    def _(self, event: Family.ReviewHeld, docs: Documents) -> None:
        self._record(
            docs,
            event,
            "review",
            episode_id=event.episode_id,
            detail=event.decision,
            services=list(event.attendees),
        )

    @apply.register
    def _(self, event: Family.EscalationRaised, docs: Documents) -> None:
        doc = self.existing(event, docs)
        doc["escalations"][str(event.escalation_id)] = event.to_service
        self._add(
            doc,
            event,
            "escalated",
            episode_id=event.episode_id,
            agency=event.to_service,
            detail=event.reason,
        )
        docs.put(self.key(event), doc, tag=doc["area"])

    @apply.register
    def _(self, event: Family.EscalationResponded, docs: Documents) -> None:
        doc = self.existing(event, docs)
        service = doc["escalations"].get(str(event.escalation_id))
        accepted = event.response == "accepted"
        self._add(
            doc,
            event,
            "stepped_up" if accepted else "escalation_declined",
            episode_id=event.episode_id,
            agency=service or event.actor.agency,
            level=STATUTORY if accepted and service == SOCIAL_CARE else None,
            detail=event.response,
        )
        docs.put(self.key(event), doc, tag=doc["area"])

    @apply.register
    def _(self, event: Family.SteppedDown, docs: Documents) -> None:
        self._record(
            docs,
            event,
            "stepped_down",
            episode_id=event.episode_id,
            agency=event.from_service,
            detail=event.reason,
        )

    @apply.register
    def _(self, event: Family.EpisodeClosed, docs: Documents) -> None:
        self._record(docs, event, "closed", episode_id=event.episode_id, detail=event.reason)

    @apply.register
    def _(self, event: Family.EntryCorrected, docs: Documents) -> None:
        doc = self.existing(event, docs)
        target = str(event.target_entry_id)
        entry = next((e for e in doc["entries"] if e["entry_id"] == target), None)
        changed = False
        for change in event.changes:
            if target == doc["registration_entry_id"] and change.field == "area":
                doc["area"] = change.value
                changed = True
            field = None if entry is None else CORRECTED.get(entry["stage"], WHEN_ONLY)
            if entry is not None and field is not None and change.field in field:
                value = change.value
                if change.field == "occurred_at":
                    value = utc_text(datetime.fromisoformat(value))
                entry[field[change.field]] = value
                changed = True
        if changed:
            docs.put(self.key(event), doc, tag=doc["area"])

    @apply.register
    def _(self, event: Family.EntryRetracted, docs: Documents) -> None:
        doc = self.existing(event, docs)
        target = str(event.target_entry_id)
        kept = [e for e in doc["entries"] if e["entry_id"] != target]
        if len(kept) != len(doc["entries"]):
            doc["entries"] = kept
            docs.put(self.key(event), doc, tag=doc["area"])

    # -- helpers ---------------------------------------------------------------------------

    def _record(
        self,
        docs: Documents,
        event: Any,
        stage: str | None,
        *,
        episode_id: object = None,
        agency: str | None = None,
        level: str | None = None,
        detail: str | None = None,
        services: Sequence[str] = (),
    ) -> None:
        doc = self.existing(event, docs)
        self._add(
            doc,
            event,
            stage,
            episode_id=episode_id,
            agency=agency,
            level=level,
            detail=detail,
            services=services,
        )
        docs.put(self.key(event), doc, tag=doc["area"])

    @staticmethod
    def _add(
        doc: Doc,
        event: Any,
        stage: str | None,
        *,
        episode_id: object = None,
        agency: str | None = None,
        level: str | None = None,
        detail: str | None = None,
        services: Sequence[str] = (),
    ) -> None:
        doc["entries"].append(
            {
                "entry_id": str(event.entry_id),
                "stage": stage,
                "at": utc_text(event.occurred_at),
                "episode_id": None if episode_id is None else str(episode_id),
                # Who acted: the given service, else the service of whoever recorded it.
                "agency": agency or event.actor.agency,
                "level_of_need": level,
                "detail": detail,
                "services": list(dict.fromkeys(services)),
            }
        )


# -- reading a document: the path, the graph, the answers ---------------------------------


@dataclass(frozen=True)
class Step:
    """One visit to a stage: when it began, the level of need in force (that of the
    episode's latest assessment, or statutory once social care accepted a step-up), the
    service that acted, and the entry's own code (`detail`)."""

    stage: str
    at: datetime
    level_of_need: str | None
    agency: str | None
    episode_id: str | None
    entry_id: str
    detail: str | None


@dataclass(frozen=True)
class Service:
    """An agency of the team around the family: when it was first and last involved, and in
    how many entries."""

    agency: str
    first: datetime
    last: datetime
    entries: int


@dataclass(frozen=True)
class JourneyAnswers:
    """What a QA officer asks of one family's journey, as of a given time.

    `current_stage`: the stage of the current (latest) episode, from its last stage change
    (`current_stage_since`, occurred, as corrected), or `closed` since the episode's
    closure; `registered` before any episode. `current_stage_days` counts from then to
    `as_of`: one visit, never a sum over episodes. `handovers`: lead practitioners assigned
    to an episode that already had one; a handover changes who leads, not the stage.
    `time_in_stage`: days per stage, summed over its visits (and over episodes); a visit
    lasts until the next step, and the current one until `as_of` (a closure stops the clock).
    `step_cycles`: times round the loop between early help and statutory or specialist
    services: each step-up (an accepted escalation; several in one episode count once) starts
    a cycle, and a step-down with no step-up before it (the family came from social care)
    counts as one. `re_referrals`: requests for support within 12 months of the closure of
    the episode before.
    """

    family_id: str
    area: str
    as_of: datetime
    current_stage: str
    current_stage_since: datetime | None
    current_stage_days: float | None
    current_episode_id: str | None
    current_level_of_need: str | None
    path: tuple[Step, ...]
    handovers: tuple[Step, ...]
    time_in_stage: Mapping[str, float]
    step_cycles: int
    services: tuple[Service, ...]
    episodes: int
    re_referrals: int


def in_occurred_order(entries: Sequence[Doc]) -> list[Doc]:
    """Entries by when they happened (as corrected), ties in the order they were recorded."""
    order = sorted(range(len(entries)), key=lambda i: (datetime.fromisoformat(entries[i]["at"]), i))
    return [entries[i] for i in order]


def walk(doc: Doc) -> tuple[list[Step], list[Step]]:
    """The family's visits to stages, in the order they happened, and its lead handovers
    (a lead assigned to an episode that already had one: not a stage of its own)."""
    levels: dict[str | None, str] = {}
    led: set[str | None] = set()
    steps: list[Step] = []
    handovers: list[Step] = []
    for entry in in_occurred_order(doc["entries"]):
        if entry["stage"] is None:
            continue
        episode = entry["episode_id"]
        if entry["level_of_need"] is not None and episode is not None:
            levels[episode] = entry["level_of_need"]
        step = Step(
            stage=entry["stage"],
            at=datetime.fromisoformat(entry["at"]),
            level_of_need=levels.get(episode),
            agency=entry["agency"],
            episode_id=episode,
            entry_id=entry["entry_id"],
            detail=entry["detail"],
        )
        if step.stage == "lead_assigned":
            if episode in led:
                handovers.append(step)
                continue
            led.add(episode)
        steps.append(step)
    return steps, handovers


def path_of(doc: Doc) -> list[Step]:
    """The family's visits to stages, in the order they happened."""
    return walk(doc)[0]


def current_step(steps: Sequence[Step]) -> Step | None:
    """The step that set the family's current stage: the latest episode's closure if it
    closed, else that episode's last stage change (the last step when no episode opened)."""
    openings = [step for step in steps if step.stage in OPENINGS]
    if not openings:
        return steps[-1] if steps else None
    episode = openings[-1].episode_id
    mine = [step for step in steps if step.episode_id == episode]
    closures = [step for step in mine if step.stage == "closed"]
    return closures[-1] if closures else mine[-1]


def days_between(start: datetime, end: datetime) -> float:
    return round(max(timedelta(0), end - start) / timedelta(days=1), 2)


def stage_node(stage: str) -> tuple[str, str]:
    return ("stage", stage)


def journey_graph(doc: Doc) -> nx.MultiDiGraph[tuple[str, str]]:
    """The journey as a graph. Nodes are `(kind, code)`: stages, levels of need and services.
    Edges: `transition` from stage to stage (keyed by the entry that moved the family on,
    with `at`, `days` spent in the stage left and `order`); `assessed_as` from a stage to
    the level of need it set; `involved` from a service to the stage it took part in."""
    # Imported here: the projection itself (workers, the CLI) never needs networkx.
    import networkx as nx

    graph: nx.MultiDiGraph[tuple[str, str]] = nx.MultiDiGraph(family_id=doc["family_id"])
    steps = path_of(doc)
    for step in steps:
        graph.add_node(stage_node(step.stage), kind="stage", code=step.stage)
    for order, (left, step) in enumerate(pairwise(steps), start=1):
        graph.add_edge(
            stage_node(left.stage),
            stage_node(step.stage),
            key=step.entry_id,
            kind="transition",
            at=step.at,
            days=days_between(left.at, step.at),
            order=order,
        )
    by_entry = {step.entry_id: step for step in steps}
    current = steps[0] if steps else None
    for entry in in_occurred_order(doc["entries"]):
        current = by_entry.get(entry["entry_id"], current)
        if current is None:
            continue
        at = datetime.fromisoformat(entry["at"])
        if entry["level_of_need"] is not None:
            level = ("level_of_need", entry["level_of_need"])
            graph.add_node(level, kind="level_of_need", code=entry["level_of_need"])
            graph.add_edge(stage_node(current.stage), level, kind="assessed_as", at=at)
        agencies = [entry["agency"], *entry["services"]] if entry["agency"] else entry["services"]
        for agency in dict.fromkeys(agencies):
            service = ("service", agency)
            graph.add_node(service, kind="service", code=agency)
            graph.add_edge(service, stage_node(current.stage), kind="involved", at=at)
    return graph


def time_in_stage(
    graph: nx.MultiDiGraph[tuple[str, str]], last: Step | None, as_of: datetime, *, closed: bool
) -> dict[str, float]:
    """Days per stage: the transitions out of it, plus the visit still going on (none once
    the latest episode is `closed`)."""
    totals: dict[str, float] = {}
    for source, _, data in graph.edges(data=True):
        if data["kind"] == "transition":
            totals[source[1]] = totals.get(source[1], 0.0) + data["days"]
    if last is not None and not closed:
        totals[last.stage] = totals.get(last.stage, 0.0) + days_between(last.at, as_of)
    return {stage: round(totals[stage], 2) for stage in STAGES if stage in totals}


def services_of(graph: nx.MultiDiGraph[tuple[str, str]]) -> tuple[Service, ...]:
    found = []
    for node, attributes in graph.nodes(data=True):
        if attributes["kind"] != "service":
            continue
        times = [data["at"] for _, _, data in graph.out_edges(node, data=True)]
        found.append(Service(agency=node[1], first=min(times), last=max(times), entries=len(times)))
    return tuple(sorted(found, key=lambda s: (s.first, s.agency)))


def step_cycles(steps: Iterable[Step]) -> int:
    cycles, up = 0, False
    for step in steps:
        if step.stage == "stepped_up":
            # A second acceptance before the family is back in early help is the same cycle.
            cycles += 0 if up else 1
            up = True
        elif step.stage == "stepped_down":
            cycles += 0 if up else 1  # stepped up before this record began
            up = False
        elif step.stage == "referred":  # back in early help by a new request
            up = False
    return cycles


def re_referrals(steps: Iterable[Step]) -> int:
    count, closed_at = 0, None
    for step in steps:
        if step.stage == "closed":
            closed_at = step.at
        elif step.stage == "referred" and closed_at is not None:
            count += step.at <= months_later(closed_at, RE_REFERRAL_MONTHS)
    return count


def journey_answers(doc: Doc, *, as_of: datetime) -> JourneyAnswers:
    """The named answers about one family's journey document, as of `as_of`."""
    steps, handovers = walk(doc)
    graph = journey_graph(doc)
    current = current_step(steps)
    stage = current.stage if current else "registered"
    return JourneyAnswers(
        family_id=doc["family_id"],
        area=doc["area"],
        as_of=as_of,
        current_stage=stage,
        current_stage_since=current.at if current else None,
        current_stage_days=days_between(current.at, as_of) if current else None,
        current_episode_id=current.episode_id if current else None,
        current_level_of_need=current.level_of_need if current else None,
        path=tuple(steps),
        handovers=tuple(handovers),
        time_in_stage=time_in_stage(
            graph, steps[-1] if steps else None, as_of, closed=stage == "closed"
        ),
        step_cycles=step_cycles(steps),
        services=services_of(graph),
        episodes=len({s.episode_id for s in steps if s.stage in OPENINGS}),
        re_referrals=re_referrals(steps),
    )
