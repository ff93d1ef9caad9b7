"""The inbound consumer: contacts partner systems publish to journeys.inbound.contacts.v1,
each appended as the HTTP route would append it, or parked on journeys.deadletter.v1.

Per message, in partition order: the sender is the agency in the header `journeys-agency`
(a code of `agency`; on a real cluster the topic's ACLs decide who may write with which
header), the value is decoded by `decode` (the contact's HTTP body and rules, given by the
API: api.common.schemas.inbound), the sender must be allowed to record it (domain.access:
a service records only its own contacts), and the application runs it with the message id
as idempotency key, so a redelivered message adds nothing. Anything refused (bad JSON, a
schema error, an invalid value, a broken rule, an unknown family, a sender refused) is
published as a dead letter (`dead_letter`): the reason (where and why, codes and ids only,
never what was sent), where the message was read, and the original key, headers and value,
sealed (infra.privacy.messages). A dead letter's `id` is `<topic>/<partition>/<offset>`:
after a crash it may be published again; drop duplicates by it.

Offsets are committed only after every message of the batch was appended or its dead
letter acknowledged by the broker: nothing is dropped. If the store or the broker fails,
the partitions are rewound to the batch's first offsets and the batch is tried again
after a capped backoff.
"""

from __future__ import annotations

import base64
import json
import logging
import threading
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any, Final

from kafka import KafkaConsumer
from kafka.consumer.fetcher import ConsumerRecord
from kafka.errors import KafkaError
from kafka.structs import OffsetAndMetadata, TopicPartition

from domain.access import INBOUND_ROLE, refused_report
from domain.application import JourneysApplication
from domain.commands import RecordContact
from domain.errors import InvalidValueError, NotFoundError, RuleBrokenError
from domain.values import Actor
from infra.kafka.broker import Broker, Message, PublishError
from infra.kafka.topics import DEADLETTER, INBOUND_CONTACTS, partitions
from infra.privacy.messages import ALGORITHM, MessageSealer
from infra.settings import Settings, master_key_bytes
from infra.store.unavailable import STORE_UNAVAILABLE_ERRORS

logger = logging.getLogger(__name__)

GROUP: Final = "journeys-inbound"
SENDER_HEADER: Final = "journeys-agency"
DEADLETTER_TYPE: Final = "journeys.deadletter.inbound-contact"


@dataclass(frozen=True)
class Reason:
    """Why a message was refused: `kind` (bad_json, schema, invalid_value, rule, not_found,
    sender, internal), the field at fault or the rule broken, and a detail for the sender.
    Never personal data: only where and why, never the value sent."""

    kind: str
    field: str | None = None
    rule: str | None = None
    detail: str = ""


class RejectedError(Exception):
    """A message that is not a valid command (raised by the decoder)."""

    def __init__(self, reason: Reason) -> None:
        super().__init__(reason.detail)
        self.reason = reason


Decode = Callable[[bytes, Actor], RecordContact]
RETRIED: Final = (PublishError, KafkaError, OSError, *STORE_UNAVAILABLE_ERRORS)


def sender_of(headers: Mapping[str, bytes], app: JourneysApplication) -> Actor:
    """The sending system as the actor of its entries; RejectedError without a known agency."""
    raw = headers.get(SENDER_HEADER)
    if not raw:
        raise RejectedError(Reason("sender", field=f"header {SENDER_HEADER}", detail="missing"))
    try:
        agency = app.codes.require("agency", raw.decode("utf-8"), field=f"header {SENDER_HEADER}")
    except (UnicodeDecodeError, InvalidValueError):
        raise RejectedError(
            Reason("sender", field=f"header {SENDER_HEADER}", detail="not a code of agency")
        ) from None
    return Actor(f"inbound:{agency}", INBOUND_ROLE, agency)


def _b64(value: bytes | None) -> str | None:
    return None if value is None else base64.b64encode(value).decode("ascii")


def dead_letter_id(record: ConsumerRecord) -> str:
    return f"{record.topic}/{record.partition}/{record.offset}"


def dead_letter(
    record: ConsumerRecord, reason: Reason, sealer: MessageSealer, sender: str | None
) -> Message:
    """The dead letter of `record`: the reason in clear, the original sealed."""
    letter_id = dead_letter_id(record)
    headers = [[name, _b64(value or b"")] for name, value in record.headers or []]
    body = {
        "id": letter_id,
        "type": DEADLETTER_TYPE,
        "time": datetime.now(UTC).isoformat(),
        "source": {"topic": record.topic, "partition": record.partition, "offset": record.offset},
        "sender": sender,
        "reason": asdict(reason),
        "original": {
            "sealed": ALGORITHM,
            "key": _b64(record.key),
            "value": _b64(sealer.seal(record.value or b"", context=f"{letter_id}/value".encode())),
            "headers": _b64(
                sealer.seal(json.dumps(headers).encode(), context=f"{letter_id}/headers".encode())
            ),
        },
    }
    return Message(
        DEADLETTER,
        key=record.key or b"",
        value=json.dumps(body, separators=(",", ":")).encode(),
        headers=[("ce_id", letter_id.encode()), ("reason", reason.kind.encode())],
    )


def open_original(letter: Mapping[str, Any], sealer: MessageSealer) -> bytes:
    """The original value of a dead letter (for whoever holds the master key)."""
    sealed = base64.b64decode(letter["original"]["value"])
    return sealer.open(sealed, context=f"{letter['id']}/value".encode())


@dataclass
class Counts:
    appended: int = 0
    replayed: int = 0  # a redelivered message: its first result answered, nothing added
    dead_lettered: int = 0


@dataclass
class InboundConsumer:
    """Consumes the inbound topic in the group `group` until stopped. One thread."""

    app: JourneysApplication
    decode: Decode
    broker: Broker
    sealer: MessageSealer
    consumer: KafkaConsumer
    topics: Mapping[str, int] = field(default_factory=dict)  # to create, with partitions
    batch_size: int = 100
    backoff: tuple[float, float] = (0.2, 30.0)
    counts: Counts = field(default_factory=Counts)
    failures: int = 0
    _stopping: threading.Event = field(default_factory=threading.Event)
    _subscribed: bool = False

    def process(self, record: ConsumerRecord) -> Message | None:
        """Append `record`'s contact (None), or answer its dead letter. Store and broker
        failures are raised (the batch is tried again)."""
        sender: str | None = None
        try:
            actor = sender_of(dict(record.headers or []), self.app)
            sender = actor.agency
            command = self.decode(record.value or b"", actor)
            refusal = refused_report(actor, command.agency, self.app.clock())
            if refusal is not None:
                raise RejectedError(Reason("sender", rule="own_agency_only", detail=refusal))
            result = self.app.handle(command)
        except RejectedError as error:
            reason = error.reason
        except InvalidValueError as error:
            reason = Reason("invalid_value", field=error.field, detail=error.detail)
        except RuleBrokenError as error:
            reason = Reason("rule", rule=error.rule, detail=error.detail)
        except NotFoundError as error:
            reason = Reason("not_found", detail=error.detail)
        except RETRIED:
            raise
        except Exception as error:  # a fault of ours: parked, never dropped nor looped on
            logger.exception("inbound: message %s failed", dead_letter_id(record))
            reason = Reason("internal", detail=type(error).__name__)
        else:
            if result.replayed:
                self.counts.replayed += 1
            else:
                self.counts.appended += 1
            return None
        return dead_letter(record, reason, self.sealer, sender)

    def step(self) -> int:
        """Poll one batch, append or dead-letter each message, publish the dead letters
        and commit; the number of messages done."""
        if not self._subscribed:
            if self.topics:
                self.broker.ensure_topics(self.topics)
            self.consumer.subscribe([INBOUND_CONTACTS])
            self._subscribed = True
        batches = self.consumer.poll(timeout_ms=500, max_records=self.batch_size)
        if not batches:
            return 0
        try:
            letters = [
                letter
                for records in batches.values()
                for record in records
                if (letter := self.process(record)) is not None
            ]
            self.broker.publish(letters)
            self.consumer.commit(
                {
                    tp: OffsetAndMetadata(records[-1].offset + 1, None, -1)
                    for tp, records in batches.items()
                }
            )
        except RETRIED:
            self._rewind({tp: records[0].offset for tp, records in batches.items()})
            raise
        self.counts.dead_lettered += len(letters)
        return sum(len(records) for records in batches.values())

    def _rewind(self, offsets: Mapping[TopicPartition, int]) -> None:
        for tp, offset in offsets.items():
            try:
                self.consumer.seek(tp, offset)
            except Exception:  # no longer assigned: its next owner starts at the commit
                logger.debug("inbound: partition %s was revoked", tp)

    def run_once(self) -> int:
        try:
            done = self.step()
        except RETRIED as error:
            self.failures += 1
            first, most = self.backoff
            delay = float(min(most, first * 2 ** min(self.failures, 16)))
            logger.warning(
                "inbound: %s; trying the batch again in %.1f s", type(error).__name__, delay
            )
            self._stopping.wait(delay)
            return 0
        self.failures = 0
        return done

    def run_forever(self) -> None:
        while not self._stopping.is_set():
            self.run_once()

    def stop(self) -> None:
        self._stopping.set()

    def close(self) -> None:
        try:
            self.consumer.close()
        finally:
            self.broker.close()


def consumer_config(bootstrap: str, group: str, **overrides: Any) -> dict[str, Any]:
    """The KafkaConsumer settings of the inbound group (overrides: test or dev timings)."""
    return {
        "bootstrap_servers": bootstrap,
        "group_id": group,
        "client_id": GROUP,
        "enable_auto_commit": False,
        "auto_offset_reset": "earliest",  # a new group reads every message published
        "allow_auto_create_topics": False,
        **overrides,
    }


def inbound_for(
    app: JourneysApplication,
    settings: Settings,
    decode: Decode,
    *,
    group: str = GROUP,
    consumer_overrides: Mapping[str, Any] | None = None,
) -> InboundConsumer:
    """The inbound consumer of a bootstrapped process, on the broker of `settings`."""
    servers = settings.kafka_bootstrap
    if not servers:
        msg = "no Kafka: set JOURNEYS_KAFKA_BOOTSTRAP"
        raise ValueError(msg)
    counts = partitions(settings)
    return InboundConsumer(
        app,
        decode,
        Broker(servers, client_id=GROUP),
        MessageSealer(master_key_bytes(settings.master_key)),
        KafkaConsumer(**consumer_config(servers, group, **(consumer_overrides or {}))),
        topics={topic: counts[topic] for topic in (INBOUND_CONTACTS, DEADLETTER)},
        backoff=(0.2, settings.relay_backoff_max_seconds),
    )
