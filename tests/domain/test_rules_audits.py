"""Case audits: a QA officer grades an episode's practice, records findings and sets actions
with owners and due dates, then records each action's completion. Refused commands store
nothing (Journey.refuses)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from domain.commands import NewAuditAction
from domain.errors import NotFoundError, UnknownCodeError
from domain.family import Family
from domain.values import FieldChange, PersonalData, StandardGrade
from tests.support.journey import LEAD, QA, Journey, snapshot_round_trip


def test_a_qa_officer_audits_a_closed_episode_and_completes_its_actions(journey: Journey) -> None:
    journey.to("closed")
    audited = journey.record_case_audit(
        actions=(
            NewAuditAction("early_help", journey.next_time().date() + timedelta(days=14)),
            NewAuditAction("u-lead-1", journey.next_time().date() + timedelta(days=28)),
        )
    )
    (audit,) = journey.emitted()
    assert isinstance(audit, Family.CaseAuditRecorded)
    assert audit.episode_id == journey.ids["episode_id"]
    assert [(g.standard, g.grade) for g in audit.grades] == [
        ("voice_of_the_child", "good"),
        ("smart_plan", "requires_improvement"),
    ]
    assert [a.owner for a in audit.actions] == ["early_help", "u-lead-1"]
    assert [a.action_id for a in audit.actions] == [
        audited.ids["action_id_0"],
        audited.ids["action_id_1"],
    ]

    journey.complete_audit_action(action_id=audited.ids["action_id_1"])
    (done,) = journey.emitted()
    assert isinstance(done, Family.CaseAuditActionCompleted)
    assert (done.audit_id, done.action_id) == (audited.ids["audit_id"], audited.ids["action_id_1"])
    # The other action is still open: it can be completed too.
    journey.complete_audit_action(action_id=audited.ids["action_id_0"])


def test_only_a_qa_officer_records_an_audit_or_completes_its_actions(journey: Journey) -> None:
    journey.to("planned")
    with journey.refuses("case_audit_by_qa_officer"):
        journey.record_case_audit(actor=LEAD)
    journey.record_case_audit()
    with journey.refuses("case_audit_by_qa_officer"):
        journey.complete_audit_action(actor=LEAD)
    # Nor may anyone else correct or retract it: a practitioner cannot undo an audit.
    with journey.refuses("case_audit_by_qa_officer"):
        journey.retract_entry(target_entry_id=journey.ids["entry_id"], actor=LEAD)
    with journey.refuses("case_audit_by_qa_officer"):
        journey.correct_entry(target_entry_id=journey.ids["entry_id"], actor=LEAD)


def test_an_audit_grades_each_standard_it_names_once_on_the_four_point_scale(
    journey: Journey,
) -> None:
    journey.to("planned")
    with journey.refuses("audit_needs_grades"):
        journey.record_case_audit(grades=())
    twice = (StandardGrade("smart_plan", "good"), StandardGrade("smart_plan", "inadequate"))
    with journey.refuses("audit_needs_grades"):
        journey.record_case_audit(grades=twice)
    with journey.rejects("grades.grade") as caught:
        journey.record_case_audit(grades=(StandardGrade("smart_plan", "excellent"),))
    assert isinstance(caught.value, UnknownCodeError)
    with journey.rejects("findings"):
        journey.record_case_audit(findings=("a free-text finding",))


def test_an_audit_is_of_an_episode_of_the_family(journey: Journey) -> None:
    journey.to("registered")
    with journey.refuses("audit_episode_unknown"):
        journey.record_case_audit(episode_id=journey.id)


def test_an_action_is_owned_by_an_agency_or_a_practitioner(journey: Journey) -> None:
    journey.to("planned")
    day = journey.next_time().date()
    with journey.refuses("audit_action_owner"):
        journey.record_case_audit(actions=(NewAuditAction("x" * 201, day),))


def test_an_action_is_not_due_before_the_day_of_its_audit(journey: Journey) -> None:
    journey.to("planned")
    when = journey.next_time()
    late = (NewAuditAction("early_help", when.date() - timedelta(days=1)),)
    with journey.refuses("audit_action_due_before_audit"):
        journey.record_case_audit(occurred_at=when, actions=late)
    # Due on the audit's own day is allowed.
    journey.record_case_audit(occurred_at=when, actions=(NewAuditAction("school", when.date()),))


def test_a_corrected_audit_keeps_its_actions_due_on_or_after_its_day(journey: Journey) -> None:
    journey.to("planned")
    when = journey.next_time()
    due = when.date() + timedelta(days=3)
    audited = journey.record_case_audit(occurred_at=when, actions=(NewAuditAction("school", due),))
    later = (when + timedelta(days=5)).isoformat()
    with journey.refuses("audit_action_due_before_audit"):
        journey.correct_entry(
            actor=QA,
            target_entry_id=audited.ids["entry_id"],
            changes=(FieldChange("occurred_at", later),),
        )
    earlier = (when - timedelta(minutes=30)).isoformat()
    journey.correct_entry(
        actor=QA,
        target_entry_id=audited.ids["entry_id"],
        changes=(FieldChange("occurred_at", earlier),),
    )


def test_an_audit_cannot_come_before_its_episode_opened(journey: Journey) -> None:
    journey.to("planned")
    opened = journey.family().episodes[str(journey.ids["episode_id"])].opened_at
    with journey.refuses("chronology"):
        journey.record_case_audit(occurred_at=opened - timedelta(days=1))


def test_a_completion_cannot_come_before_its_audit_as_recorded_or_corrected(
    journey: Journey,
) -> None:
    journey.to("closed")
    when = journey.next_time()
    audited = journey.record_case_audit(occurred_at=when)
    with journey.refuses("chronology"):
        journey.complete_audit_action(occurred_at=when - timedelta(hours=1))
    journey.complete_audit_action(occurred_at=when + timedelta(days=2))
    with journey.refuses("chronology"):
        journey.correct_entry(
            actor=QA,
            target_entry_id=audited.ids["entry_id"],
            changes=(FieldChange("occurred_at", (when + timedelta(days=3)).isoformat()),),
        )


def test_an_action_is_completed_once_unless_that_completion_is_retracted(journey: Journey) -> None:
    journey.to("closed")
    journey.record_case_audit()
    completed = journey.complete_audit_action()
    with journey.refuses("audit_action_completed"):
        journey.complete_audit_action()
    journey.retract_entry(target_entry_id=completed.ids["entry_id"], actor=QA)
    journey.complete_audit_action()


def test_unknown_audits_and_actions_are_not_found(journey: Journey) -> None:
    journey.to("closed")
    audited = journey.record_case_audit()
    with pytest.raises(NotFoundError):
        journey.complete_audit_action(action_id=audited.ids["audit_id"])
    journey.retract_entry(target_entry_id=audited.ids["entry_id"], actor=QA)
    with pytest.raises(NotFoundError):
        journey.complete_audit_action()


def test_an_audits_notes_are_personal_data_and_cannot_be_recorded_after_erasure(
    journey: Journey,
) -> None:
    journey.to("closed")
    journey.erase_personal_data()
    with journey.refuses("personal_data_erased"):
        journey.record_case_audit(personal=PersonalData(notes="seen at home"))
    journey.record_case_audit()


def test_audits_survive_a_snapshot(journey: Journey) -> None:
    journey.to("closed")
    journey.record_case_audit()
    journey.complete_audit_action()
    family = snapshot_round_trip(journey)
    assert family.audits == journey.family().audits
    assert next(iter(family.audits.values())).completions
