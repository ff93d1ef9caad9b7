"""How a command records an entry, and the look-ups and checks commands share."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from domain.family.checks import STATE_FREE_ENTRIES, require
from domain.family.chronology import Chronology
from domain.family.state import EpisodeState, PlanState
from domain.values import Actor


@dataclass(frozen=True, kw_only=True)
class NewEntry:
    """The entry a command records, as every command method takes it: its own id, when it
    happened in practice and who records it (stored as the event's `entry_id`,
    `occurred_at` and `actor`)."""

    entry_id: UUID
    occurred_at: datetime
    actor: Actor


class Recording(Chronology):
    # -- helpers for commands ----------------------------------------------------------

    def record(self, kind: str, entry: NewEntry, *, now: datetime, **values: Any) -> None:
        """Trigger an entry event of `kind` (the name of an event class of Family) after
        the checks common to every entry; `values` are the event's own attributes."""
        fields = {
            "entry_id": entry.entry_id,
            "occurred_at": entry.occurred_at,
            "actor": entry.actor,
            **values,
        }
        self.check_chronology(
            kind,
            entry.occurred_at,
            recorded_at=now,
            follows=self.predecessors(kind, fields),
            field="occurred_at",
        )
        if self.erased_at is not None:
            require(
                fields.get("personal") is None and "member" not in fields,
                "personal_data_erased",
                "this family's personal data was erased; record the entry without names, "
                "dates of birth, addresses or notes",
            )
        if kind not in STATE_FREE_ENTRIES:
            require(
                self.open_episode_id is not None or kind in ("SupportRequested", "SteppedDown"),
                "episode_required",
                f"{kind} needs an open episode; request support first",
            )
        self.trigger_event(getattr(type(self), kind), timestamp=now, **fields)

    def current_episode(self, name: str) -> EpisodeState:
        require(
            self.open_episode_id is not None,
            "episode_required",
            f"{name} needs an open episode; request support first",
        )
        assert self.open_episode_id is not None  # for the type checker; checked above
        return self.episodes[self.open_episode_id]

    def current_episode_id(self) -> UUID | None:
        return UUID(self.open_episode_id) if self.open_episode_id else None

    def episode_at(self, occurred_at: datetime) -> UUID | None:
        """The episode open when something happened (late recording is normal)."""
        for episode_id, episode in self.episodes.items():
            closed_at = episode.closed_at
            if episode.opened_at <= occurred_at and (closed_at is None or occurred_at <= closed_at):
                return UUID(episode_id)
        return None

    def check_members_exist(self, member_ids: Iterable[UUID], *, field: str = "member_ids") -> None:
        # Known members, not only current ones: an entry recorded late may name someone
        # who has left since.
        for member_id in member_ids:
            require(
                str(member_id) in self.members,
                "member_not_found",
                f"{field}: {member_id} is not a member of this family",
            )

    def consent_covering(self, agency: str, purpose: str) -> str | None:
        """The id of a consent in force covering `agency` for `purpose`, if any."""
        for consent_id, consent in self.consents.items():
            if consent.in_force and agency in consent.agencies and purpose in consent.purposes:
                return consent_id
        return None

    def check_sharing_basis(self, *, agency: str, purpose: str, lawful_basis: str) -> UUID | None:
        """Consent in force covering agency and purpose, or another recorded lawful basis."""
        if lawful_basis != "consent":
            return None
        consent_id = self.consent_covering(agency, purpose)
        require(
            consent_id is not None,
            "consent_or_lawful_basis_required",
            f"no sharing consent in force covers {agency} for {purpose}; "
            "record consent first, or give another lawful basis",
        )
        assert consent_id is not None
        return UUID(consent_id)

    def check_target_entry(self, target_entry_id: UUID) -> str:
        entry_type = self.entries.get(str(target_entry_id))
        require(
            entry_type is not None,
            "entry_not_found",
            f"entry {target_entry_id} is not an entry of this family",
        )
        assert entry_type is not None
        require(
            str(target_entry_id) not in self.retracted,
            "entry_retracted",
            f"entry {target_entry_id} was retracted",
        )
        return entry_type

    # -- checks shared by commands -----------------------------------------------------

    def check_not_erased(self) -> None:
        require(
            self.erased_at is None,
            "already_erased",
            "this family's personal data was erased "
            f"({self.erased_at.isoformat() if self.erased_at else ''}): nothing is left to "
            "erase or to hold",
        )

    def check_support_agreed(self, episode: EpisodeState) -> None:
        require(
            episode.support == "agreed",
            "support_agreement_required",
            "the family has not agreed to early help in this episode",
        )

    def check_lead(self, episode: EpisodeState, name: str) -> None:
        require(
            episode.lead is not None,
            "lead_practitioner_required",
            f"assign a lead practitioner before {name}",
        )

    def check_current_plan(self, plan_id: UUID) -> PlanState:
        episode = self.current_episode("a plan revision or review")
        plan = episode.plan
        require(
            plan is not None and plan.plan_id == str(plan_id),
            "plan_not_current",
            f"plan {plan_id} is not the current plan of the open episode",
        )
        assert plan is not None
        return plan
