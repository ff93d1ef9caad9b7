"""The reference escalation subscriber: what a partner agency runs to hear of escalations
addressed to it, and to answer them.

One consumer group per agency (`journeys-subscriber-<agency>`) reads
`journeys.escalations.v1` from the start, keeps only the messages addressed to that agency,
and records them in its own SQLite file (infra.kafka.inbox) before committing their
offsets: at-least-once, a record delivered twice kept once (by CloudEvents id). Details
are not in the messages: the agency reads them at the shared-view link, over the API,
where the read is logged.

An answer (accepted or declined) goes through the HTTP API as the agency's partner user
(`POST /families/{id}/escalations/{escalation_id}/response`), so it is recorded by the
same command and rules as any other, and comes back through the relay as a
`journeys.escalation.responded` message, which the subscriber records in turn.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import httpx
from kafka import KafkaConsumer
from kafka.errors import CommitFailedError

from infra.kafka.inbox import Escalation, Inbox, Received, parse, received_from
from infra.kafka.topics import ESCALATIONS

logger = logging.getLogger(__name__)

RESPONSES = ("accepted", "declined")


def group_id(agency: str) -> str:
    """The consumer group of an agency's subscriber."""
    return f"journeys-subscriber-{agency}"


def _now() -> str:
    return datetime.now(UTC).isoformat().replace("+00:00", "Z")


@dataclass
class Subscriber:
    """Reads the escalations topic for one agency into its inbox. One thread uses it."""

    bootstrap: str
    agency: str
    inbox: Inbox
    consumer_config: Mapping[str, Any] = field(default_factory=dict)
    clock: Callable[[], str] = _now
    delivered: int = field(default=0, init=False)  # records for the agency, duplicates too
    _consumer: KafkaConsumer | None = field(default=None, init=False, repr=False)
    _stopping: threading.Event = field(default_factory=threading.Event, init=False)

    def _open(self) -> KafkaConsumer:
        if self._consumer is None:
            config: dict[str, Any] = {
                "bootstrap_servers": self.bootstrap,
                "group_id": group_id(self.agency),
                "client_id": group_id(self.agency),
                "enable_auto_commit": False,
                "auto_offset_reset": "earliest",  # a new agency hears of everything kept
                "allow_auto_create_topics": False,
            }
            config.update(self.consumer_config)
            self._consumer = KafkaConsumer(**config)
            self._consumer.subscribe([ESCALATIONS])
        return self._consumer

    def poll(self, timeout_ms: int = 500) -> list[Received]:
        """One poll: the messages for this agency recorded, offsets committed after; the
        messages new to the inbox."""
        consumer = self._open()
        batches = consumer.poll(timeout_ms=timeout_ms)
        if not batches:
            return []
        mine = []
        for records in batches.values():
            for record in records:
                envelope = parse(record.value)
                if envelope is None:
                    logger.warning(
                        "not an escalation envelope at %s:%d", record.partition, record.offset
                    )
                    continue
                if envelope["data"].get("agency") != self.agency:
                    continue
                at = self.clock()
                mine.append(
                    received_from(envelope, partition=record.partition, offset=record.offset, at=at)
                )
        new = self.inbox.record(mine)
        self.delivered += len(mine)
        try:
            consumer.commit()
        except CommitFailedError:  # a rebalance meanwhile: the next owner reads them again
            logger.warning("offsets not committed (rebalance): duplicates will be dropped")
        for message in new:
            logger.info("received %s %s", message.type, message.ce_id)
        return new

    def run(self, *, until: Callable[[], bool] = lambda: False) -> None:
        """Poll until `stop()` is called or `until()` holds."""
        while not self._stopping.is_set() and not until():
            self.poll()

    def stop(self) -> None:
        self._stopping.set()

    @property
    def stopped(self) -> bool:
        return self._stopping.is_set()

    def close(self) -> None:
        consumer, self._consumer = self._consumer, None
        if consumer is not None:
            consumer.close()


class AnswerError(Exception):
    """The API refused an answer, or the escalation is not in the inbox (no personal data
    in the message: ids, codes and the API's status)."""


def answer(
    client: httpx.Client,
    inbox: Inbox,
    escalation_id: str,
    response: str,
    *,
    reason: str | None = None,
    occurred_at: str | None = None,
) -> int:
    """Answer an escalation received through the API (`client` carries the base URL and
    the partner's bearer token); the store position the API answered with. The answer is
    sent with an idempotency key of its own, so sending it again records it once."""
    if response not in RESPONSES:
        msg = f"answer {' or '.join(RESPONSES)}, not {response!r}"
        raise AnswerError(msg)
    found: Escalation | None = inbox.escalation(escalation_id)
    if found is None:
        msg = f"escalation {escalation_id} is not in this subscriber's inbox"
        raise AnswerError(msg)
    at = occurred_at or _now()
    reply = client.post(
        f"/families/{found.family_id}/escalations/{escalation_id}/response",
        json={"occurred_at": at, "response": response},
        headers={"Idempotency-Key": f"subscriber-answer-{escalation_id}"},
    )
    if reply.status_code != 201:
        try:
            detail = reply.json().get("error")
        except ValueError:
            detail = None
        msg = f"the API answered {reply.status_code}" + (f" ({detail})" if detail else "")
        raise AnswerError(msg)
    position = int(reply.json()["position"])
    inbox.record_answer(escalation_id, response, reason, at, position)
    return position
