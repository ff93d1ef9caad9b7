"""Personal data sealed under a key of its family's own, and what erasure leaves of it.

Every PersonalData value inside an event is stored sealed (encrypted and authenticated)
by a `PersonalDataSealer` with the key of the family whose stream holds the event. The
sealer lives in infra (AES-256-GCM, keys wrapped by a master key); the domain only says
what it must do. Destroying a family's key erases its personal data for good: every
event stays, and its PersonalData reads back as erased (`PersonalData.erased`).

How a value knows its family: `SealingMapper` makes the originator id and topic of the
event it is converting known (a context variable) to the `SealedPersonalData`
transcoding, which seals with them as associated data, so a sealed value cannot be
moved to another family's stream or another kind of event and still open.

Stored form: `{"fields": [<names of the details held>], "sealed": <base64>}`. The names
are in clear (the timeline view keeps them too: where an entry holds personal data,
never what), so an erased value still says which details it held.
"""

from __future__ import annotations

import base64
import dataclasses
import json
from collections.abc import Sequence
from contextvars import ContextVar
from datetime import date
from typing import Any, Protocol
from uuid import UUID

from eventsourcing.domain import DomainEventProtocol
from eventsourcing.persistence import Mapper, StoredEvent, Transcoding
from eventsourcing.utils import get_topic

from domain.values import Member, PersonalData

SEALED_NAME = "journeys.PersonalData.sealed"
_AAD_PREFIX = b"journeys.PersonalData.v1"
_DETAILS = frozenset(PersonalData.DETAILS)


class PersonalDataSealer(Protocol):
    """Seals and opens personal data with a key per family; erases by destroying the key."""

    def seal(self, family_id: str, plaintext: bytes, *, context: bytes) -> bytes:
        """`plaintext` encrypted under the family's key (made if it has none yet), bound to
        `context`. Raises RuleBrokenError("personal_data_erased") if the key was destroyed."""
        ...

    def open(self, family_id: str, sealed: bytes, *, context: bytes) -> bytes | None:
        """The plaintext, or None if the family's key was destroyed (personal data erased).
        Raises if the value cannot be opened for any other reason (tampered, wrong key)."""
        ...

    def forget(self, family_ids: Sequence[str]) -> object:
        """Destroy these families' keys, so that nothing they sealed can be read again."""
        ...


# The event being converted by SealingMapper: (originator id, topic).
_converting: ContextVar[tuple[str, str] | None] = ContextVar("journeys_converting", default=None)


class SealingMapper(Mapper[UUID]):
    """The library's mapper, telling the transcoding which event it converts."""

    # Called for every event read or written: the context variable is set and reset here
    # directly, without a context manager's overhead.

    def to_stored_event(self, domain_event: DomainEventProtocol[UUID]) -> StoredEvent:
        token = _converting.set((str(domain_event.originator_id), _topic_of(type(domain_event))))
        try:
            return super().to_stored_event(domain_event)
        finally:
            _converting.reset(token)

    def to_domain_event(self, stored_event: StoredEvent) -> DomainEventProtocol[UUID]:
        token = _converting.set((str(stored_event.originator_id), stored_event.topic))
        try:
            return super().to_domain_event(stored_event)
        finally:
            _converting.reset(token)


_TOPICS: dict[type[Any], str] = {}


def _topic_of(cls: type[Any]) -> str:
    topic = _TOPICS.get(cls)
    if topic is None:
        topic = _TOPICS[cls] = get_topic(cls)
    return topic


class SealedPersonalData(Transcoding):
    """Stores PersonalData sealed by the sealer, under the key of the event's family."""

    type = PersonalData
    name = SEALED_NAME

    def __init__(self, sealer: PersonalDataSealer) -> None:
        self.sealer = sealer

    def encode(self, obj: PersonalData) -> dict[str, Any]:
        if obj.erased:
            raise ValueError("erased personal data cannot be stored again")
        family_id, topic = _current()
        fields = obj.held()
        values = [_plain(getattr(obj, name)) for name in fields]
        plaintext = json.dumps(values, separators=(",", ":"), ensure_ascii=False).encode()
        sealed = self.sealer.seal(family_id, plaintext, context=_context(topic, fields))
        return {"fields": list(fields), "sealed": base64.b64encode(sealed).decode("ascii")}

    def decode(self, data: dict[str, Any]) -> PersonalData:
        family_id, topic = _current()
        fields = tuple(data["fields"])
        if not set(fields) <= _DETAILS:
            raise ValueError("sealed personal data names fields PersonalData does not have")
        sealed = base64.b64decode(data["sealed"])
        plaintext = self.sealer.open(family_id, sealed, context=_context(topic, fields))
        if plaintext is None:
            return PersonalData(erased=True, erased_fields=fields)
        values = dict(zip(fields, json.loads(plaintext), strict=True))
        born = values.get("date_of_birth")
        if born is not None:
            values["date_of_birth"] = date.fromisoformat(born)
        return PersonalData(**values)


def _current() -> tuple[str, str]:
    current = _converting.get()
    if current is None:
        # Never store personal data without knowing whose it is: that would be in clear,
        # or under no family's key.
        raise RuntimeError("personal data is sealed only by the application's SealingMapper")
    return current


def _context(topic: str, fields: Sequence[str]) -> bytes:
    return b"\x00".join((_AAD_PREFIX, topic.encode(), ",".join(fields).encode()))


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date) else value


# -- what readers see after erasure -------------------------------------------------------------


def with_personal_data_erased(event: Any) -> Any:
    """The event with every PersonalData value in it as erased (the event itself if it
    holds none). For readers of a family whose stream records an erasure: whatever a
    stale key cache, or a store kept in clear, could still give them is not shown."""
    changes: dict[str, Any] = {}
    for field in dataclasses.fields(event):
        value = getattr(event, field.name)
        erased = _erased(value)
        if erased is not value:
            changes[field.name] = erased
    if not changes:
        return event
    copied = object.__new__(type(event))
    object.__setattr__(copied, "__dict__", {**event.__dict__, **changes})
    return copied


def _erased(value: Any) -> Any:
    if isinstance(value, PersonalData):
        return value if value.erased else value.as_erased()
    if isinstance(value, Member):
        return dataclasses.replace(value, personal=_erased(value.personal))
    if isinstance(value, tuple) and any(isinstance(v, Member | PersonalData) for v in value):
        return tuple(_erased(v) for v in value)
    return value
