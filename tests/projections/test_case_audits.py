"""The case-audits view's rows follow the record: a corrected audit time, a completion and
its retraction, a retracted audit, a corrected area (families built with Journey)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from domain.values import FieldChange
from projections.base import replay
from projections.case_audits import CaseAuditsProjection, action_rows
from projections.rows import Row
from tests.support.journey import QA, Journey, new_journey


@pytest.fixture
def journey() -> Journey:
    return new_journey()


def rows(journey: Journey) -> list[Row]:
    docs = replay(CaseAuditsProjection(), journey.app.family_events(journey.id))
    return action_rows(docs.docs[str(journey.id)])


def test_rows_follow_corrections_completions_and_retractions(journey: Journey) -> None:
    journey.to("closed")
    when = journey.next_time()
    audited = journey.record_case_audit(occurred_at=when)
    (row,) = rows(journey)
    assert (row["audit_id"], row["area"], row["owner"]) == (
        str(audited.ids["audit_id"]),
        "gillingham",
        "early_help",
    )
    assert row["due_on"] == datetime.combine(
        when.date() + timedelta(days=28), datetime.min.time(), tzinfo=UTC
    )
    assert row["completed_at"] is None

    earlier = when - timedelta(hours=2)
    journey.correct_entry(
        actor=QA,
        target_entry_id=audited.ids["entry_id"],
        changes=(FieldChange("occurred_at", earlier.isoformat()),),
    )
    journey.correct_entry(
        target_entry_id=journey.ids["registration"],
        changes=(FieldChange("area", "chatham"),),
        reason="wrong_code",
    )
    completed = journey.complete_audit_action()
    (row,) = rows(journey)
    assert (row["audited_at"], row["area"]) == (earlier, "chatham")
    assert row["completed_at"] is not None

    journey.retract_entry(actor=QA, target_entry_id=completed.ids["entry_id"])
    (row,) = rows(journey)
    assert row["completed_at"] is None

    journey.retract_entry(actor=QA, target_entry_id=audited.ids["entry_id"])
    assert rows(journey) == []


def test_an_audit_without_actions_has_one_row(journey: Journey) -> None:
    journey.to("planned")
    journey.record_case_audit(actions=())
    (row,) = rows(journey)
    assert (row["action_id"], row["due_on"], row["completed_at"]) == ("", None, None)
