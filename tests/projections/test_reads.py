"""The read rule: a view's document where the view has it and is far enough, else the
family's document built from its events, once, at the store's position."""

from __future__ import annotations

from uuid import UUID, uuid4

import pytest

from domain.errors import NotFoundError
from projections.base import Doc, replay
from projections.families import FamilyDirectory
from projections.reads import family_doc
from tests.support.journey import Journey, new_journey
from tests.support.reads import Store, Views
from tests.support.stories import on


@pytest.fixture
def journey() -> Journey:
    j = new_journey()
    j.register(occurred_at=on(0), area="strood")
    return j


def family_of(journey: Journey) -> UUID:
    assert journey.family_id is not None
    return journey.family_id


def built(journey: Journey) -> Doc:
    doc: Doc = replay(FamilyDirectory(), journey.stream()).docs[str(journey.family_id)]
    return doc


def test_a_family_the_view_has_is_read_from_the_view_without_its_events(journey: Journey) -> None:
    in_view = {**built(journey), "from": "view"}
    store = Store(journey, position=7)
    found = family_doc(
        Views(5, {str(journey.family_id): in_view}), store, FamilyDirectory(), family_of(journey)
    )
    assert (found.position, found.doc, found.replayed) == (5, in_view, False)
    assert store.reads == 0


def test_a_family_the_view_has_not_reached_is_built_once_from_its_events(journey: Journey) -> None:
    store = Store(journey, position=7)
    found = family_doc(Views(3, {}), store, FamilyDirectory(), family_of(journey))
    assert (found.position, found.doc, found.replayed) == (7, built(journey), True)
    assert store.reads == 1


def test_a_view_behind_the_position_asked_for_gives_way_to_the_events(journey: Journey) -> None:
    stale = {**built(journey), "area": "old"}
    store = Store(journey, position=9)
    views = Views(4, {str(journey.family_id): stale})
    found = family_doc(views, store, FamilyDirectory(), family_of(journey), at_least=9)
    assert found.doc["area"] == "strood"
    assert found.position == 9
    assert store.reads == 1
    caught_up = family_doc(
        Views(9, views.docs), store, FamilyDirectory(), family_of(journey), at_least=9
    )
    assert caught_up.doc["area"] == "old"
    assert not caught_up.replayed


def test_events_the_caller_already_has_are_not_read_again(journey: Journey) -> None:
    store = Store(journey, position=2)
    events = list(journey.stream())
    found = family_doc(Views(0, {}), store, FamilyDirectory(), family_of(journey), events=events)
    assert found.doc == built(journey)
    assert store.reads == 0


def test_a_family_nobody_recorded_is_not_found(journey: Journey) -> None:
    with pytest.raises(NotFoundError):
        family_doc(Views(0, {}), Store(journey, 0), FamilyDirectory(), uuid4())
