"""The findings view: per family, the part of its timeline the practice standards read
(projections.findings), so the audit queue parses kilobytes, not whole records.

One document per family (key: the family id; tag: its area, as corrected), in the
timeline view's shape (projections.timeline): the registration, the entries the standards
read (requests, step-downs, leads, assessments, plans, reviews, escalations and their
answers, sharing, consents, closures), and the corrections and retractions of those.
Ids, codes and times only.
"""

from __future__ import annotations

from eventsourcing.utils import get_topic

from domain.family import Family
from projections.base import Documents, Event, MemoryDocuments, Projection
from projections.timeline import TimelineProjection

READ = (
    Family.SupportRequested,
    Family.SteppedDown,
    Family.LeadPractitionerAssigned,
    Family.AssessmentStarted,
    Family.AssessmentCompleted,
    Family.PlanAgreed,
    Family.PlanRevised,
    Family.ReviewHeld,
    Family.EscalationRaised,
    Family.EscalationResponded,
    Family.EpisodeClosed,
    Family.InformationShared,
    Family.ConsentGiven,
    Family.ConsentWithdrawn,
)
HISTORY = (Family.EntryCorrected, Family.EntryRetracted)
TOPICS = frozenset(get_topic(cls) for cls in (Family.Registered, *READ, *HISTORY))


class FindingsProjection(Projection):
    name = "findings"
    version = 1
    timeline = TimelineProjection()

    def wants(self, topic: str) -> bool:
        return topic in TOPICS

    def apply(self, event: Event, docs: Documents) -> None:
        key = self.key(event)
        if isinstance(event, HISTORY):
            doc = self.existing(event, docs)
            target = str(event.target_entry_id)
            if not any(entry["entry_id"] == target for entry in doc["entries"]):
                return  # a correction of an entry the standards do not read
        inner = MemoryDocuments(
            {} if isinstance(event, Family.Registered) else {key: self.existing(event, docs)}
        )
        self.timeline.apply(event, inner)
        doc = inner.docs[key]
        docs.put(key, doc, tag=doc["area"])
