"""The findings view keeps what the practice standards read: the same findings as over the
whole timeline, for a family with late and corrected entries, and less to read."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

from domain.standards import PRACTICE_2026_1
from domain.values import FieldChange
from projections.base import replay
from projections.findings import findings
from projections.findings_view import FindingsProjection
from projections.timeline import TimelineProjection
from tests.support.journey import Clock, Journey, new_journey


def at(day: str) -> datetime:
    return datetime.fromisoformat(f"{day}T10:00:00").replace(tzinfo=UTC)


def late_and_corrected() -> Journey:
    """A late lead, a share backdated before its consent, a corrected contact."""
    journey = new_journey(clock=Clock(at("2026-09-01")))
    journey.register(occurred_at=at("2025-01-02"))
    journey.request_support(occurred_at=at("2025-03-03"))
    contact = journey.record_contact(occurred_at=at("2025-03-04")).ids["entry_id"]
    journey.assign_lead_practitioner(occurred_at=at("2025-03-20"))
    journey.give_consent(occurred_at=at("2025-03-21"))
    share = journey.share_information(occurred_at=at("2025-03-22")).ids["entry_id"]
    for entry_id, day in ((contact, "2025-03-05"), (share, "2025-03-19")):
        change = FieldChange("occurred_at", at(day).isoformat())
        journey.correct_entry(
            target_entry_id=entry_id, changes=(change,), occurred_at=at("2026-08-01")
        )
    return journey


def test_the_view_gives_the_findings_the_whole_timeline_gives() -> None:
    journey = late_and_corrected()
    key = str(journey.id)
    whole = replay(TimelineProjection(), journey.stream()).docs[key]
    kept = replay(FindingsProjection(), journey.stream()).docs[key]
    types = {entry["type"] for entry in whole["entries"]}
    assert {"EntryCorrected", "ContactRecorded"} <= types
    expected = findings(whole, PRACTICE_2026_1, date(2026, 6, 1))
    assert {f.rule_id for f in expected} == {
        "lead-assigned",
        "assessment-completed",
        "sharing-basis",
    }
    assert findings(kept, PRACTICE_2026_1, date(2026, 6, 1)) == expected
    assert "ContactRecorded" not in {entry["type"] for entry in kept["entries"]}
    assert len(json.dumps(kept)) < len(json.dumps(whole))
    assert kept["area"] == whole["area"]
