"""The caseload view: per family, what decides a practitioner's access (domain.access).

One document per family (key: the family id, no tag), ids, codes and times only:

    "leads": [{"practitioner_id", "agency", "episode_id", "started_at", "ended_at"}, ...]
    "plans": {plan_id: {"episode_id", "agencies": [owner agencies of its actions]}}
    "consents": {consent_id: [agencies]}   (consents in force: a withdrawal removes one)
    "closed_episodes": [episode_id, ...]

A lead ends when another is assigned or the episode closes (times as occurred). A plan's
agencies are its latest revision's; plans of a closed episode no longer count.
"""

from __future__ import annotations

from datetime import datetime
from functools import singledispatchmethod

from eventsourcing.utils import get_topic

from domain.access import Caseload, Lead
from domain.family import Family
from projections.base import Doc, Documents, Event, Projection

TOPICS = frozenset(
    get_topic(cls)
    for cls in (
        Family.Registered,
        Family.LeadPractitionerAssigned,
        Family.EpisodeClosed,
        Family.PlanAgreed,
        Family.PlanRevised,
        Family.ConsentGiven,
        Family.ConsentWithdrawn,
    )
)


class CaseloadProjection(Projection):
    name = "caseload"
    version = 1

    def wants(self, topic: str) -> bool:
        return topic in TOPICS

    @singledispatchmethod
    def apply(self, event: Event, docs: Documents) -> None:
        """Other events do not change who may see the family."""

    @apply.register
    def _(self, event: Family.Registered, docs: Documents) -> None:
        doc = {
            "family_id": str(event.originator_id),
            "leads": [],
            "plans": {},
            "consents": {},
            "closed_episodes": [],
        }
        docs.put(self.key(event), doc)

    @apply.register
    def _(self, event: Family.LeadPractitionerAssigned, docs: Documents) -> None:
        doc = self.existing(event, docs)
        _end_leads(doc, event.occurred_at)
        doc["leads"].append(
            {
                "practitioner_id": event.practitioner_id,
                "agency": event.agency,
                "episode_id": str(event.episode_id),
                "started_at": event.occurred_at.isoformat(),
                "ended_at": None,
            }
        )
        docs.put(self.key(event), doc)

    @apply.register
    def _(self, event: Family.EpisodeClosed, docs: Documents) -> None:
        doc = self.existing(event, docs)
        _end_leads(doc, event.occurred_at)
        doc["closed_episodes"].append(str(event.episode_id))
        docs.put(self.key(event), doc)

    @apply.register
    def _(self, event: Family.PlanAgreed | Family.PlanRevised, docs: Documents) -> None:
        doc = self.existing(event, docs)
        doc["plans"][str(event.plan_id)] = {
            "episode_id": str(event.episode_id),
            "agencies": sorted({action.owner_agency for action in event.actions}),
        }
        docs.put(self.key(event), doc)

    @apply.register
    def _(self, event: Family.ConsentGiven, docs: Documents) -> None:
        doc = self.existing(event, docs)
        doc["consents"][str(event.consent_id)] = list(event.agencies)
        docs.put(self.key(event), doc)

    @apply.register
    def _(self, event: Family.ConsentWithdrawn, docs: Documents) -> None:
        doc = self.existing(event, docs)
        doc["consents"].pop(str(event.consent_id), None)
        docs.put(self.key(event), doc)


def _end_leads(doc: Doc, at: datetime) -> None:
    for lead in doc["leads"]:
        if lead["ended_at"] is None:
            lead["ended_at"] = at.isoformat()


def caseload(doc: Doc) -> Caseload:
    """The caseload facts of a family's document, for domain.access.decide."""
    closed = set(doc["closed_episodes"])
    team = {
        agency
        for plan in doc["plans"].values()
        if plan["episode_id"] not in closed
        for agency in plan["agencies"]
    } | {agency for agencies in doc["consents"].values() for agency in agencies}
    leads = tuple(
        Lead(
            practitioner_id=lead["practitioner_id"],
            started_at=datetime.fromisoformat(lead["started_at"]),
            ended_at=None if lead["ended_at"] is None else datetime.fromisoformat(lead["ended_at"]),
        )
        for lead in doc["leads"]
    )
    return Caseload(leads=leads, team=frozenset(team))
