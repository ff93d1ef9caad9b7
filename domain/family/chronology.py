"""The rules of time, one set of checks for new entries and corrected ones, and the
state they keep (each entry's times, what it follows, evidence periods, dates of birth)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace
from datetime import date, datetime
from typing import Any
from uuid import UUID

from domain.errors import InvalidValueError
from domain.family.checks import (
    ENTRY_NAMES,
    STATE_FREE_ENTRIES,
    check_occurred_at,
    check_period,
    require,
)
from domain.family.state import FamilyState
from domain.values import FieldChange, PersonalData


class Chronology(FamilyState):
    # -- chronology: one set of checks for new entries and corrected ones ---------------

    def predecessors(self, kind: str, fields: Mapping[str, Any]) -> tuple[str, ...]:
        """The entries an entry of `kind` with these fields cannot have occurred before."""
        if kind in ("SupportRequested", "SteppedDown"):
            # An episode opens after the previous one closed.
            closers = (e.closed_by for e in self.episodes.values())
            return tuple(c for c in closers if c)[-1:]
        if kind in STATE_FREE_ENTRIES or fields.get("episode_id") is None:
            return ()
        episode_id = str(fields["episode_id"])
        episode = self.episodes.get(episode_id)
        if episode is None:
            return ()
        if kind == "EpisodeClosed":  # the last entry of its episode
            return tuple(i for i, t in self.times.items() if t[2] == episode_id)
        follows: list[str | None] = [episode.opened_by]
        if kind == "AssessmentCompleted" and episode.assessment is not None:
            follows.append(episode.assessment.entry_id)
        elif kind in ("PlanRevised", "ReviewHeld") and episode.plan is not None:
            follows.append(episode.plan.entry_id)
        elif kind == "EscalationResponded":
            escalation = episode.escalations.get(str(fields["escalation_id"]))
            follows.append(escalation.entry_id if escalation else None)
        return tuple(i for i in follows if i)

    def keep_time(self, kind: str, fields: Mapping[str, Any], *, recorded_at: datetime) -> None:
        """Remember when an entry occurred and was recorded, and what it follows."""
        entry_id = str(fields["entry_id"])
        bound = kind not in STATE_FREE_ENTRIES and fields.get("episode_id") is not None
        episode_id = str(fields["episode_id"]) if bound else ""
        self.follows[entry_id] = self.predecessors(kind, fields)  # before it is one of them
        self.times[entry_id] = (fields["occurred_at"], recorded_at, episode_id)
        if kind == "OutcomeEvidenced":
            self.periods[entry_id] = (fields["period_start"], fields["period_end"])

    def keep_birth(self, member_id: UUID, personal: PersonalData) -> None:
        if personal.date_of_birth is not None:
            self.births[str(member_id)] = PersonalData(date_of_birth=personal.date_of_birth)

    def check_chronology(
        self,
        kind: str,
        occurred_at: datetime,
        *,
        recorded_at: datetime,
        follows: Iterable[str],
        followed_by: Iterable[str] = (),
        field: str,
    ) -> None:
        """The rules of time every entry keeps, new or as corrected: it has occurred by the
        time it is recorded, not before the family's oldest member was born, and not before
        the entries it follows (its episode's opening, its plan...) nor after those that
        follow it (its episode's closure...)."""
        check_occurred_at(occurred_at, recorded_at, field=field)
        born = [p.date_of_birth for p in self.births.values() if p.date_of_birth is not None]
        if born and occurred_at.date() < min(born):
            # Which member, and when they were born, are personal data: not said.
            raise InvalidValueError(
                field, "this is before the oldest member of the family was born"
            )
        for entry_id in follows:
            before = self.times.get(entry_id)
            require(
                before is None or occurred_at >= before[0],
                "chronology",
                f"this {ENTRY_NAMES[kind]} cannot come before the "
                f"{ENTRY_NAMES[self.entries[entry_id]]} it follows "
                f"({before and before[0].isoformat()})",
            )
        for entry_id in followed_by:
            after = self.times.get(entry_id)
            require(
                after is None or occurred_at <= after[0],
                "chronology",
                f"this {ENTRY_NAMES[kind]} cannot come after the "
                f"{ENTRY_NAMES[self.entries[entry_id]]} that follows it "
                f"({after and after[0].isoformat()})",
            )

    def apply_correction(self, target_entry_id: UUID, changes: Iterable[FieldChange]) -> None:
        """The corrected times hold from now on, for the rules of later entries too."""
        target = str(target_entry_id)
        for change in changes:
            if change.field == "occurred_at" and target in self.times:
                moved = datetime.fromisoformat(change.value)
                _, recorded_at, episode_id = self.times[target]
                self.times[target] = (moved, recorded_at, episode_id)
                self.move_episode_time(target, moved)
            elif change.field in ("period_start", "period_end") and target in self.periods:
                start, end = self.periods[target]
                day = date.fromisoformat(change.value)
                self.periods[target] = (
                    (day, end) if change.field == "period_start" else (start, day)
                )

    def move_episode_time(self, entry_id: str, moved: datetime) -> None:
        """An entry's corrected time, where its episode keeps it (each part replaced)."""
        for episode_id, kept in self.episodes.items():
            episode = kept
            if episode.opened_by == entry_id:
                episode = replace(episode, opened_at=moved)
            if episode.closed_by == entry_id:
                episode = replace(episode, closed_at=moved)
            assessment, plan = episode.assessment, episode.plan
            if assessment is not None and assessment.entry_id == entry_id:
                episode = replace(episode, assessment=replace(assessment, started_at=moved))
            if plan is not None and plan.entry_id == entry_id:
                episode = replace(episode, plan=replace(plan, agreed_at=moved))
            escalations = {
                escalation_id: replace(e, raised_at=moved) if e.entry_id == entry_id else e
                for escalation_id, e in episode.escalations.items()
            }
            if escalations != episode.escalations:
                episode = replace(episode, escalations=escalations)
            if episode is not kept:
                self.episodes[episode_id] = episode

    def check_corrected_times(
        self,
        target_entry_id: UUID,
        target_type: str,
        changes: tuple[FieldChange, ...],
        now: datetime,
    ) -> None:
        """The entry as corrected keeps every rule of time a new entry of its type keeps."""
        target = str(target_entry_id)
        values = {c.field: c.value for c in changes}
        # A legacy entry (before times were kept) is checked against now.
        recorded_at = self.times[target][1] if target in self.times else now
        if "occurred_at" in values:
            self.check_chronology(
                target_type,
                datetime.fromisoformat(values["occurred_at"]),
                recorded_at=recorded_at,
                follows=self.follows.get(target, ()),
                followed_by=[i for i, f in self.follows.items() if target in f],
                field="changes.occurred_at",
            )
        if {"period_start", "period_end"} & set(values) and target in self.periods:
            start, end = self.periods[target]
            check_period(
                date.fromisoformat(values.get("period_start", start.isoformat())),
                date.fromisoformat(values.get("period_end", end.isoformat())),
                recorded_at,
            )
