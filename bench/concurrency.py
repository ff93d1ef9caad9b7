"""Concurrent writers inside one process, no HTTP: the ceiling the store and the library set
for the HTTP benchmark's command (a contact), with the application service and with the bare
library (the same contact as a BareFamily event), on the server's PostgreSQL settings."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from uuid import UUID, uuid4

from bench.bare import BareApplication, BareFamily
from domain.application import JourneysApplication
from domain.commands import RecordContact, RegisterFamily
from domain.values import Actor, PersonalData

ACTOR = Actor(user_id="bench-practitioner-0042", role="lead_practitioner", agency="early_help")
NOTES = "Phoned mum: attendance is up this week; school nurse visit booked for Thursday."


@dataclass(frozen=True)
class ConcurrentRun:
    side: str
    """"app" or "bare"."""
    variant: str
    threads: int
    commands: int
    seconds: float
    commands_per_s: float
    cpu_us_per_command: float
    """CPU time of this process (all threads) per command; PostgreSQL's own CPU not included."""


Writer = Callable[[int, bool], None]
"""Record one contact on the family with this index, with notes or without."""


def _app_writer(app: JourneysApplication, families: int) -> Writer:
    when = datetime.now(UTC) - timedelta(hours=1)
    members = (
        ("parent_carer", False, PersonalData(given_name="Sam", family_name="Okafor")),
        ("child", False, PersonalData(given_name="Ada")),
    )
    ids = [
        app.handle(
            RegisterFamily(actor=ACTOR, occurred_at=when, area="strood", members=members)
        ).family_id
        for _ in range(families)
    ]
    notes = PersonalData(notes=NOTES)

    def write(index: int, with_notes: bool) -> None:
        app.handle(
            RecordContact(
                family_id=ids[index],
                actor=ACTOR,
                occurred_at=when,
                agency="school",
                channel="phone",
                reason="check_in",
                personal=notes if with_notes else None,
            )
        )

    return write


def _bare_writer(app: BareApplication, families: int) -> Writer:
    when = datetime.now(UTC) - timedelta(hours=1)
    actor = {"user_id": ACTOR.user_id, "role": ACTOR.role, "agency": ACTOR.agency}
    ids: list[UUID] = []
    for _ in range(families):
        family: BareFamily = BareFamily._create(
            BareFamily.Registered,  # type: ignore[attr-defined]
            id=uuid4(),
            entry_id=uuid4(),
            occurred_at=when,
            actor=actor,
            area="strood",
            members=(),
            code_list_version="2025-1",
        )
        app.save(family)
        ids.append(family.id)
    notes = {"given_name": None, "family_name": None, "date_of_birth": None, "address": None}

    def write(index: int, with_notes: bool) -> None:
        family: BareFamily = app.repository.get(ids[index])
        family.trigger_event(
            BareFamily.ContactRecorded,  # type: ignore[attr-defined]
            entry_id=uuid4(),
            occurred_at=when,
            actor=actor,
            contact_id=uuid4(),
            episode_id=None,
            agency="school",
            channel="phone",
            reason="check_in",
            member_ids=(),
            personal={**notes, "notes": NOTES} if with_notes else None,
        )
        app.save(family)

    return write


def contact_load(
    side: str,
    env: dict[str, str],
    *,
    variant: str,
    threads: int,
    seconds: float,
    families: int,
    max_commands: int,
) -> ConcurrentRun:
    """`threads` writers, each on its own share of the families, for `seconds`."""
    if families < threads:
        raise ValueError("give each writer at least one family of its own")
    app: JourneysApplication | BareApplication
    if side == "app":
        app = JourneysApplication(env=env)
        write = _app_writer(app, families)
    else:
        app = BareApplication(env=env)
        write = _bare_writer(app, families)
    try:
        counts = [0] * threads
        per_thread = max(1, max_commands // threads)
        began = time.perf_counter()
        deadline = began + seconds

        def loop(number: int) -> None:
            # Each writer keeps to its own families, as each HTTP client does.
            mine = range(number, families, threads)
            while counts[number] < per_thread and time.perf_counter() < deadline:
                k = counts[number]
                write(mine[k % len(mine)], k % 2 == 1)
                counts[number] += 1

        cpu_began = time.process_time()
        workers = [threading.Thread(target=loop, args=(n,)) for n in range(threads)]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
        elapsed = time.perf_counter() - began
        cpu = time.process_time() - cpu_began
    finally:
        app.close()
    total = sum(counts)
    return ConcurrentRun(
        side=side,
        variant=variant,
        threads=threads,
        commands=total,
        seconds=elapsed,
        commands_per_s=total / elapsed if elapsed > 0 else 0.0,
        cpu_us_per_command=cpu * 1e6 / max(total, 1),
    )
