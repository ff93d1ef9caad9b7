"""An agency's escalation inbox: every escalation addressed to it, whether it was answered,
and whether it is overdue, read from the `sharing` view (projections.sharing), where an
escalation to an agency is always visible to that agency (a disclosure to it, rule 3).

Each row holds ids, codes and times only: the family, the escalation, its reason code and
safeguarding flag, when it was raised (occurred and recorded), its response (accepted or
declined, None while awaited) and when, the day the answer falls due (one working day in
England after the day it was raised, projections.working_days) and `status`:
`awaiting`, `overdue` (no answer and the due day is past), `accepted` or `declined`;
`late` says an answer came after its due day. A retracted escalation is not listed.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from projections.base import Doc
from projections.reads import ViewReader
from projections.sharing import SharingProjection
from projections.working_days import add_working_days, local_day, utc

ANSWER_WORKING_DAYS = 1


def _rows(doc: Doc, agency: str, today: date) -> list[Doc]:
    responses: dict[str, Doc] = {}
    for entry in doc["entries"]:
        if entry["type"] == "EscalationResponded" and not entry.get("retraction"):
            responses.setdefault(str(entry["facts"]["escalation_id"]), entry)
    rows = []
    for entry in doc["entries"]:
        facts: dict[str, Any] = entry["facts"]
        if entry["type"] != "EscalationRaised" or facts.get("to_service") != agency:
            continue
        if entry.get("retraction"):
            continue
        escalation_id = str(facts["escalation_id"])
        due = add_working_days(local_day(utc(entry["occurred_at"])), ANSWER_WORKING_DAYS)
        answer = responses.get(escalation_id)
        answered_on = local_day(utc(answer["occurred_at"])) if answer else None
        if answer is not None:
            status = str(answer["facts"]["response"])
        else:
            status = "overdue" if today > due else "awaiting"
        rows.append(
            {
                "family_id": doc["family_id"],
                "area": doc["area"],
                "escalation_id": escalation_id,
                "entry_id": entry["entry_id"],
                "reason": facts.get("reason"),
                "safeguarding": bool(facts.get("safeguarding")),
                "raised_at": entry["occurred_at"],
                "recorded_at": entry["recorded_at"],
                "due": due.isoformat(),
                "status": status,
                "response": answer["facts"]["response"] if answer else None,
                "answered_at": answer["occurred_at"] if answer else None,
                "late": answered_on is not None and answered_on > due,
            }
        )
    return rows


def escalation_inbox(reader: ViewReader, agency: str, *, today: date) -> tuple[int, list[Doc]]:
    """The sharing view's position and the escalations to `agency`, newest first."""
    position, docs = reader.read_tagged(SharingProjection.name, None)
    rows = [row for _, doc in docs for row in _rows(doc, agency, today)]
    rows.sort(key=lambda row: (row["raised_at"], row["escalation_id"]), reverse=True)
    return position, rows
