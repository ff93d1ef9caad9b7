"""The family timeline on hand-made histories, made through the real application service:
what an audit panel asks of it — what the record showed on a day, what had happened by
then, what was corrected or retracted later and why — and that it holds no personal data."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

import pytest

from domain.errors import InvalidValueError
from domain.values import FieldChange, PersonalData
from projections.base import Doc, replay
from projections.timeline import TimelineProjection, page, timeline
from tests.support.journey import (
    CHILD,
    NEWBORN,
    NOTES,
    NOW,
    PARENT,
    Journey,
    every_kind_of_entry,
    new_journey,
)

DAY = timedelta(days=1)
JAN_10 = datetime.fromisoformat("2025-01-10T10:00:00+00:00")


def view(journey: Journey) -> Doc:
    """The family's timeline document, as the projection builds it from the store."""
    assert journey.family_id is not None
    docs = replay(TimelineProjection(), journey.app.family_events(journey.family_id))
    doc: Doc = docs.docs[str(journey.family_id)]
    return doc


def ids(entries: Iterable[Doc]) -> list[str]:
    return [entry["entry_id"] for entry in entries]


def entry(entries: list[Doc], entry_id: Any) -> Doc:
    [found] = [e for e in entries if e["entry_id"] == str(entry_id)]
    return found


def recorded(journey: Journey, when: datetime) -> None:
    """Later commands are recorded at `when` (the store's clock)."""
    journey.clock.now = when


@pytest.fixture
def journey() -> Journey:
    j = new_journey()
    j.register(occurred_at=JAN_10 - 9 * DAY)  # recorded at NOW, like everything by default
    return j


def test_a_contact_recorded_late_is_absent_from_the_record_until_it_was_recorded(
    journey: Journey,
) -> None:
    on_time = journey.record_contact(occurred_at=JAN_10 + DAY)
    recorded(journey, NOW + 3 * DAY)
    late = journey.record_contact(occurred_at=JAN_10, agency="police", reason="incident")
    doc = view(journey)
    registration = str(journey.ids["registration"])
    everything = [registration, str(late.ids["entry_id"]), str(on_time.ids["entry_id"])]

    assert ids(timeline(doc, as_recorded_at=NOW + DAY)) == [everything[0], everything[2]]
    # Recorded by T includes T itself; and it takes its place by when it happened.
    assert ids(timeline(doc, as_recorded_at=NOW + 3 * DAY)) == everything
    assert ids(timeline(doc)) == everything
    shown = entry(timeline(doc), late.ids["entry_id"])
    assert shown["recorded_at"] == (NOW + 3 * DAY).isoformat()
    assert shown["occurred_at"] == JAN_10.isoformat()


def test_a_correction_applies_from_when_it_was_recorded_with_each_value_before_and_after(
    journey: Journey,
) -> None:
    contact = journey.record_contact(
        occurred_at=JAN_10, agency="school", channel="phone", reason="concern"
    )
    target = contact.ids["entry_id"]
    recorded(journey, NOW + 10 * DAY)
    first = journey.correct_entry(
        occurred_at=NOW + 10 * DAY,
        target_entry_id=target,
        changes=(FieldChange("channel", "home_visit"),),
        reason="wrong_code",
    )
    recorded(journey, NOW + 20 * DAY)
    journey.correct_entry(
        occurred_at=NOW + 20 * DAY,
        target_entry_id=target,
        changes=(FieldChange("channel", "meeting"), FieldChange("agency", "police")),
        reason="wrong_code",
    )
    doc = view(journey)

    then = entry(timeline(doc, as_recorded_at=NOW + 5 * DAY), target)
    assert then["facts"]["channel"] == "phone"
    assert then["corrections"] == []
    assert then["summary"] == "Contact by Telephone from School: Concern raised"
    assert [e["type"] for e in timeline(doc, as_recorded_at=NOW + 5 * DAY)] == [
        "Registered",
        "ContactRecorded",
    ]

    midway = entry(timeline(doc, as_recorded_at=NOW + 15 * DAY), target)
    assert midway["facts"]["channel"] == "home_visit"
    assert [c["changes"] for c in midway["corrections"]] == [
        [{"field": "channel", "before": "phone", "after": "home_visit"}]
    ]

    today = timeline(doc)
    now = entry(today, target)
    assert (now["facts"]["channel"], now["facts"]["agency"], now["agency"]) == (
        "meeting",
        "police",
        "police",
    )
    assert now["summary"] == "Contact by Multi-agency meeting from Police: Concern raised"
    assert [c["changes"] for c in now["corrections"]] == [
        [{"field": "channel", "before": "phone", "after": "home_visit"}],
        [
            {"field": "channel", "before": "home_visit", "after": "meeting"},
            {"field": "agency", "before": "school", "after": "police"},
        ],
    ]
    correction = now["corrections"][0]
    assert correction["entry_id"] == str(first.ids["entry_id"])
    assert correction["recorded_at"] == (NOW + 10 * DAY).isoformat()
    assert correction["reason"] == "wrong_code"
    assert correction["actor"]["role"] == "lead_practitioner"
    # The corrections are entries of their own too, so an auditor sees when they were made.
    made = [e for e in today if e["type"] == "EntryCorrected"]
    assert [e["recorded_at"] for e in made] == [
        (NOW + 10 * DAY).isoformat(),
        (NOW + 20 * DAY).isoformat(),
    ]
    assert (
        made[1]["summary"] == "Correction of contact recorded: channel, agency (Wrong code chosen)"
    )


def test_a_retracted_entry_stays_marked_with_the_reason_from_when_it_was_retracted(
    journey: Journey,
) -> None:
    contact = journey.record_contact(occurred_at=JAN_10)
    recorded(journey, NOW + 5 * DAY)
    retraction = journey.retract_entry(
        occurred_at=NOW + 5 * DAY, target_entry_id=contact.ids["entry_id"], reason="duplicate"
    )
    doc = view(journey)

    before = timeline(doc, as_recorded_at=NOW + DAY)
    assert entry(before, contact.ids["entry_id"])["retracted"] is None
    assert "EntryRetracted" not in [e["type"] for e in before]
    for today in (timeline(doc), timeline(doc, as_occurred_by=JAN_10)):
        retracted = entry(today, contact.ids["entry_id"])["retracted"]
        assert retracted is not None
        assert (retracted["reason"], retracted["entry_id"], retracted["recorded_at"]) == (
            "duplicate",
            str(retraction.ids["entry_id"]),
            (NOW + 5 * DAY).isoformat(),
        )
    own = entry(timeline(doc), retraction.ids["entry_id"])
    assert own["summary"] == "Retraction of contact recorded: Duplicate entry"


def test_as_occurred_by_places_each_entry_at_its_corrected_time(journey: Journey) -> None:
    moved_later = journey.record_contact(occurred_at=JAN_10)
    moved_earlier = journey.record_contact(occurred_at=JAN_10 + 40 * DAY)
    recorded(journey, NOW + 5 * DAY)
    for contact, to in (
        (moved_later, "2025-02-10T11:00:00+01:00"),
        (moved_earlier, "2025-01-20T09:00:00Z"),
    ):
        journey.correct_entry(
            occurred_at=NOW + 5 * DAY,
            target_entry_id=contact.ids["entry_id"],
            changes=(FieldChange("occurred_at", to),),
        )
    doc = view(journey)
    registration = str(journey.ids["registration"])
    end_of_january = datetime.fromisoformat("2025-01-31T23:59:59+00:00")

    today = timeline(doc, as_occurred_by=end_of_january)
    assert ids(today) == [registration, str(moved_earlier.ids["entry_id"])]
    assert today[1]["occurred_at"] == "2025-01-20T09:00:00+00:00"
    # What the record said then: the corrections were not yet made.
    then = timeline(doc, as_recorded_at=NOW + DAY, as_occurred_by=end_of_january)
    assert ids(then) == [registration, str(moved_later.ids["entry_id"])]
    # A time given with another offset is kept in UTC.
    later = entry(timeline(doc), moved_later.ids["entry_id"])
    assert later["occurred_at"] == "2025-02-10T10:00:00+00:00"
    assert later["corrections"][0]["changes"] == [
        {"field": "occurred_at", "before": JAN_10.isoformat(), "after": later["occurred_at"]}
    ]


def test_paging_loses_and_repeats_nothing_when_late_entries_arrive_between_pages(
    journey: Journey,
) -> None:
    for day in range(1, 7):
        journey.record_contact(occurred_at=JAN_10 + day * DAY)
    first, cursor = page(timeline(view(journey)), limit=3)
    seen_first = ids(timeline(view(journey)))
    recorded(journey, NOW + DAY)
    early = journey.record_contact(occurred_at=JAN_10 + 1.5 * DAY)  # before the cursor
    late = journey.record_contact(occurred_at=JAN_10 + 4.5 * DAY)  # after it
    pages = [first]
    while cursor is not None:
        more, cursor = page(timeline(view(journey)), after=cursor, limit=3)
        pages.append(more)
    seen = [entry_id for p in pages for entry_id in ids(p)]

    assert len(seen) == len(set(seen))
    assert set(seen) == {*seen_first, str(late.ids["entry_id"])}
    assert str(early.ids["entry_id"]) not in seen  # it belongs to a page already read
    assert seen == ids(e for e in timeline(view(journey)) if e["entry_id"] in set(seen))


def test_entries_that_happened_at_the_same_time_page_in_recorded_order(journey: Journey) -> None:
    made = []
    for hours in (3, 1, 2):  # recorded in this order of clock times
        recorded(journey, NOW + hours * timedelta(hours=1))
        made.append(str(journey.record_contact(occurred_at=JAN_10).ids["entry_id"]))
    entries = timeline(view(journey))
    seen, cursor = page(entries, limit=1)
    while cursor is not None:
        more, cursor = page(entries, after=cursor, limit=1)
        seen += more

    assert ids(seen)[1:] == [made[1], made[2], made[0]]


def test_the_document_holds_no_personal_data_only_where_it_is() -> None:
    journey = every_kind_of_entry(new_journey())
    doc = view(journey)
    stored = json.dumps(doc)

    for person in (CHILD, PARENT, NEWBORN, NOTES, PersonalData(given_name="Zinnia-Mae")):
        for value in (person.given_name, person.family_name, person.address, person.notes):
            assert value is None or value not in stored
        assert person.date_of_birth is None or person.date_of_birth.isoformat() not in stored
    entries = timeline(doc)
    child = journey.ids["child"]
    registration = entry(entries, journey.ids["registration"])
    assert f"members.{child}.given_name" in registration["personal_fields"]
    assert {"member_id", "relationship", "send"} == set(registration["facts"]["members"][0])
    assert [e["personal_fields"] for e in entries if e["type"] == "EpisodeClosed"] == [["notes"]]
    [renamed] = registration["corrections"]
    assert (renamed["changes"], renamed["personal_fields"]) == ([], [f"members.{child}.given_name"])


def test_every_kind_of_entry_has_a_summary_from_its_codes_and_the_agency_it_concerns() -> None:
    entries = timeline(view(every_kind_of_entry(new_journey())))
    by_type = {e["type"]: e for e in entries}

    assert len(by_type) == 28  # every kind of entry
    assert all("?" not in e["summary"] for e in entries), [e["summary"] for e in entries]
    assert by_type["EscalationRaised"]["agency"] == "children_social_care"
    assert by_type["EscalationRaised"]["summary"] == (
        "Escalated to Children's social care (front door): Risk of significant harm"
    )
    assert by_type["InformationShared"]["agency"] == "school"
    assert by_type["AssessmentCompleted"]["summary"] == (
        "Assessment completed: level of need Partnership plus"
    )
    assert by_type["EscalationResponded"]["summary"] == (
        "Escalation answered by Children's social care (front door): Declined"
    )
    assert by_type["CaseAuditRecorded"]["summary"] == (
        "Case audit graded 1 Good, 1 Requires improvement; findings: The child's voice is "
        "evident in the record, The plan's outcomes are not specific or measurable; "
        "1 actions set"
    )
    assert by_type["CaseAuditActionCompleted"]["summary"] == "Case audit action completed"
    assert by_type["ConsentGiven"]["agency"] == "early_help"  # the actor's agency
    assert by_type["PlanAgreed"]["episode_id"] is not None


def test_a_corrected_area_is_the_documents_tag_from_when_it_was_recorded(journey: Journey) -> None:
    recorded(journey, NOW + DAY)
    journey.correct_entry(
        occurred_at=NOW + DAY,
        target_entry_id=journey.ids["registration"],
        changes=(FieldChange("area", "chatham"),),
        reason="wrong_code",
    )
    assert journey.family_id is not None
    docs = replay(TimelineProjection(), journey.app.family_events(journey.family_id))
    tag, doc = docs.changed[str(journey.family_id)]

    assert (tag, doc["area"]) == ("chatham", "chatham")
    assert timeline(doc)[0]["summary"] == "Family registered in Chatham with 2 members"
    then = timeline(doc, as_recorded_at=NOW)
    assert then[0]["summary"] == "Family registered in Gillingham with 2 members"


def cursor_of(value: Any) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")


@pytest.mark.parametrize(
    "cursor",
    [
        "garbage!",
        "",
        cursor_of({"a": 1}),
        cursor_of(["2025-01-10T10:00:00", "2025-01-10T10:00:00", 1]),  # no time zone
        cursor_of(["2025-01-10T10:00:00Z", "2025-01-10T10:00:00Z", "1"]),
        cursor_of(["2025-02-30T10:00:00Z", "2025-01-10T10:00:00Z", 1]),
    ],
)
def test_a_cursor_not_given_by_the_timeline_is_refused(journey: Journey, cursor: str) -> None:
    with pytest.raises(InvalidValueError) as refused:
        page(timeline(view(journey)), after=cursor)
    assert refused.value.field == "after"


def test_limits_and_times_without_a_zone_are_refused(journey: Journey) -> None:
    entries = timeline(view(journey))
    for limit in (0, 501):
        with pytest.raises(InvalidValueError) as refused:
            page(entries, limit=limit)
        assert refused.value.field == "limit"
    for field in ("as_recorded_at", "as_occurred_by"):
        with pytest.raises(InvalidValueError) as refused:
            timeline(view(journey), **{field: datetime(2025, 1, 1)})  # no zone
        assert refused.value.field == field
