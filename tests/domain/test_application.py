"""The application service: what a command answers, idempotent retries, and what happens
when another writer changes the same family first (retried, or refused with 409)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from uuid import uuid4

import pytest

from domain import application
from domain.errors import NotFoundError
from domain.family import Family
from domain.values import Actor
from tests.support.journey import LEAD, Journey, new_journey


@pytest.fixture
def shared(tmp_path: Path) -> Journey:
    """A journey on a SQLite file, so that a second application instance (another
    process) can write to the same store: see Journey.elsewhere."""
    return new_journey(
        {"PERSISTENCE_MODULE": "eventsourcing.sqlite", "SQLITE_DBNAME": str(tmp_path / "j.db")}
    )


def test_a_command_answers_its_ids_and_the_store_position(journey: Journey) -> None:
    journey.to("registered")

    result = journey.record_contact()

    (event,) = journey.emitted()
    assert result.family_id == journey.family_id
    assert set(result.ids) == {"entry_id", "contact_id"}
    assert isinstance(event, Family.ContactRecorded)
    assert (event.entry_id, event.contact_id) == (result.ids["entry_id"], result.ids["contact_id"])
    assert result.position == journey.app.position() == 2


def test_a_command_for_an_unknown_family_is_not_found(journey: Journey) -> None:
    journey.family_id = uuid4()

    with pytest.raises(NotFoundError):
        journey.record_contact()

    assert journey.app.position() == 0


def test_the_tests_see_the_family_each_command_loads(journey: Journey) -> None:
    # Journey.refuses compares that family with its copy; if the application stopped
    # loading through `_load`, that check would silently stop checking anything.
    journey.to("registered")
    journey.app.loaded = None

    journey.record_contact()

    assert journey.app.loaded is not None
    family, as_loaded = journey.app.loaded
    assert family.version == as_loaded.version + 1


# -- idempotency -----------------------------------------------------------------------------


def test_repeating_a_command_with_its_key_stores_nothing_new(journey: Journey) -> None:
    journey.to("registered")
    first = journey.record_contact(idempotency_key="contact-42")
    version, position, saved = journey.version(), journey.app.position(), len(journey.app.saved)

    again = journey.again()

    assert (first.replayed, again.replayed) == (False, True)
    assert (again.family_id, again.ids) == (first.family_id, first.ids)
    assert again.position == position
    assert (journey.version(), journey.app.position()) == (version, position)
    assert len(journey.app.saved) == saved


def test_repeating_a_registration_with_its_key_makes_no_second_family(journey: Journey) -> None:
    first = journey.register(idempotency_key="reg-1")

    again = journey.again()

    assert again.replayed
    assert (again.family_id, again.ids) == (first.family_id, first.ids)
    assert [f.family_id for f in journey.app.list_families().items] == [first.family_id]


def test_a_key_reused_for_a_different_command_is_refused(journey: Journey) -> None:
    journey.to("registered").record_contact(agency="school", idempotency_key="k-1")

    with journey.refuses("idempotency_key_reused"):
        journey.again(agency="police")
    with journey.refuses("idempotency_key_reused"):
        journey.evidence_outcome(idempotency_key="k-1")


def test_a_key_reused_for_the_same_kind_of_entry_at_another_time_is_refused(
    journey: Journey,
) -> None:
    journey.to("registered").record_contact(idempotency_key="k-1")
    occurred_at = journey.stream()[-1].occurred_at

    with journey.refuses("idempotency_key_reused"):
        journey.again(occurred_at=occurred_at + timedelta(days=1))


def test_a_key_reused_for_another_family_is_refused(journey: Journey) -> None:
    journey.to("registered").record_contact(idempotency_key="k-1")
    occurred_at = journey.stream()[-1].occurred_at
    other = Journey(journey.app, journey.clock).to("registered")

    with other.refuses("idempotency_key_reused"):
        other.record_contact(idempotency_key="k-1", occurred_at=occurred_at)


def test_keys_belong_to_their_user(journey: Journey) -> None:
    journey.to("registered").record_contact(idempotency_key="k-1")
    colleague = Actor("u-lead-2", LEAD.role, LEAD.agency)

    result = journey.again(actor=colleague)

    assert not result.replayed
    assert [type(e) for e in journey.emitted()] == [Family.ContactRecorded]


# -- another writer first ------------------------------------------------------------------------


def test_a_command_that_does_not_depend_on_what_it_saw_is_retried(shared: Journey) -> None:
    shared.to("registered")
    other = shared.elsewhere()
    shared.app.meanwhile(lambda: other.record_contact(agency="police"))

    result = shared.record_contact(agency="school")

    contacts = [e for e in shared.stream() if isinstance(e, Family.ContactRecorded)]
    assert [c.agency for c in contacts] == ["police", "school"]
    assert contacts[-1].entry_id == result.ids["entry_id"]
    assert [e.originator_version for e in shared.stream()] == [1, 2, 3]


def test_a_retried_command_meets_the_rules_on_the_fresh_state(shared: Journey) -> None:
    shared.to("registered")
    shared.give_consent()
    other = shared.elsewhere()
    shared.app.meanwhile(lambda: other.withdraw_consent(consent_id=shared.ids["consent_id"]))

    with shared.refuses("consent_not_in_force", meanwhile=other):
        shared.withdraw_consent()

    assert isinstance(shared.stream()[-1], Family.ConsentWithdrawn)


def test_a_command_that_depends_on_what_it_saw_is_refused(shared: Journey) -> None:
    shared.to("planned")
    other = shared.elsewhere()
    shared.app.meanwhile(lambda: other.close_episode(reason="moved_away"))
    before = shared.version()

    with shared.refuses("concurrent_change", meanwhile=other) as caught:
        shared.revise_plan()

    assert f"after version {before}" in caught.value.detail
    assert isinstance(shared.stream()[-1], Family.EpisodeClosed)
    assert not any(isinstance(e, Family.PlanRevised) for e in shared.stream())


def test_a_retryable_command_keeps_trying_while_others_keep_winning(shared: Journey) -> None:
    shared.to("registered")
    other = shared.elsewhere()
    shared.app.meanwhile(lambda: other.record_contact(agency="police"), times=12)

    result = shared.record_contact(agency="school")

    contacts = [e for e in shared.stream() if isinstance(e, Family.ContactRecorded)]
    assert [c.agency for c in contacts] == ["police"] * 12 + ["school"]
    assert contacts[-1].entry_id == result.ids["entry_id"]


def test_a_retryable_command_is_refused_when_its_time_is_up(
    shared: Journey, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(application, "RETRY_SECONDS", 0.0)
    shared.to("registered")
    other = shared.elsewhere()
    shared.app.meanwhile(lambda: other.record_contact(agency="police"))

    with shared.refuses("concurrent_change", meanwhile=other):
        shared.record_contact(agency="school")


def test_reading_after_the_last_possible_position_finds_nothing(shared: Journey) -> None:
    """Positions are signed 64-bit integers in the store: nothing follows the largest one,
    and asking must not overflow the database's integers."""
    shared.to("closed").erase_personal_data()
    largest = 2**63 - 1

    page = shared.app.list_families(after=largest)

    assert (page.items, page.next) == ([], None)
    assert list(shared.app.erasures(after=largest)) == []
    assert [p for p, _ in shared.app.erasures()] == [shared.app.position()]
