"""What the relay publishes: CloudEvents 1.0 envelopes in structured JSON mode.

Every stored event goes to `journeys.events.v1` as

    {"specversion": "1.0", "id": "<family id>/<version>", "source": "journeys",
     "type": "journeys.event.<EventType>", "subject": "<family id>", "time": ...,
     "datacontenttype": "application/json", "personaldata": "withheld",
     "data": <the event as GET /families/{id}/events shows it, without personal data>}

keyed by the family id, with headers `ce_id`, `position` (the store's notification id) and
`type`. Personal data is left out, not sealed: every PersonalData value (names, dates of
birth, addresses, free-text notes) reads "withheld:personal_data", so a reader can tell it
from a field that held nothing (null). Sealed copies would put the family's ciphertext in
a log that crypto-shredding cannot reach and whose retention the store does not control.

Escalations and their responses also go to `journeys.escalations.v1`, keyed by the family
id: the entry as the receiving agency's shared view shows it (projections.shared: the same
access rules as `GET /families/{id}/shared-view`), with its personal data withheld too, and
a link to that shared view, where the agency reads the details over the API (logged in the
access log). An entry the agency may not see is not described at all: only the ids and
the link go.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from domain.errors import NotFoundError
from infra.kafka.broker import Message
from infra.kafka.topics import ESCALATIONS, EVENTS
from projections.base import Doc, Event
from projections.reads import EventSource, ViewReader
from projections.serialize import event_json, to_json
from projections.shared import shared_view_for

WITHHELD = "withheld:personal_data"
SOURCE = "journeys"
EVENT_TYPE = "journeys.event."
ESCALATION_TYPES = {
    "EscalationRaised": "journeys.escalation.raised",
    "EscalationResponded": "journeys.escalation.responded",
}


def ce_id(event: Event) -> str:
    """The CloudEvents id of a stored event: its family and version, the same every time
    it is published again, so a consumer drops duplicates by it."""
    return f"{event.originator_id}/{event.originator_version}"


def _envelope(event: Any, ce_type: str, data: Doc) -> Doc:
    return {
        "specversion": "1.0",
        "id": ce_id(event),
        "source": SOURCE,
        "type": ce_type,
        "subject": str(event.originator_id),
        "time": to_json(event.timestamp, personal=False),
        "datacontenttype": "application/json",
        "personaldata": "withheld",
        "data": data,
    }


def _message(topic: str, envelope: Doc, position: int) -> Message:
    value = json.dumps(envelope, separators=(",", ":"), sort_keys=True).encode()
    headers = [
        ("ce_id", envelope["id"].encode()),
        ("position", str(position).encode()),
        ("type", envelope["type"].encode()),
        ("content-type", b"application/cloudevents+json"),
    ]
    return Message(topic, envelope["subject"].encode(), value, headers)


def event_message(event: Event, position: int) -> Message:
    """The journeys.events.v1 record of one stored event."""
    data = event_json(event, personal=False, withheld=WITHHELD)
    return _message(EVENTS, _envelope(event, EVENT_TYPE + data["type"], data), position)


def _without_personal(entry: Doc) -> Doc:
    def withheld(record: Doc) -> Doc:
        shown = {k: v for k, v in record.items() if k != "personal"}
        return shown | {"personal": None if record.get("personal") is None else WITHHELD}

    shown = withheld(entry)
    shown["corrections"] = [withheld(c) for c in entry.get("corrections", [])]
    return shown


@dataclass
class _Family:
    """One family's events, read once for every escalation of a batch (an EventSource)."""

    events: Sequence[Event]
    head: int

    def family_events(self, family_id: UUID) -> Sequence[Event]:
        return self.events

    def position(self) -> int:
        return self.head


def receiving_agency(event: Any, events: Sequence[Event]) -> str | None:
    """The agency an escalation (or the response to it) is addressed to."""
    if type(event).__name__ == "EscalationRaised":
        return str(event.to_service)
    earlier: Any
    for earlier in events:
        if type(earlier).__name__ == "EscalationRaised" and (
            earlier.escalation_id == event.escalation_id
        ):
            return str(earlier.to_service)
    return None


def escalation_message(
    event: Any, position: int, *, views: ViewReader, source: EventSource, public_url: str
) -> Message | None:
    """The journeys.escalations.v1 record of an escalation or its response (None for any
    other event): what the receiving agency's shared view shows of it, and the link."""
    kind = type(event).__name__
    if kind not in ESCALATION_TYPES:
        return None
    family_id = event.originator_id
    try:
        family = _Family(source.family_events(family_id), source.position())
    except NotFoundError:
        return None
    agency = receiving_agency(event, family.events)
    entry: Doc | None = None
    if agency is not None:
        shown = shared_view_for(views, family, family_id, agency, at_least=position)
        found = [e for e in shown.entries if e["entry_id"] == str(event.entry_id)]
        entry = _without_personal(found[0]) if found else None
    data = {
        "family_id": str(family_id),
        "escalation_id": str(event.escalation_id),
        "episode_id": str(event.episode_id),
        "agency": agency,
        "entry": entry,
        "shared_view": f"{public_url.rstrip('/')}/families/{family_id}/shared-view",
    }
    return _message(ESCALATIONS, _envelope(event, ESCALATION_TYPES[kind], data), position)
