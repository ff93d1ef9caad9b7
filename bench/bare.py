"""The baseline: the bare eventsourcing library saving the same events as the application.

`BareFamily` is a minimal aggregate: no state, no rules, and one event class per Family
event class with the same field names (built from Family's own classes, so they cannot
drift apart). The events it saves are copies of the ones the application stored in the
same run — same aggregates, same order, same field values — with value objects as plain
JSON objects, so the library's stock JSON transcoder stores them without extra
transcodings. Per command it does what a bare library user would: repository.get (or
create), trigger one event, save.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, ClassVar, cast
from uuid import UUID

from eventsourcing.application import Application
from eventsourcing.domain import Aggregate, DomainEventProtocol
from eventsourcing.persistence import Notification
from eventsourcing.utils import Environment, EnvType

from bench.workload import Timing
from domain.family import Family

# Set by the library on every event, not part of a command's payload.
BASE_FIELDS = frozenset({"originator_id", "originator_version", "timestamp", "originator_topic"})


class BareFamily(Aggregate):
    """A family with no state and no rules: events only. Event classes are added below."""


def _mirror_events() -> dict[str, type[Aggregate.Event]]:
    mirrored: dict[str, type[Aggregate.Event]] = {}
    for name, source in vars(Family).items():
        if not (isinstance(source, type) and issubclass(source, Aggregate.Event)):
            continue
        if name in {"Event", "Created", "Entry"}:
            continue
        base = BareFamily.Created if issubclass(source, Aggregate.Created) else BareFamily.Event
        names = [f.name for f in dataclasses.fields(source) if f.name not in BASE_FIELDS]
        namespace = {
            "__annotations__": dict.fromkeys(names, Any),
            "__module__": __name__,
            "__qualname__": f"BareFamily.{name}",
        }
        event_class = type(name, (base,), namespace)
        setattr(BareFamily, name, event_class)  # so its stored topic resolves
        mirrored[name] = event_class
    return mirrored


BARE_EVENTS = _mirror_events()


class BareApplication(Application[UUID]):
    """A stock Application with the same store, cache and snapshot settings as Journeys."""

    name = "bare"
    snapshotting_intervals: ClassVar[dict[type[Any], int]] = {BareFamily: 50}

    def construct_env(self, name: str, env: EnvType | None = None) -> Environment:
        # Like JourneysApplication: only the env given (the same one), never os.environ.
        values = {"IS_SNAPSHOTTING_ENABLED": "y", **(env or {})}
        return Environment(name, values)


@dataclass(frozen=True)
class BareOp:
    """One event to save: which aggregate, which event class, and its fields."""

    originator_id: UUID
    event_class: type[Aggregate.Event]
    fields: Mapping[str, Any]
    creates: bool


def plain(value: Any) -> Any:
    """A value as the stock JSON transcoder stores it: value objects become dicts."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, tuple):
        return tuple(plain(v) for v in value)
    if isinstance(value, date) and not isinstance(value, datetime):
        return value.isoformat()
    return value


def bare_ops(events: Sequence[DomainEventProtocol[UUID]]) -> list[BareOp]:
    """The bare copies of the application's stored events, in the same order."""
    ops = []
    for event in events:
        fields = {k: plain(v) for k, v in vars(event).items() if k not in BASE_FIELDS}
        event_class = BARE_EVENTS[type(event).__name__]
        creates = issubclass(event_class, Aggregate.Created)
        ops.append(BareOp(event.originator_id, event_class, fields, creates))
    return ops


def stored_notifications(app: Application[UUID], *, page: int = 1000) -> Iterator[Notification]:
    start = 1
    while True:
        batch = app.recorder.select_notifications(start=start, limit=page)
        yield from batch
        if len(batch) < page:
            return
        start = batch[-1].id + 1


def _next_aggregate(
    app: BareApplication, op: BareOp, pending: dict[UUID, BareFamily] | None
) -> BareFamily:
    if op.creates:
        created = cast("type[Aggregate.Created]", op.event_class)
        return BareFamily._create(created, id=op.originator_id, **op.fields)
    aggregate = pending.get(op.originator_id) if pending is not None else None
    if aggregate is None:
        aggregate = app.repository.get(op.originator_id)
    aggregate.trigger_event(op.event_class, **op.fields)
    return aggregate


def drive_bare(app: BareApplication, ops: Sequence[BareOp], *, batch_size: int | None) -> Timing:
    """Save every op's event: one transaction each, or `batch_size` events per transaction."""
    began = time.perf_counter()
    if batch_size is None:
        for op in ops:
            app.save(_next_aggregate(app, op, None))
    else:
        for first in range(0, len(ops), batch_size):
            pending: dict[UUID, BareFamily] = {}
            for op in ops[first : first + batch_size]:
                pending[op.originator_id] = _next_aggregate(app, op, pending)
            app.save(*pending.values())
    return Timing(len(ops), time.perf_counter() - began)
