"""The family directory: each family's area (as corrected), when it was registered, who has
led its episodes, and where it stands now: its current stage (as the journey has it), the
level of need, the lead and the lead's agency, and when the latest entry happened.

Answers "does this family exist", "which families are in this area, at this stage, led by
me", and "is this practitioner one of the family's leads" (the access rule for lead
practitioners) without loading the family's events. Ids, codes and times only.
"""

from __future__ import annotations

from datetime import datetime
from functools import singledispatchmethod
from typing import Any

from eventsourcing.utils import get_topic

from domain.family import Family
from projections.base import FAMILY_TOPICS, Doc, Documents, Event, Projection, carry
from projections.journey import JourneyProjection, current_step, in_occurred_order, utc_text, walk

# Entries about the record rather than the family: not the family's latest activity.
NOT_ACTIVITY = frozenset(
    get_topic(cls)
    for cls in (
        Family.EntryCorrected,
        Family.EntryRetracted,
        Family.PersonalDataErased,
        Family.LegalHoldPlaced,
        Family.LegalHoldLifted,
    )
)


class FamilyDirectory(Projection):
    """The `families` view. A document: `{"family_id", "area", "registered_at",
    "recorded_at", "registration_entry_id", "leads" (everyone ever assigned as lead),
    "stage", "stage_since" (occurred), "level_of_need", "lead_practitioner_id" (the current
    lead of an open episode, else None), "lead_agency" (the agency of the latest episode's
    lead, closed or not), "last_activity_at" (occurred time of the latest entry about the
    family, as corrected; retracted ones left out)}` and what they are worked out from: the
    family's journey document (projections.journey), each lead assignment's practitioner,
    and each entry's occurred time."""

    name = "families"
    version = 2
    journey = JourneyProjection()

    def wants(self, topic: str) -> bool:
        return topic in FAMILY_TOPICS

    def apply(self, event: Event, docs: Documents) -> None:
        key = self.key(event)
        if isinstance(event, Family.Registered):
            doc = self.registered(event)
        else:
            doc = self.existing(event, docs)
        self.track(event, doc)
        carry(self.journey, event, doc, "journey", key)
        doc.update(summary(doc))
        docs.put(key, doc, tag=doc["area"])

    @staticmethod
    def registered(event: Family.Registered) -> Doc:
        return {
            "family_id": str(event.originator_id),
            "area": event.area,
            "registered_at": utc_text(event.occurred_at),
            "recorded_at": event.timestamp.isoformat(),
            "registration_entry_id": str(event.entry_id),
            "leads": [],
            "lead_of": {},
            "activity": {},
        }

    @singledispatchmethod
    def track(self, event: Any, doc: Doc) -> None:
        """Any entry about the family: when it happened."""
        if get_topic(type(event)) not in NOT_ACTIVITY:
            doc["activity"][str(event.entry_id)] = utc_text(event.occurred_at)

    @track.register
    def _(self, event: Family.LeadPractitionerAssigned, doc: Doc) -> None:
        if event.practitioner_id not in doc["leads"]:
            doc["leads"].append(event.practitioner_id)
        doc["lead_of"][str(event.entry_id)] = event.practitioner_id
        doc["activity"][str(event.entry_id)] = utc_text(event.occurred_at)

    @track.register
    def _(self, event: Family.EntryCorrected, doc: Doc) -> None:
        target = str(event.target_entry_id)
        for change in event.changes:
            if change.field == "occurred_at" and target in doc["activity"]:
                doc["activity"][target] = utc_text(datetime.fromisoformat(change.value))

    @track.register
    def _(self, event: Family.EntryRetracted, doc: Doc) -> None:
        doc["activity"].pop(str(event.target_entry_id), None)


def summary(doc: Doc) -> Doc:
    """Where the family stands now, from its journey document (the same current stage as the
    journey's answers) and its leads."""
    journey = doc["journey"]
    steps, _ = walk(journey)
    current = current_step(steps)
    stage = current.stage if current else "registered"
    episode = current.episode_id if current else None
    leads = [
        e
        for e in in_occurred_order(journey["entries"])
        if e["stage"] == "lead_assigned" and e["episode_id"] == episode and episode is not None
    ]
    lead = leads[-1] if leads else None
    times = [datetime.fromisoformat(at) for at in doc["activity"].values()]
    return {
        "area": journey["area"],
        "stage": stage,
        "stage_since": utc_text(current.at) if current else doc["registered_at"],
        "level_of_need": current.level_of_need if current else None,
        "lead_practitioner_id": (
            doc["lead_of"].get(lead["entry_id"]) if lead and stage != "closed" else None
        ),
        "lead_agency": lead["agency"] if lead else None,
        "last_activity_at": utc_text(max(times)) if times else doc["registered_at"],
    }
