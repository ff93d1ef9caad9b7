"""What /health and /metrics read of a process at each request: every view's status (a
view fed from Kafka measured in the events topic's offsets), the relay's, and the dead
letters waiting on journeys.deadletter.v1. One place, so the two answers never differ."""

from __future__ import annotations

from fastapi import Request

from infra.bootstrap import Journeys
from infra.kafka.offsets import TopicEnds, kafka_applied, with_kafka_fed
from infra.kafka.relay import RelayStatus, relay_status
from infra.kafka.topics import DEADLETTER
from infra.views.projection_runner import ViewStatus


def topic_ends(request: Request) -> TopicEnds | None:
    """The app's reader of the broker's offsets; None without Kafka."""
    found: TopicEnds | None = getattr(request.app.state, "topic_ends", None)
    return found


def view_statuses(request: Request, journeys: Journeys) -> list[ViewStatus]:
    """Every view's status; without Kafka, the runner's alone (no more reads per probe)."""
    statuses = journeys.runner.status()
    ends = topic_ends(request)
    return (
        statuses if ends is None else with_kafka_fed(statuses, kafka_applied(journeys.views), ends)
    )


def relay_of(journeys: Journeys) -> RelayStatus | None:
    """The relay's status; None while publishing is off."""
    if journeys.settings.kafka_bootstrap and journeys.relay_positions is not None:
        return relay_status(journeys.app, journeys.relay_positions)
    return None


def dead_letters(request: Request) -> int | None:
    """Messages parked on the dead-letter topic; None without Kafka or when the broker
    cannot be asked."""
    ends = topic_ends(request)
    return None if ends is None else ends.records(DEADLETTER)
