"""An entry of a family's timeline as the pages show it: text only, every code by its label
from the code lists, booleans as Yes/No, times as times, details as "<field>: <value>"
(nested ones as "Member 2: SEND: Yes"). The templates lay it out and escape it.

Which list a field's codes are on is the timeline's own table (projections.timeline), with
the few fields its summaries do not need.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from api.web.templating import moment, words
from domain.codes import CodeLists
from projections.timeline import CODE_LISTS, CODE_LISTS_BY_TYPE

MORE_CODE_LISTS: Mapping[str, str] = {
    **CODE_LISTS,
    "strengths": "headline_outcome",
    "needs": "headline_outcome",
    "factors": "assessment_factor",
    "attendees": "agency",
    "owner_agency": "agency",
    "rating": "progress_rating",
    "status": "outcome_status",
}
FIELD_LABELS: Mapping[str, str] = {
    "send": "SEND",
    "occurred_at": "When it happened",
    "to_service": "To service",
    "from_service": "From service",
    "with_agency": "With agency",
    "owner_agency": "Owning agency",
}
# Plural fields whose items are one each of a kind: "Members 1" reads "Member 1".
ITEM_NAMES: Mapping[str, str] = {
    "members": "Member",
    "outcomes": "Outcome",
    "actions": "Action",
    "progress": "Progress",
    "outcome_statuses": "Outcome",
    "changes": "Change",
}
# Ids an entry carries to join it to others; the page links or numbers them instead.
NOT_SHOWN = frozenset({"target_entry_id", "code_list_version"})
# An entry's own ids and its members', outcomes' and actions' ids join it to other entries;
# a reader knows members by their number on the entry.
UUID_TEXT = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
TIME = re.compile(r"\d{4}-\d\d-\d\dT[\d:.]+(Z|[+-]\d\d:\d\d)")
DAY = re.compile(r"\d{4}-\d\d-\d\d")


def label(codes: CodeLists, list_name: str, code: Any) -> str:
    return codes.label(list_name, str(code)) if code is not None else "—"


def field_label(field: str) -> str:
    return FIELD_LABELS.get(field, words(field))


def value_text(codes: CodeLists, entry_type: str, field: str, value: Any) -> str:
    """A value as a person reads it: a code by its label, a boolean Yes/No, a time as
    "3 Mar 2025, 10:00 UTC", a list joined."""
    if isinstance(value, list):
        return ", ".join(value_text(codes, entry_type, field, v) for v in value)
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return "Yes" if value else "No"
    list_name = CODE_LISTS_BY_TYPE.get((entry_type, field)) or MORE_CODE_LISTS.get(field)
    if list_name is not None and list_name in codes.lists:
        return codes.label(list_name, str(value))
    text = str(value)
    if TIME.fullmatch(text):
        when = moment(text)
        return f"{when.day} {when:%b %Y, %H:%M} UTC"
    return day_text(text)


def details(codes: CodeLists, entry_type: str, facts: Mapping[str, Any]) -> list[str]:
    """The facts of an entry as lines "<field label>: <value label>", nested facts under
    their item ("Member 2: SEND: Yes"), empty ones left out."""
    if entry_type == "EntryCorrected":  # its changes are the corrected entry's fields
        return correction_details(codes, facts)
    lines: list[str] = []
    for field, value in facts.items():
        if field in NOT_SHOWN or value is None or value in ("", []):
            continue
        if field.endswith("_id") and UUID_TEXT.fullmatch(str(value)):
            continue
        if isinstance(value, dict):
            lines += [f"{field_label(field)}: {line}" for line in details(codes, entry_type, value)]
        elif isinstance(value, list) and any(isinstance(v, dict) for v in value):
            item = ITEM_NAMES.get(field, field_label(field))
            for number, inner in enumerate(value, 1):
                lines += [f"{item} {number}: {line}" for line in details(codes, entry_type, inner)]
        elif field == "target_type":
            lines.append(f"{field_label(field)}: {words(str(value))}")
        else:
            lines.append(f"{field_label(field)}: {value_text(codes, entry_type, field, value)}")
    return lines


def correction_details(codes: CodeLists, facts: Mapping[str, Any]) -> list[str]:
    target = str(facts.get("target_type") or "")
    lines = [f"Corrected: {words(target)}"] if target else []
    lines += [
        f"{field_label(c['field'])}: now {value_text(codes, target, c['field'], c['value'])}"
        for c in facts.get("changes", ())
    ]
    why = value_text(codes, "EntryCorrected", "reason", facts.get("reason"))
    return [*lines, f"Why: {why}"]


@dataclass(frozen=True)
class Change:
    field: str
    before: str
    after: str


@dataclass(frozen=True)
class CorrectionShown:
    recorded: datetime
    reason: str
    changes: list[Change]
    personal_only: bool  # it corrected personal details only (shown to whom may see them)
    personal: list[tuple[str, str]]


@dataclass(frozen=True)
class RetractionShown:
    recorded: datetime
    reason: str


@dataclass(frozen=True)
class EntryShown:
    entry_id: str
    type: str
    kind: str
    agency: str
    occurred: datetime
    recorded: datetime
    late_days: int
    summary: str
    target_entry_id: str | None
    details: list[str]
    personal: list[tuple[str, str]]
    corrections: list[CorrectionShown]
    retraction: RetractionShown | None


def entry_shown(entry: Mapping[str, Any], codes: CodeLists) -> EntryShown:
    """An entry of GET /families/{id}/timeline as the pages show it."""
    occurred, recorded = moment(entry["occurred_at"]), moment(entry["recorded_at"])
    retracted = entry["retracted"]
    target = entry["facts"].get("target_entry_id")
    members = entry["facts"].get("members") or [entry["facts"].get("member") or {}]
    numbers = {
        str(m["member_id"]): n
        for n, m in enumerate(members, 1)
        if isinstance(m, dict) and "member_id" in m
    }
    return EntryShown(
        entry_id=entry["entry_id"],
        type=entry["type"],
        kind=words(entry["type"]),
        agency=label(codes, "agency", entry["agency"]),
        occurred=occurred,
        recorded=recorded,
        late_days=(recorded.date() - occurred.date()).days,
        summary=entry["summary"],
        target_entry_id=str(target) if target else None,
        details=details(codes, entry["type"], entry["facts"]),
        personal=personal(entry.get("personal"), numbers),
        corrections=[
            correction_shown(c, entry["type"], codes, numbers) for c in entry["corrections"]
        ],
        retraction=None
        if retracted is None
        else RetractionShown(
            recorded=moment(retracted["recorded_at"]),
            reason=label(codes, "retraction_reason", retracted["reason"]),
        ),
    )


def correction_shown(
    correction: Mapping[str, Any], entry_type: str, codes: CodeLists, numbers: Mapping[str, int]
) -> CorrectionShown:
    return CorrectionShown(
        recorded=moment(correction["recorded_at"]),
        reason=label(codes, "correction_reason", correction["reason"]),
        changes=[
            Change(
                field=field_label(c["field"]),
                before=value_text(codes, entry_type, c["field"], c["before"]),
                after=value_text(codes, entry_type, c["field"], c["after"]),
            )
            for c in correction["changes"]
        ],
        personal_only=bool(correction.get("personal_fields")) and not correction["changes"],
        personal=personal(correction.get("personal"), numbers),
    )


def personal(found: Mapping[str, Any] | None, numbers: Mapping[str, int]) -> list[tuple[str, str]]:
    """Personal details, where the JSON route gives them (only to roles entitled): the
    entry's own, then each member's, under the member's number on the entry (or the start
    of the member's id, for a member the entry does not list)."""
    if not found:
        return []
    members: Mapping[str, Any] = found.get("members") or {}
    shown = [(field_label(k), day_text(v)) for k, v in found.items() if k != "members" and v]
    for member_id, values in members.items():
        said = "; ".join(f"{words(k).lower()}: {day_text(v)}" for k, v in values.items() if v)
        number = numbers.get(member_id)
        shown.append((f"Member {number}" if number else f"Member {member_id[:8]}", said))
    return shown


def day_text(value: Any) -> str:
    """Personal data as given, a date of birth as "1 Mar 2015"."""
    text = str(value)
    if DAY.fullmatch(text):
        day = datetime.fromisoformat(text)
        return f"{day.day} {day:%b %Y}"
    return text
