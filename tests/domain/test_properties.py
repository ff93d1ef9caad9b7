"""For any sequence of commands, valid or not: a refused command changes nothing in the
store, and an accepted one appends exactly the one entry its result names (plus a receipt
when it carries an idempotency key), at the position it answers; a repeat stores nothing."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID, uuid4

from hypothesis import event, given, settings
from hypothesis import strategies as st

from domain.application import CommandReceipt
from domain.commands import NewAction, NewOutcome
from domain.errors import JourneysError
from domain.family import Family
from domain.values import FieldChange, OutcomeProgress, OutcomeStatus
from tests.support.journey import NOW, POLICE, SOCIAL_CARE, STAGES, START, Journey, new_journey

Draw = Callable[[st.SearchStrategy[Any]], Any]


def some_id(journey: Journey, draw: Draw, name: str) -> UUID:
    """An id the family knows by this name, or (sometimes) one it has never seen."""
    known = journey.ids.get(name)
    return known if known and draw(st.booleans()) else draw(st.just(uuid4()))


def some_outcomes(journey: Journey, draw: Draw) -> list[UUID]:
    outcomes = journey.outcome_ids()
    return outcomes if draw(st.booleans()) else [*outcomes[:1], uuid4()]


# Each command, with arguments drawn from mostly valid and some invalid values.
COMMANDS: dict[str, Callable[[Journey, Draw], Any]] = {
    "contact": lambda j, draw, **x: j.record_contact(
        agency=draw(st.sampled_from(["school", "police", "gp", "nasa"])),
        member_ids=(some_id(j, draw, "child"),) if draw(st.booleans()) else (),
        **x,
    ),
    "member": lambda j, draw, **x: j.add_member(
        relationship=draw(st.sampled_from(["child", "pet"])), **x
    ),
    "leaving": lambda j, draw, **x: j.remove_member(member_id=some_id(j, draw, "parent"), **x),
    "request": lambda j, draw, **x: j.request_support(
        source=draw(st.sampled_from(["2A", "5D", "99"])), **x
    ),
    "decision": lambda j, draw, **x: j.decide_support(agreed=draw(st.booleans()), **x),
    "consent": lambda j, draw, **x: j.give_consent(
        given_by=some_id(j, draw, "parent"),
        agencies=(draw(st.sampled_from(["school", "children_social_care"])),),
        purposes=(draw(st.sampled_from(["coordinating_support", "escalation"])),),
        **x,
    ),
    "withdrawal": lambda j, draw, **x: j.withdraw_consent(
        consent_id=some_id(j, draw, "consent_id"), **x
    ),
    "sharing": lambda j, draw, **x: j.share_information(
        lawful_basis=draw(st.sampled_from(["consent", "public_task"])), **x
    ),
    "lead": lambda j, draw, **x: j.assign_lead_practitioner(
        practitioner_id=draw(st.sampled_from(["u-lead-1", "u-lead-2"])), **x
    ),
    "assessment": lambda j, draw, **x: j.start_assessment(**x),
    "completion": lambda j, draw, **x: j.complete_assessment(
        assessment_id=some_id(j, draw, "assessment_id"), **x
    ),
    "plan": lambda j, draw, **x: j.agree_plan(
        outcomes=tuple(
            NewOutcome(h, NOW.date())
            for h in draw(st.lists(st.sampled_from(["housing", "health"]), max_size=2))
        ),
        actions=(NewAction(0, "housing", NOW.date()),) if draw(st.booleans()) else (),
        **x,
    ),
    "revision": lambda j, draw, **x: j.revise_plan(plan_id=some_id(j, draw, "plan_id"), **x),
    "review": lambda j, draw, **x: j.hold_review(
        plan_id=some_id(j, draw, "plan_id"),
        progress=tuple(OutcomeProgress(o, "some_progress") for o in some_outcomes(j, draw)),
        **x,
    ),
    "escalation": lambda j, draw, **x: j.raise_escalation(
        to_service=draw(st.sampled_from(["children_social_care", "early_help"])),
        lawful_basis=draw(st.sampled_from(["safeguarding", "consent"])),
        **x,
    ),
    "response": lambda j, draw, **x: j.respond_to_escalation(
        escalation_id=some_id(j, draw, "escalation_id"),
        actor=draw(st.sampled_from([SOCIAL_CARE, POLICE])),
        response=draw(st.sampled_from(["accepted", "declined"])),
        **x,
    ),
    "step-down": lambda j, draw, **x: j.step_down(**x),
    "evidence": lambda j, draw, **x: j.evidence_outcome(
        value=Decimal(draw(st.integers(0, 100))), **x
    ),
    "closure": lambda j, draw, **x: j.close_episode(
        reason=draw(st.sampled_from(["outcomes_met", "step_up", "moved_away"])),
        outcome_statuses=tuple(OutcomeStatus(o, "achieved") for o in some_outcomes(j, draw)),
        **x,
    ),
    "correction": lambda j, draw, **x: j.correct_entry(
        target_entry_id=some_id(j, draw, "entry_id"),
        changes=(FieldChange(draw(st.sampled_from(["occurred_at", "agency"])), "school"),),
        **x,
    ),
    "retraction": lambda j, draw, **x: j.retract_entry(
        target_entry_id=some_id(j, draw, "entry_id"), **x
    ),
}

# When the practitioner says it happened: next in order, long before, or in the future.
TIMES = st.sampled_from([None, None, None, START - timedelta(days=30), NOW + timedelta(days=1)])


def make(journey: Journey, name: str, draw: Draw) -> Any:
    """Make the command (or the latest again), sometimes at an odd time, sometimes with
    an idempotency key that may have been used before."""
    if name == "again":
        return journey.again()
    extra: dict[str, Any] = {"idempotency_key": draw(st.sampled_from([None, None, "k-1", "k-2"]))}
    occurred_at = draw(TIMES)
    if occurred_at is not None:
        extra["occurred_at"] = occurred_at
    return COMMANDS[name](journey, draw, **extra)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.sampled_from([*COMMANDS, *["again"] * 4]), min_size=1, max_size=15), st.data())
def test_refused_commands_change_nothing_and_accepted_ones_store_what_they_say(
    names: list[str], data: st.DataObject
) -> None:
    journey = new_journey().to(data.draw(st.sampled_from(STAGES), label="given"))

    made_any = False
    for name in names:
        if name == "again" and not made_any:
            continue  # the latest command may be the registration: another family
        made_any = True
        position, stream, saved = journey.app.position(), journey.stream(), len(journey.app.saved)
        try:
            result = make(journey, name, data.draw)
        except JourneysError as error:
            event(f"{name}: refused ({getattr(error, 'rule', type(error).__name__)})")
            assert (journey.app.position(), journey.stream()) == (position, stream)
            continue
        event(f"{name}: {'repeated' if result.replayed else 'accepted'}")

        new = journey.app.saved[saved:]
        if result.replayed:
            assert (new, journey.stream()) == ([], stream)
            continue
        entries = [e for e in new if isinstance(e, Family.Event)]
        receipts = [e for e in new if isinstance(e, CommandReceipt.Issued)]
        keyed = journey.latest.get("idempotency_key") is not None
        assert len(entries) == 1
        assert len(receipts) == int(keyed)
        assert len(new) == len(entries) + len(receipts)
        (entry,) = entries
        assert journey.stream() == [*stream, entry]
        assert result.position == journey.app.position() == position + len(new)
        assert entry.entry_id == result.ids["entry_id"]  # type: ignore[attr-defined]
        for id_name, value in result.ids.items():
            if hasattr(entry, id_name):
                assert getattr(entry, id_name) == value
        assert [r.ids for r in receipts] in ([], [result.ids])
