"""One family's shared view for an agency, and the families an agency sees something of, as
any reader (an HTTP route, a Kafka relay) reads them: the sharing rules applied, the personal
details of the entries shown joined from the events, the view else the events."""

from __future__ import annotations

from uuid import UUID, uuid4

import pytest

from domain.errors import NotFoundError
from projections.base import Doc, replay
from projections.shared import shared_families_for, shared_view_for
from projections.sharing import SharingProjection
from tests.support.journey import NOTES, Journey, new_journey
from tests.support.reads import Views


def sharing_docs(journey: Journey) -> dict[str, Doc]:
    assert journey.family_id is not None
    docs: dict[str, Doc] = replay(
        SharingProjection(), journey.app.family_events(journey.family_id)
    ).docs
    return docs


def family_of(journey: Journey) -> UUID:
    assert journey.family_id is not None
    return journey.family_id


def test_an_agency_sees_its_own_entries_with_their_notes_and_not_anothers() -> None:
    j = new_journey()
    j.to("lead_assigned")
    school = j.record_contact(agency="school", personal=NOTES)
    j.record_contact(agency="police", reason="incident", personal=NOTES)
    views = Views(j.app.position(), sharing_docs(j))

    shown = shared_view_for(views, j.app, family_of(j), "school")

    mine = [e for e in shown.entries if e["entry_id"] == str(school.ids["entry_id"])]
    assert [e["visible_because"] for e in mine] == [{"basis": "own"}]
    assert mine[0]["personal"] == {"notes": NOTES.notes}
    assert all(e["visible_because"]["basis"] == "own" for e in shown.entries)
    police_view = shared_view_for(views, j.app, family_of(j), "police")
    assert str(school.ids["entry_id"]) not in {e["entry_id"] for e in police_view.entries}
    assert (shown.position, shown.agency) == (j.app.position(), "school")


def test_an_agency_with_nothing_to_see_sees_no_entries_and_no_personal_details() -> None:
    j = new_journey()
    j.to("lead_assigned")
    j.record_contact(agency="police", reason="incident", personal=NOTES)
    shown = shared_view_for(Views(j.app.position(), sharing_docs(j)), j.app, family_of(j), "gp")
    assert shown.entries == []


def test_a_view_behind_the_position_asked_for_gives_way_to_the_events() -> None:
    j = new_journey()
    j.to("lead_assigned")
    stale = Views(j.app.position(), sharing_docs(j))
    later = j.record_contact(agency="school")
    now = j.app.position()

    as_it_stands = shared_view_for(stale, j.app, family_of(j), "school")
    at_least_now = shared_view_for(stale, j.app, family_of(j), "school", at_least=now)

    later_id = str(later.ids["entry_id"])
    assert later_id not in {e["entry_id"] for e in as_it_stands.entries}
    assert later_id in {e["entry_id"] for e in at_least_now.entries}
    assert at_least_now.position == now


def test_a_family_nobody_recorded_is_not_found() -> None:
    j = new_journey()
    with pytest.raises(NotFoundError):
        shared_view_for(Views(0, {}), j.app, uuid4(), "school")


def test_the_families_an_agency_sees_come_in_pages() -> None:
    docs: dict[str, Doc] = {}
    for _ in range(3):
        j = new_journey()
        j.to("lead_assigned")
        j.record_contact(agency="school")
        docs |= sharing_docs(j)
    views = Views(5, dict(sorted(docs.items())))

    first = shared_families_for(views, "school", after=0, limit=2)
    last = shared_families_for(views, "school", after=2, limit=2)

    assert (len(first.items), first.next, len(last.items), last.next) == (2, 2, 1, None)
    seen = [item["family_id"] for item in first.items + last.items]
    assert sorted(seen) == sorted(docs)
    assert shared_families_for(views, "gp", after=0, limit=2).items == []
