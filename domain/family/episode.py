"""The family's commands within an episode of early help: from the request for support
to the plan and its reviews."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from domain.codes import CodeLists
from domain.errors import InvalidValueError
from domain.family.checks import check_plan, require
from domain.family.recording import NewEntry, Recording
from domain.values import OutcomeProgress, PersonalData, PlanAction, PlanOutcome


class EpisodeCommands(Recording):
    """Requesting and agreeing support, the lead practitioner, assessment, plan, reviews."""

    def request_support(
        self,
        *,
        episode_id: UUID,
        source: str,
        personal: PersonalData | None,
        codes: CodeLists,
        now: datetime,
        entry: NewEntry,
    ) -> None:
        codes.require("referral_source", source, field="source")
        require(
            self.open_episode_id is None,
            "one_open_episode",
            f"episode {self.open_episode_id} is still open; close it before a new request",
        )
        self.record(
            "SupportRequested",
            entry,
            now=now,
            episode_id=episode_id,
            source=source,
            personal=personal,
        )

    def decide_support(
        self, *, agreed: bool, codes: CodeLists, now: datetime, entry: NewEntry
    ) -> UUID:
        episode = self.current_episode("a support decision")
        decision = "agreed" if agreed else "declined"
        require(
            episode.support != decision,
            "support_decision_unchanged",
            f"the family has already {decision} support in this episode",
        )
        episode_id = self.current_episode_id()
        kind = "SupportAgreed" if agreed else "SupportDeclined"
        self.record(kind, entry, now=now, episode_id=episode_id)
        assert episode_id is not None
        return episode_id

    def assign_lead_practitioner(
        self, *, practitioner_id: str, agency: str, codes: CodeLists, now: datetime, entry: NewEntry
    ) -> UUID:
        if not practitioner_id.strip():
            raise InvalidValueError("practitioner_id", "give the lead practitioner's user id")
        codes.require("agency", agency, field="agency")
        episode = self.current_episode("assigning a lead practitioner")
        require(
            episode.lead != practitioner_id,
            "lead_practitioner_unchanged",
            f"{practitioner_id} is already the lead practitioner",
        )
        episode_id = self.current_episode_id()
        self.record(
            "LeadPractitionerAssigned",
            entry,
            now=now,
            episode_id=episode_id,
            practitioner_id=practitioner_id,
            agency=agency,
            previous_practitioner_id=episode.lead,
        )
        assert episode_id is not None
        return episode_id

    def start_assessment(
        self, *, assessment_id: UUID, codes: CodeLists, now: datetime, entry: NewEntry
    ) -> None:
        episode = self.current_episode("an assessment")
        self.check_support_agreed(episode)
        assessment = episode.assessment
        require(
            assessment is None or assessment.completed,
            "assessment_in_progress",
            "an assessment is already in progress: complete it first",
        )
        self.record(
            "AssessmentStarted",
            entry,
            now=now,
            assessment_id=assessment_id,
            episode_id=self.current_episode_id(),
        )

    def complete_assessment(
        self,
        *,
        assessment_id: UUID,
        strengths: tuple[str, ...],
        needs: tuple[str, ...],
        factors: tuple[str, ...],
        level_of_need: str,
        personal: PersonalData | None,
        codes: CodeLists,
        now: datetime,
        entry: NewEntry,
    ) -> None:
        codes.require_all("headline_outcome", strengths, field="strengths")
        codes.require_all("headline_outcome", needs, field="needs")
        codes.require_all("assessment_factor", factors, field="factors")
        codes.require("level_of_need", level_of_need, field="level_of_need")
        episode = self.current_episode("completing an assessment")
        assessment = episode.assessment
        require(
            assessment is not None
            and assessment.assessment_id == str(assessment_id)
            and not assessment.completed,
            "assessment_not_in_progress",
            f"assessment {assessment_id} is not in progress in the open episode",
        )
        self.record(
            "AssessmentCompleted",
            entry,
            now=now,
            assessment_id=assessment_id,
            episode_id=self.current_episode_id(),
            strengths=strengths,
            needs=needs,
            factors=factors,
            level_of_need=level_of_need,
            personal=personal,
        )

    def agree_plan(
        self,
        *,
        plan_id: UUID,
        outcomes: tuple[PlanOutcome, ...],
        actions: tuple[PlanAction, ...],
        personal: PersonalData | None,
        codes: CodeLists,
        now: datetime,
        entry: NewEntry,
    ) -> None:
        episode = self.current_episode("a plan")
        self.check_support_agreed(episode)
        require(
            episode.plan is None,
            "plan_exists",
            f"the episode already has plan {episode.plan and episode.plan.plan_id}: "
            "revise it instead",
        )
        require(
            episode.assessed,
            "assessment_before_plan",
            "complete an early help assessment before agreeing a plan",
        )
        self.check_lead(episode, "a plan")
        check_plan(outcomes, actions, codes, agreed_on=entry.occurred_at.date())
        self.record(
            "PlanAgreed",
            entry,
            now=now,
            plan_id=plan_id,
            episode_id=self.current_episode_id(),
            outcomes=outcomes,
            actions=actions,
            personal=personal,
        )

    def revise_plan(
        self,
        *,
        plan_id: UUID,
        outcomes: tuple[PlanOutcome, ...],
        actions: tuple[PlanAction, ...],
        personal: PersonalData | None,
        codes: CodeLists,
        now: datetime,
        entry: NewEntry,
    ) -> int:
        plan = self.check_current_plan(plan_id)
        check_plan(outcomes, actions, codes, agreed_on=entry.occurred_at.date())
        revision = plan.revision + 1
        self.record(
            "PlanRevised",
            entry,
            now=now,
            plan_id=plan_id,
            episode_id=self.current_episode_id(),
            revision=revision,
            outcomes=outcomes,
            actions=actions,
            personal=personal,
        )
        return revision

    def hold_review(
        self,
        *,
        review_id: UUID,
        plan_id: UUID,
        attendees: tuple[str, ...],
        progress: tuple[OutcomeProgress, ...],
        decision: str,
        personal: PersonalData | None,
        codes: CodeLists,
        now: datetime,
        entry: NewEntry,
    ) -> None:
        codes.require_all("agency", attendees, field="attendees")
        codes.require("review_decision", decision, field="decision")
        for item in progress:
            codes.require("progress_rating", item.rating, field="progress.rating")
        plan = self.check_current_plan(plan_id)
        self.check_lead(self.current_episode("a review"), "a review")
        ids = [str(p.outcome_id) for p in progress]
        require(
            bool(ids) and len(set(ids)) == len(ids),
            "review_needs_progress",
            "record progress for at least one outcome of the plan, each at most once",
        )
        unknown = [i for i in ids if i not in plan.outcomes]
        require(
            not unknown,
            "outcome_not_in_plan",
            f"outcomes {', '.join(unknown)} are not outcomes of the current plan",
        )
        self.record(
            "ReviewHeld",
            entry,
            now=now,
            review_id=review_id,
            episode_id=self.current_episode_id(),
            plan_id=plan_id,
            attendees=attendees,
            progress=progress,
            decision=decision,
            personal=personal,
        )
