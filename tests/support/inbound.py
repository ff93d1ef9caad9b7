"""Inbound contacts in tests: messages as a partner's system would publish them (plain
kafka-python, not the project's code), the consumer run until it has done a number of
them, and the dead letters read back off the broker."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from api.common.schemas.inbound import decode_contact
from infra.kafka.inbound import InboundConsumer, inbound_for
from infra.kafka.topics import DEADLETTER, INBOUND_CONTACTS
from tests.support.kafka import FAST_GROUP
from tests.support.kafka import publish as publish_records
from tests.support.relay import Relayed, read_topic

OCCURRED = "2025-06-02T10:00:00Z"  # before the test clock's now (tests/support/journey.py)


@dataclass(frozen=True)
class Sent:
    """One message as published: its value's bytes, headers and key."""

    value: bytes
    headers: list[tuple[str, bytes]] = field(default_factory=list)
    key: bytes | None = None


def contact(family_id: uuid.UUID, **fields: Any) -> dict[str, Any]:
    """A valid message body for the family, its message id fresh; `fields` override."""
    body = {
        "message_id": f"m-{uuid.uuid4().hex}",
        "family_id": str(family_id),
        "occurred_at": OCCURRED,
        "agency": "school",
        "channel": "phone",
        "reason": "concern",
    }
    return body | fields


def sent(body: dict[str, Any] | bytes, agency: str | None = "school") -> Sent:
    value = body if isinstance(body, bytes) else json.dumps(body).encode()
    headers = [] if agency is None else [("journeys-agency", agency.encode())]
    family = None if isinstance(body, bytes) else str(body.get("family_id", "")).encode()
    return Sent(value, headers, family)


def publish(bootstrap: str, messages: Iterable[Sent]) -> None:
    publish_records(bootstrap, INBOUND_CONTACTS, messages)


def consumer_of(r: Relayed) -> InboundConsumer:
    """The inbound consumer of the test's store and broker, in a group of its own."""
    return inbound_for(
        r.journeys.app,
        r.journeys.settings,
        decode_contact,
        group=f"inbound-{uuid.uuid4().hex[:8]}",
        consumer_overrides=FAST_GROUP,
    )


def run_until(inbound: InboundConsumer, done: int, *, timeout: float = 30.0) -> None:
    """Run the consumer until it has done `done` messages (appended, replayed, parked)."""
    deadline = time.monotonic() + timeout
    counts = inbound.counts
    while counts.appended + counts.replayed + counts.dead_lettered < done:
        assert time.monotonic() < deadline, f"only {counts} of {done} in {timeout} s"
        inbound.run_once()


def dead_letters(bootstrap: str, at_least: int) -> list[dict[str, Any]]:
    """The dead letters on the broker, duplicates dropped by id."""
    seen: dict[str, dict[str, Any]] = {}
    for record in read_topic(bootstrap, DEADLETTER, at_least=at_least):
        letter = json.loads(record.value)
        seen.setdefault(letter["id"], letter)
    return list(seen.values())
