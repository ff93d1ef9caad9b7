"""An agency's escalation inbox: an answer is due one working day in England after the day
an escalation was raised (bank holidays skipped), overdue after that; an answer after its
due day is late; other agencies' escalations and retracted ones are not listed."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from projections.base import Doc
from projections.inbox import escalation_inbox
from projections.sharing import SharingProjection

# Thursday before Easter 2025: Good Friday (18 April) and Easter Monday (21 April) are bank
# holidays in England, so the answer falls due on Tuesday 22 April.
RAISED = "2025-04-17T15:00:00Z"


def _entry(kind: str, at: str, n: int, **facts: Any) -> Doc:
    return {
        "entry_id": f"entry-{n}",
        "type": kind,
        "occurred_at": at,
        "recorded_at": at,
        "facts": facts,
        "retraction": None,
    }


def _raised(n: int, to: str = "youth_justice") -> Doc:
    return _entry(
        "EscalationRaised", RAISED, n, escalation_id=f"e{n}", to_service=to,
        reason="risk_of_significant_harm", safeguarding=True,
    )  # fmt: skip


class Views:
    """The sharing view's documents, as a ViewReader answers them."""

    def __init__(self, *docs: Doc) -> None:
        self.docs = [(doc["family_id"], doc) for doc in docs]

    def read(self, name: str, key: str) -> tuple[int, Doc | None]:
        raise NotImplementedError

    def read_tagged(self, name: str, tag: str | None) -> tuple[int, list[tuple[str, Doc]]]:
        assert (name, tag) == (SharingProjection.name, None)
        return 7, self.docs


def _family(*entries: Doc) -> Doc:
    return {"family_id": "f1", "area": "strood", "entries": list(entries)}


@pytest.mark.parametrize(
    ("today", "status"),
    [
        (date(2025, 4, 17), "awaiting"),
        (date(2025, 4, 22), "awaiting"),
        (date(2025, 4, 23), "overdue"),
    ],
)
def test_an_unanswered_escalation_is_overdue_after_one_working_day(
    today: date, status: str
) -> None:
    position, [row] = escalation_inbox(Views(_family(_raised(1))), "youth_justice", today=today)

    assert position == 7
    assert (row["status"], row["due"]) == (status, "2025-04-22")


@pytest.mark.parametrize(
    ("answered", "late"), [("2025-04-22T09:00:00Z", False), ("2025-04-23T09:00:00Z", True)]
)
def test_an_answer_shows_its_response_and_whether_it_was_late(answered: str, late: bool) -> None:
    response = _entry("EscalationResponded", answered, 2, escalation_id="e1", response="declined")
    views = Views(_family(_raised(1), response))

    [row] = escalation_inbox(views, "youth_justice", today=date(2025, 5, 1))[1]

    assert (row["status"], row["answered_at"], row["late"]) == ("declined", answered, late)


def test_other_agencies_and_retracted_escalations_are_not_listed() -> None:
    retracted = _raised(2) | {"retraction": {"entry_id": "entry-3"}}
    views = Views(_family(_raised(1), _raised(4, to="police"), retracted))

    rows = escalation_inbox(views, "youth_justice", today=date(2025, 4, 17))[1]

    assert [row["escalation_id"] for row in rows] == ["e1"]
    assert escalation_inbox(views, "housing", today=date(2025, 4, 17))[1] == []
