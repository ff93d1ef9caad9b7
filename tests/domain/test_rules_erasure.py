"""Erasure and legal holds: given a family, when its personal data is erased or held, then
the rules of erasure hold (never under a hold, never twice, nothing personal afterwards),
and every entry, episode and count stays."""

from __future__ import annotations

from uuid import UUID, uuid4

from domain.family import Family
from domain.values import PersonalData
from tests.support.journey import NOTES, Journey, snapshot_round_trip


def test_an_erasure_is_an_entry_of_the_family_with_its_reason(journey: Journey) -> None:
    journey.to("planned")

    journey.erase_personal_data(reason="right_to_erasure")

    (erased,) = journey.emitted()
    assert isinstance(erased, Family.PersonalDataErased)
    assert erased.reason == "right_to_erasure"
    assert erased.actor.role == "admin"
    family = journey.family()
    assert family.erased_at == erased.occurred_at
    assert family.open_episode_id is not None  # the journey itself is untouched


def test_personal_data_cannot_be_erased_twice(journey: Journey) -> None:
    journey.to("registered")
    journey.erase_personal_data()

    with journey.refuses("already_erased"):
        journey.erase_personal_data(reason="recorded_in_error")


def test_a_legal_hold_blocks_erasure_and_the_refusal_names_it(journey: Journey) -> None:
    journey.to("registered")
    placed = journey.place_legal_hold(reference="IICSA-2015/KENT-041")

    with journey.refuses("legal_hold_in_force") as refused:
        journey.erase_personal_data()

    hold_id = placed.ids["hold_id"]
    assert str(hold_id) in refused.value.detail
    assert "IICSA-2015/KENT-041" in refused.value.detail
    assert "Public inquiry instruction" in refused.value.detail


def test_every_hold_in_force_blocks_erasure_until_all_are_lifted(journey: Journey) -> None:
    journey.to("registered")
    first = journey.place_legal_hold(reference="IICSA-2015")
    second = journey.place_legal_hold(reason="litigation", reference="CLAIM-7")
    journey.lift_legal_hold(hold_id=first.ids["hold_id"])

    with journey.refuses("legal_hold_in_force") as refused:
        journey.erase_personal_data()

    assert str(second.ids["hold_id"]) in refused.value.detail
    assert str(first.ids["hold_id"]) not in refused.value.detail
    journey.lift_legal_hold(hold_id=second.ids["hold_id"], reason="proceedings_concluded")
    journey.erase_personal_data()
    assert journey.family().erased_at is not None


def test_a_hold_placed_and_lifted_are_entries_with_their_reasons(journey: Journey) -> None:
    journey.to("registered")

    placed = journey.place_legal_hold(reason="police_investigation", reference="OP-HAWK")
    (event,) = journey.emitted()
    journey.lift_legal_hold(reason="proceedings_concluded")
    (lifted,) = journey.emitted()

    assert isinstance(event, Family.LegalHoldPlaced)
    assert (event.hold_id, event.reason, event.reference) == (
        placed.ids["hold_id"],
        "police_investigation",
        "OP-HAWK",
    )
    assert isinstance(lifted, Family.LegalHoldLifted)
    assert (lifted.hold_id, lifted.reason) == (placed.ids["hold_id"], "proceedings_concluded")
    assert placed.ids["hold_id"] == lifted.hold_id
    assert journey.family().legal_holds == ()


def test_only_a_hold_in_force_can_be_lifted(journey: Journey) -> None:
    journey.to("registered")
    journey.place_legal_hold()
    journey.lift_legal_hold()

    with journey.refuses("legal_hold_not_in_force"):
        journey.lift_legal_hold()  # the same hold, again
    with journey.refuses("legal_hold_not_in_force"):
        journey.lift_legal_hold(hold_id=uuid4())  # never placed


def test_nothing_can_be_held_after_erasure(journey: Journey) -> None:
    journey.to("registered")
    journey.erase_personal_data()

    with journey.refuses("already_erased"):
        journey.place_legal_hold()


def test_after_erasure_entries_with_personal_data_are_refused(journey: Journey) -> None:
    journey.to("planned")
    journey.erase_personal_data()

    with journey.refuses("personal_data_erased"):
        journey.record_contact(personal=NOTES)
    with journey.refuses("personal_data_erased"):
        journey.add_member()
    with journey.refuses("personal_data_erased"):
        journey.hold_review(personal=PersonalData(notes="a note"))
    with journey.refuses("personal_data_erased"):
        journey.correct_entry(
            target_entry_id=journey.ids["registration"],
            member_id=journey.ids["child"],
            changes=(),
            personal=PersonalData(given_name="Zinnia-Mae"),
            reason="wrong_detail",
        )


def test_after_erasure_entries_without_personal_data_go_on(journey: Journey) -> None:
    journey.to("planned")
    journey.erase_personal_data()

    journey.record_contact()
    journey.hold_review()
    journey.close_episode()

    assert [type(e).__name__ for e in journey.stream()][-4:] == [
        "PersonalDataErased",
        "ContactRecorded",
        "ReviewHeld",
        "EpisodeClosed",
    ]


def test_erasure_and_holds_need_a_reason_from_their_code_lists(journey: Journey) -> None:
    journey.to("registered")

    with journey.rejects("reason"):
        journey.erase_personal_data(reason="because")
    with journey.rejects("reason"):
        journey.place_legal_hold(reason="because")
    with journey.rejects("reference"):
        journey.place_legal_hold(reference="  ")
    placed = journey.place_legal_hold()
    with journey.rejects("reason"):
        journey.lift_legal_hold(hold_id=placed.ids["hold_id"], reason="because")


def test_holds_and_erasure_survive_a_snapshot(journey: Journey) -> None:
    journey.to("registered")
    first = journey.place_legal_hold(reference="A-1")
    second = journey.place_legal_hold(reason="litigation", reference="B-2")
    journey.lift_legal_hold(hold_id=first.ids["hold_id"])
    held = snapshot_round_trip(journey)
    journey.lift_legal_hold(hold_id=second.ids["hold_id"])
    erasure = journey.erase_personal_data()
    erased = snapshot_round_trip(journey)

    assert held.legal_holds == ((str(second.ids["hold_id"]), "litigation", "B-2"),)
    assert held.erased_at is None
    assert erased.legal_holds == ()
    assert erased.erased_at is not None
    assert erased == journey.family()
    assert erasure.ids["entry_id"] in {UUID(k) for k in erased.entries}


def test_a_snapshot_from_before_erasure_existed_loads_with_nothing_erased() -> None:
    state: dict[str, object] = {"entries": {}}

    Family.upcast_v1_v2(state)

    assert state == {"entries": {}, "erased_at": None, "legal_holds": ()}
