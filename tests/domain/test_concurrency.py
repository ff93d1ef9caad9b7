"""Two processes writing the same family on PostgreSQL: nothing is lost or written twice.

Each "process" is its own JourneysApplication with its own connection pool, on one
database; threads run them at the same time. Where a race must be lost for certain, the
other writer's command is made right after this one loaded the family (see
ObservedApplication.meanwhile): the same interleaving two processes can hit by chance.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from typing import TypeVar

import pytest

from domain.application import CommandResult
from domain.family import Family
from tests.support.journey import LEAD, Journey, new_journey

pytestmark = pytest.mark.postgres

WRITES = 100
T = TypeVar("T")


@pytest.fixture
def journey(postgres_env: dict[str, str]) -> Journey:
    return new_journey(postgres_env)


def at_once(*writers: Callable[[], T]) -> list[T]:
    """Run the writers in threads, started together; their results (or first error)."""
    start = threading.Barrier(len(writers))

    def run(writer: Callable[[], T]) -> T:
        start.wait()
        return writer()

    with ThreadPoolExecutor(len(writers)) as pool:
        futures = [pool.submit(run, writer) for writer in writers]
        return [future.result() for future in futures]


def contacts_of(journey: Journey) -> list[Family.ContactRecorded]:
    return [e for e in journey.stream() if isinstance(e, Family.ContactRecorded)]


def test_two_writers_on_one_family_lose_nothing_and_duplicate_nothing(journey: Journey) -> None:
    journey.to("episode_open")
    here, there = journey, journey.elsewhere()

    def writer(side: Journey, agency: str) -> Callable[[], list[CommandResult]]:
        return lambda: [side.record_contact(agency=agency) for _ in range(WRITES)]

    results = at_once(writer(here, "school"), writer(there, "police"))

    contacts = contacts_of(journey)
    answered = [r.ids["contact_id"] for side in results for r in side]
    assert len(contacts) == 2 * WRITES
    assert sorted(c.contact_id for c in contacts) == sorted(set(answered))
    assert [c.agency for c in contacts].count("police") == WRITES
    versions = [e.originator_version for e in journey.stream()]
    assert versions == list(range(1, len(versions) + 1))
    # The log keeps each family's events in order (positions may skip numbers that a lost
    # race took; they never repeat or go back).
    notifications = journey.app.recorder.select_notifications(start=1, limit=10 * WRITES)
    in_log_order = [
        n.originator_version for n in notifications if n.originator_id == journey.family_id
    ]
    assert in_log_order == versions
    # Each writer's own commands are stored in the order it made them.
    for side, agency in zip(results, ("school", "police"), strict=True):
        ids = [r.ids["contact_id"] for r in side]
        assert [c.contact_id for c in contacts if c.agency == agency] == ids


def test_a_command_on_stale_state_is_refused_not_applied(journey: Journey) -> None:
    journey.to("planned")
    other = journey.elsewhere()
    journey.app.meanwhile(lambda: other.hold_review(decision="close"))

    with journey.refuses("concurrent_change", meanwhile=other):
        journey.close_episode(reason="outcomes_met")

    assert isinstance(journey.stream()[-1], Family.ReviewHeld)
    assert journey.family().open_episode_id is not None


def test_repeating_a_command_with_its_key_stores_nothing_new(journey: Journey) -> None:
    journey.to("episode_open")
    first = journey.record_contact(idempotency_key="visit-1")
    version, position = journey.version(), journey.app.position()

    again = journey.elsewhere().record_contact(
        idempotency_key="visit-1", occurred_at=journey.stream()[-1].occurred_at
    )

    assert again.replayed
    assert (again.ids, again.position) == (first.ids, position)
    assert (journey.version(), journey.app.position()) == (version, position)


def test_a_key_reused_for_another_command_is_refused(journey: Journey) -> None:
    journey.to("episode_open").record_contact(agency="school", idempotency_key="visit-1")

    with journey.refuses("idempotency_key_reused"):
        journey.again(agency="gp")


def test_a_repeat_racing_the_first_attempt_stores_one_command(journey: Journey) -> None:
    journey.to("episode_open")
    occurred_at = journey.next_time()
    other = journey.elsewhere()
    repeat: list[CommandResult] = []
    journey.app.meanwhile(
        lambda: repeat.append(other.record_contact(idempotency_key="k", occurred_at=occurred_at))
    )

    result = journey.record_contact(idempotency_key="k", occurred_at=occurred_at)

    assert (repeat[0].replayed, result.replayed) == (False, True)
    assert result.ids == repeat[0].ids
    assert len(contacts_of(journey)) == 1


def test_two_threads_sending_the_same_key_store_one_command(journey: Journey) -> None:
    journey.to("episode_open")
    here, there = journey, journey.elsewhere()

    for n in range(20):
        same = {"actor": LEAD, "idempotency_key": f"k-{n}", "occurred_at": journey.next_time()}

        first, second = at_once(
            partial(here.record_contact, **same), partial(there.record_contact, **same)
        )

        assert first.ids == second.ids
        assert sorted([first.replayed, second.replayed]) == [False, True]
    assert len(contacts_of(journey)) == 20
    assert len({c.contact_id for c in contacts_of(journey)}) == 20
