"""The family directory: each family's area (as corrected), when it was registered, and who
has led its episodes. Answers "does this family exist", "which families are in this area",
and "is this practitioner one of the family's leads" (the access rule for lead
practitioners) without loading the family's events."""

from __future__ import annotations

from functools import singledispatchmethod

from eventsourcing.utils import get_topic

from domain.family import Family
from projections.base import Documents, Event, Projection

TOPICS = frozenset(
    get_topic(cls)
    for cls in (Family.Registered, Family.LeadPractitionerAssigned, Family.EntryCorrected)
)


class FamilyDirectory(Projection):
    name = "families"
    version = 1

    def wants(self, topic: str) -> bool:
        return topic in TOPICS  # the rest of the log is not even decoded

    @singledispatchmethod
    def apply(self, event: Event, docs: Documents) -> None:
        """Other events do not change the directory."""

    @apply.register
    def _(self, event: Family.Registered, docs: Documents) -> None:
        doc = {
            "family_id": str(event.originator_id),
            "area": event.area,
            "registered_at": event.occurred_at.isoformat(),
            "recorded_at": event.timestamp.isoformat(),
            "registration_entry_id": str(event.entry_id),
            "leads": [],
        }
        docs.put(self.key(event), doc, tag=event.area)

    @apply.register
    def _(self, event: Family.LeadPractitionerAssigned, docs: Documents) -> None:
        doc = self.existing(event, docs)
        if event.practitioner_id not in doc["leads"]:
            doc["leads"].append(event.practitioner_id)
        docs.put(self.key(event), doc, tag=doc["area"])

    @apply.register
    def _(self, event: Family.EntryCorrected, docs: Documents) -> None:
        doc = self.existing(event, docs)
        if str(event.target_entry_id) == doc["registration_entry_id"]:
            for change in event.changes:
                if change.field == "area":
                    doc["area"] = change.value
        docs.put(self.key(event), doc, tag=doc["area"])
