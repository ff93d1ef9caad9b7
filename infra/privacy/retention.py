"""The retention schedule, applied: which families' personal data is due for erasure, and
erasing it (`journeys retention run`).

Per kind of record (settings: JOURNEYS_RETENTION, infra.settings.RetentionSchedule):

- a family that had an episode of early help (a request for support, or a step-down) is
  kept until its youngest child's birthday at `until_youngest_child_age` (25). Dates of
  birth are personal data, so they are read from the events (opened with the family's
  key), as corrected. If a child's date of birth is not recorded, the family is kept
  `else_years_after_last_entry` (25) years after its last entry instead: by then every
  child who was under 19 at that entry is past 25.
- a family that only ever had contacts is kept `years_after_last_entry` (6) years after
  its last entry.

"Last entry": the latest recorded (not occurred) of its entries, legal holds aside. A
family with a legal hold in force is listed as held and never erased; one already erased
is passed over. Erasures are recorded by the system actor with the rule as their reason.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any
from uuid import UUID

from domain.application import JourneysApplication
from domain.commands import ErasePersonalData
from domain.errors import RuleBrokenError
from domain.family import Family
from domain.values import Actor, PersonalData
from infra.privacy.keys import DataKeys, PurgeReport, sweep
from infra.settings import RetentionSchedule

SYSTEM = Actor(user_id="system:retention", role="system", agency="early_help")
# Erased families' keys are destroyed (and purged) after every this many erasures.
DESTROY_EVERY = 200

NOT_PRACTICE = (Family.LegalHoldPlaced, Family.LegalHoldLifted, Family.PersonalDataErased)


@dataclass(frozen=True)
class Decision:
    """Where one family stands against the schedule."""

    family_id: UUID
    record: str  # "episode" or "contact_only"
    rule: str  # the rule that applies, for people
    reason: str  # the erasure reason code naming the rule
    due_on: date
    holds: tuple[str, ...]  # the legal holds in force
    erased: bool  # already erased

    def due(self, today: date) -> bool:
        return not self.erased and self.due_on <= today


@dataclass
class RetentionReport:
    """What a run found (and, unless a dry run, did)."""

    today: date
    dry_run: bool
    checked: int = 0
    already_erased: int = 0
    not_due: int = 0
    due: list[Decision] = field(default_factory=list)  # due and not held
    held: list[Decision] = field(default_factory=list)  # due, but under a legal hold
    erased: list[Decision] = field(default_factory=list)  # erased by this run
    purges: list[PurgeReport] = field(default_factory=list)


def anniversary(day: date, years: int) -> date:
    """The same day `years` later; 29 February becomes 1 March in other years (as an
    age is reached in England)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return date(day.year + years, 3, 1)


def decide(events: Iterable[Any], schedule: RetentionSchedule) -> Decision:
    """A family's place in the schedule, from its events (oldest first)."""
    family_id: UUID | None = None
    children: dict[str, date | None] = {}
    had_episode = erased = False
    last_entry: date | None = None
    holds: dict[str, None] = {}
    for event in events:
        family_id = event.originator_id
        if isinstance(event, Family.Registered):
            for member in event.members:
                if member.relationship == "child":
                    children[str(member.member_id)] = member.personal.date_of_birth
        elif isinstance(event, Family.MemberAdded) and event.member.relationship == "child":
            children[str(event.member.member_id)] = event.member.personal.date_of_birth
        elif isinstance(event, Family.EntryCorrected) and str(event.member_id) in children:
            personal: PersonalData | None = event.personal
            if personal is not None and personal.date_of_birth is not None:
                children[str(event.member_id)] = personal.date_of_birth
        elif isinstance(event, Family.SupportRequested | Family.SteppedDown):
            had_episode = True
        elif isinstance(event, Family.LegalHoldPlaced):
            holds[str(event.hold_id)] = None
        elif isinstance(event, Family.LegalHoldLifted):
            holds.pop(str(event.hold_id), None)
        elif isinstance(event, Family.PersonalDataErased):
            erased = True
        if not isinstance(event, NOT_PRACTICE):
            recorded = event.timestamp.date()
            last_entry = recorded if last_entry is None else max(last_entry, recorded)
    if family_id is None or last_entry is None:
        raise ValueError("a family's events, starting with its registration")
    born = [dob for dob in children.values() if dob is not None]
    episode, contacts = schedule.episode, schedule.contact_only
    if had_episode and born and len(born) == len(children):
        age = episode.until_youngest_child_age
        record, rule, due_on = (
            "episode",
            f"youngest child's birthday at {age}",
            anniversary(max(born), age),
        )
    elif had_episode:
        years = episode.else_years_after_last_entry
        record, rule = "episode", f"{years} years after the last entry (a date of birth unknown)"
        due_on = anniversary(last_entry, years)
    else:
        years = contacts.years_after_last_entry
        record, rule = "contact_only", f"{years} years after the last entry"
        due_on = anniversary(last_entry, years)
    return Decision(
        family_id=family_id,
        record=record,
        rule=f"{record.replace('_', ' ')}: {rule}",
        reason=f"retention_{record}",
        due_on=due_on,
        holds=tuple(holds),
        erased=erased,
    )


def run_retention(
    app: JourneysApplication,
    keys: DataKeys | None,
    schedule: RetentionSchedule,
    *,
    today: date,
    dry_run: bool,
    progress: Callable[[int, int], None] | None = None,
) -> RetentionReport:
    """Check every family against the schedule; unless `dry_run`, erase those due and not
    held, and destroy their keys. Starts with a sweep of erasures whose keys a stopped
    process left (not in a dry run: it changes nothing then)."""
    report = RetentionReport(today=today, dry_run=dry_run)
    if keys is not None and not dry_run:
        swept = sweep(app, keys)
        if swept.purge is not None:
            report.purges.append(swept.purge)
    family_ids = list(app.iter_family_ids())
    pending: list[str] = []
    for done, family_id in enumerate(family_ids, start=1):
        decision = decide(app.events.get(family_id), schedule)
        report.checked += 1
        if decision.erased:
            report.already_erased += 1
        elif not decision.due(today):
            report.not_due += 1
        elif decision.holds:
            report.held.append(decision)
        else:
            report.due.append(decision)
            if not dry_run and _erased(app, decision):
                report.erased.append(decision)
                pending.append(str(family_id))
        if keys is not None and len(pending) >= DESTROY_EVERY:
            report.purges.append(keys.forget(pending))
            pending = []
        if progress is not None:
            progress(done, len(family_ids))
    if keys is not None and pending:
        report.purges.append(keys.forget(pending))
    return report


def _erased(app: JourneysApplication, decision: Decision) -> bool:
    """Erase the family (its key is destroyed by the caller, with others' keys); False if
    meanwhile a hold was placed, or someone else erased it."""
    try:
        app.handle(
            ErasePersonalData(
                family_id=decision.family_id,
                actor=SYSTEM,
                reason=decision.reason,
                destroy_key=False,
            )
        )
    except RuleBrokenError as error:
        if error.rule in {"legal_hold_in_force", "already_erased"}:
            return False
        raise
    return True
