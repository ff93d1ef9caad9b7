"""The topics Journeys publishes to, and their partition counts from settings.

Topics are created explicitly (never by auto-creation, which picks its own partition count):
`ensure_topics` at the relay's start creates those missing and leaves the others alone.
"""

from __future__ import annotations

from typing import Final

from infra.settings import Settings

EVENTS: Final = "journeys.events.v1"
ESCALATIONS: Final = "journeys.escalations.v1"
DEADLETTER: Final = "journeys.deadletter.v1"
# Contacts partner systems publish (api.common.schemas.inbound; the inbound consumer).
INBOUND_CONTACTS: Final = "journeys.inbound.contacts.v1"
TOPICS: Final = (EVENTS, ESCALATIONS, DEADLETTER, INBOUND_CONTACTS)


def partitions(settings: Settings) -> dict[str, int]:
    """Each topic's partition count, as settings say."""
    return {
        EVENTS: settings.kafka_events_partitions,
        ESCALATIONS: settings.kafka_escalations_partitions,
        DEADLETTER: settings.kafka_deadletter_partitions,
        INBOUND_CONTACTS: settings.kafka_inbound_contacts_partitions,
    }
