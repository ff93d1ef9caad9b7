"""The family's commands that end or hand on an episode: escalation and its response,
step-down, closure."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from domain.codes import CodeLists
from domain.errors import NotFoundError
from domain.family.checks import require
from domain.family.recording import NewEntry, Recording
from domain.values import Actor, OutcomeStatus, PersonalData


class EscalationCommands(Recording):
    """Escalations, step-downs and closures."""

    def raise_escalation(
        self,
        *,
        escalation_id: UUID,
        to_service: str,
        reason: str,
        safeguarding: bool,
        lawful_basis: str,
        personal: PersonalData | None,
        codes: CodeLists,
        now: datetime,
        entry: NewEntry,
    ) -> None:
        codes.require("agency", to_service, field="to_service")
        codes.require("escalation_reason", reason, field="reason")
        codes.require("lawful_basis", lawful_basis, field="lawful_basis")
        require(
            to_service != "early_help",
            "escalation_to_early_help",
            "escalate to a statutory or specialist service, not to early help",
        )
        episode = self.current_episode("an escalation")
        self.check_lead(episode, "an escalation")
        require(
            not any(
                e.to_service == to_service and e.status == "pending"
                for e in episode.escalations.values()
            ),
            "escalation_awaiting_response",
            f"an escalation to {to_service} is still awaiting its response",
        )
        require(
            lawful_basis != "safeguarding" or safeguarding,
            "safeguarding_basis_needs_concern",
            "set the safeguarding flag to use safeguarding as the lawful basis",
        )
        consent_id = self.check_sharing_basis(
            agency=to_service, purpose="escalation", lawful_basis=lawful_basis
        )
        self.record(
            "EscalationRaised",
            entry,
            now=now,
            escalation_id=escalation_id,
            episode_id=self.current_episode_id(),
            to_service=to_service,
            reason=reason,
            safeguarding=safeguarding,
            lawful_basis=lawful_basis,
            consent_id=consent_id,
            personal=personal,
        )

    def respond_to_escalation(
        self,
        *,
        escalation_id: UUID,
        response: str,
        codes: CodeLists,
        now: datetime,
        entry: NewEntry,
    ) -> UUID:
        codes.require("escalation_response", response, field="response")
        for episode_id, episode in self.episodes.items():  # noqa: B007 (used after the loop)
            escalation = episode.escalations.get(str(escalation_id))
            if escalation is not None:
                break
        else:
            raise NotFoundError(f"escalation {escalation_id} is not an escalation of this family")
        require(
            escalation.status == "pending",
            "escalation_not_pending",
            f"escalation {escalation_id} was already {escalation.status}",
        )
        actor: Actor = entry.actor
        require(
            actor.role != "partner" or actor.agency == escalation.to_service,
            "respondent_not_receiving_service",
            f"this escalation is addressed to {escalation.to_service}, not {actor.agency}",
        )
        self.record(
            "EscalationResponded",
            entry,
            now=now,
            escalation_id=escalation_id,
            episode_id=UUID(episode_id),
            response=response,
        )
        return UUID(episode_id)

    def step_down(
        self,
        *,
        episode_id: UUID,
        from_service: str,
        reason: str,
        codes: CodeLists,
        now: datetime,
        entry: NewEntry,
    ) -> None:
        codes.require("agency", from_service, field="from_service")
        codes.require("step_down_reason", reason, field="reason")
        require(
            self.open_episode_id is None,
            "step_down_while_open",
            f"episode {self.open_episode_id} is open; a step-down opens a new episode",
        )
        self.record(
            "SteppedDown",
            entry,
            now=now,
            episode_id=episode_id,
            from_service=from_service,
            reason=reason,
        )

    def close_episode(
        self,
        *,
        reason: str,
        outcome_statuses: tuple[OutcomeStatus, ...],
        personal: PersonalData | None,
        codes: CodeLists,
        now: datetime,
        entry: NewEntry,
    ) -> UUID:
        codes.require("closure_reason", reason, field="reason")
        for item in outcome_statuses:
            codes.require("outcome_status", item.status, field="outcome_statuses.status")
        episode = self.current_episode("a closure")
        plan = episode.plan
        planned = set(plan.outcomes) if plan else set()
        stated = [str(s.outcome_id) for s in outcome_statuses]
        require(
            set(stated) == planned and len(stated) == len(planned),
            "closure_outcomes_incomplete",
            f"state the status of each of the plan's {len(planned)} outcomes once, and only those",
        )
        require(
            reason != "outcomes_met"
            or (bool(outcome_statuses) and all(s.status == "achieved" for s in outcome_statuses)),
            "outcomes_met_needs_achieved",
            "'outcomes met' needs every plan outcome achieved; choose another reason",
        )
        escalations = episode.escalations.values()
        require(
            not any(e.status == "pending" for e in escalations),
            "escalation_awaiting_response",
            "an escalation is awaiting its response; record the response before closing",
        )
        require(
            reason != "step_up"
            or any(
                e.status == "accepted" and e.to_service == "children_social_care"
                for e in escalations
            ),
            "step_up_needs_accepted_escalation",
            "closing as step up needs an escalation accepted by children's social care",
        )
        episode_id = self.current_episode_id()
        self.record(
            "EpisodeClosed",
            entry,
            now=now,
            episode_id=episode_id,
            reason=reason,
            outcome_statuses=outcome_statuses,
            personal=personal,
        )
        assert episode_id is not None
        return episode_id
