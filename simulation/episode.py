"""One episode of a simulated family: from its request (or step-down) through support,
lead practitioner, consent, assessment, plan, reviews, revisions, escalations and lead
changes, to its closure (see simulation.simulated_family)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from domain.commands import (
    AgreePlan,
    AssignLeadPractitioner,
    CloseEpisode,
    CompleteAssessment,
    DecideSupport,
    GiveConsent,
    HoldReview,
    NewAction,
    NewOutcome,
    RaiseEscalation,
    RequestSupport,
    RespondToEscalation,
    RevisePlan,
    ShareInformation,
    StartAssessment,
    StepDown,
    WithdrawConsent,
)
from domain.values import Actor, FieldChange, OutcomeProgress, OutcomeStatus
from simulation import simulation_data as data
from simulation.case_audits import audit_after_closure
from simulation.family_base import Casework, Consent, FamilyBase, Plan, Steps, office_hours, pick


class EpisodeSteps(FamilyBase):
    """The steps of an episode, for FamilyJourney."""

    def episode(self, at: datetime, origin: str) -> Steps[tuple[datetime, str]]:
        """One episode from its request (or step-down) to its closure: (closed at, reason)."""
        model = self.sim.model
        if origin == "request":
            source = pick(self.rng, data.REFERRAL_SOURCES)
            wrong = self.rng.random() < 0.03
            stated = (
                self.rng.choice([s for s in data.REFERRAL_SOURCES if s != source])
                if wrong
                else source
            )
            result = yield self.do(
                at, RequestSupport, actor=self.front_door, source=stated, personal=self.notes(0.5)
            )
            if wrong:
                entry_id = result.ids["entry_id"]
                fixed_at = self.later(at, 1, 20)
                change = FieldChange("source", source)
                self.correct_later(
                    fixed_at, self.front_door, entry_id, reason="wrong_code", change=change
                )
        else:
            yield self.do(at, StepDown, actor=self.front_door)
        opened = at
        at = self.later(at, 1, 14)
        declined = self.sim.quotas.support.chance(model.declined[origin])
        yield self.do(at, DecideSupport, actor=self.front_door, agreed=not declined)
        if declined:
            at = self.later(at, 0, 7)
            yield self.do(at, CloseEpisode, actor=self.front_door, reason="family_declined")
            return at, "family_declined"

        lead = self.practitioner(pick(self.rng, data.LEAD_AGENCIES), "lead_practitioner")
        at = self.later(at, 0, 7)
        yield self.do(
            at,
            AssignLeadPractitioner,
            actor=self.front_door,
            practitioner_id=lead.user_id,
            agency=lead.agency,
        )
        if self.rng.random() < (0.7 if not any(c.in_force for c in self.consents) else 0.2):
            at = self.later(at, 0, 3)
            yield from self.give_consent(at, lead)

        at = self.later(at, 0, 10)
        started = yield self.do(at, StartAssessment, actor=lead)
        for _ in range(self.rng.randint(1, 2)):
            at = self.later(at, 2, 10)
            yield from self.contact(at, lead.agency, reason="check_in", actor=lead)
        if self.rng.random() < 0.5:
            at = self.later(at, 1, 7)
            yield from self.share(
                at, lead, self.rng.choice(("school", "health_visiting", "gp")), purpose="assessment"
            )

        planned = not self.sim.quotas.plan.chance(model.no_plan)
        ending = self.sim.quotas.closure.choose(model.plan_closure) if planned else "no_plan"
        needs = self.needs()
        level = self.level_of_need(ending, origin)
        strengths = tuple(self.rng.sample([n for n in data.NEEDS if n not in needs], 2))
        factors = tuple(dict.fromkeys(self.rng.choice(data.FACTORS[n]) for n in needs))
        at = self.later(at, 10, 35)
        yield self.do(
            at,
            CompleteAssessment,
            actor=lead,
            assessment_id=started.ids["assessment_id"],
            level_of_need=level,
            needs=needs,
            strengths=strengths,
            factors=factors,
            personal=self.notes(0.6),
        )
        for headline in needs:
            yield from self.evidence(at, headline, good=False, since=opened - timedelta(days=90))
        if not planned:
            at = self.later(at, 1, 14)
            reason = "universal_services" if level == "universal" else "no_further_action"
            yield self.do(at, CloseEpisode, actor=lead, reason=reason)
            return at, reason
        return (yield from self.plan_phase(at, lead, needs, ending))

    def needs(self) -> tuple[str, ...]:
        count = self.rng.choices((1, 2, 3, 4), weights=(25, 35, 25, 15))[0]
        chosen: list[str] = []
        while len(chosen) < count:
            need = pick(self.rng, data.NEEDS)
            if need not in chosen:
                chosen.append(need)
        return tuple(chosen)

    def level_of_need(self, ending: str, origin: str) -> str:
        if ending == "step_up" or origin == "step_down":
            return pick(self.rng, {"partnership_plus": 65, "statutory": 35})
        if ending == "no_plan":
            return pick(self.rng, {"universal": 50, "universal_plus": 50})
        return pick(
            self.rng, {"universal_plus": 45, "partnership_plus": 48, "statutory": 4, "universal": 3}
        )

    def give_consent(self, at: datetime, lead: Actor) -> Steps[None]:
        agencies = tuple(self.rng.sample(data.CONSENT_AGENCIES, self.rng.randint(2, 4)))
        purposes = ["coordinating_support", "assessment", "plan_delivery"]
        purposes = self.rng.sample(purposes, self.rng.randint(1, 3))
        if "children_social_care" in agencies and self.rng.random() < 0.6:
            purposes.append("escalation")
        adult = self.people[0].member_id
        result = yield self.do(
            at, GiveConsent, actor=lead, given_by=adult, agencies=agencies, purposes=tuple(purposes)
        )
        self.consents.append(Consent(result.ids["consent_id"], agencies, tuple(purposes)))

    def share(self, at: datetime, lead: Actor, agency: str, *, purpose: str) -> Steps[None]:
        """Share information: on consent when it covers the agency and purpose, otherwise on
        safeguarding grounds (police, social care) or as a public task."""
        if self.consent_for(agency, purpose):
            basis = "consent"
        elif agency in ("police", "children_social_care"):
            basis, purpose = "safeguarding", "safeguarding"
        else:
            basis = "public_task"
        categories = data.CATEGORIES.get(agency, ("contact_details", "coordination", "plan"))
        yield self.do(
            at,
            ShareInformation,
            actor=lead,
            with_agency=agency,
            categories=categories,
            purpose=purpose,
            lawful_basis=basis,
            personal=self.notes(0.2),
        )

    def plan_phase(
        self, at: datetime, lead: Actor, needs: tuple[str, ...], ending: str
    ) -> Steps[tuple[datetime, str]]:
        """From the plan to the closure: reviews about every six weeks (a quarter of them
        late), work in between, and the ending drawn for this plan."""
        rng = self.rng
        at = self.later(at, 3, 21)
        work = yield from self.agree_plan(at, lead, needs, ending)
        reviews = rng.randint(1, 3) if ending == "step_up" else rng.randint(2, 6)
        decisions = ["continue"] * (reviews - 1) + [data.FINAL_DECISIONS.get(ending, "close")]
        if reviews > 1 and rng.random() < 0.2:
            decisions[rng.randrange(reviews - 1)] = "revise"
        if ending != "step_up" and reviews > 1 and rng.random() < 0.06:
            decisions[rng.randrange(reviews - 1)] = "escalate"  # social care will decline
        for number, decision in enumerate(decisions, start=1):
            gap = rng.randint(35, 49) if rng.random() < 0.75 else rng.randint(49, 70)
            due = at + timedelta(days=gap)
            if number == reviews and ending in data.NO_FINAL_REVIEW:
                break  # no work in between after the last review: the closure is the last entry
            yield from self.between_reviews(at, gap, work)
            at = office_hours(due, rng)
            at = yield from self.review(at, work, decision, stage=number / reviews)
        return (yield from self.close_plan(at, work))

    def agree_plan(
        self, at: datetime, lead: Actor, needs: tuple[str, ...], ending: str
    ) -> Steps[Casework]:
        targets = [(at + timedelta(days=self.rng.randint(90, 270))).date() for _ in needs]
        outcomes = tuple(NewOutcome(n, t) for n, t in zip(needs, targets, strict=True))
        actions = self.actions(at, needs, tuple(range(len(needs))))
        result = yield self.do(
            at, AgreePlan, actor=lead, outcomes=outcomes, actions=actions, personal=self.notes(0.5)
        )
        ids = [result.ids[f"outcome_id_{n}"] for n in range(len(outcomes))]
        owners = tuple(dict.fromkeys(a.owner_agency for a in actions))
        plan = Plan(result.ids["plan_id"], list(zip(ids, needs, targets, strict=True)), owners)
        return Casework(lead, plan, at, ending)

    def between_reviews(self, at: datetime, gap: int, work: Casework) -> Steps[None]:
        """Contacts about plan actions; sometimes sharing, a consent withdrawn, a new lead."""
        rng = self.rng
        chores = ["contact"] * rng.randint(1, 3)
        chores += ["share"] * (rng.random() < 0.3)
        chores += ["withdraw"] * (rng.random() < 0.03 and any(c.in_force for c in self.consents))
        chores += ["new_lead"] * (rng.random() < 0.04)
        days = sorted(rng.sample(range(2, gap - 2), len(chores)))
        for chore, day in zip(chores, days, strict=True):
            when = office_hours(at + timedelta(days=day), rng)
            if chore == "contact":
                agency = rng.choice((*work.plan.owners, work.lead.agency))
                yield from self.contact(when, agency, reason="plan_action")
            elif chore == "share":
                agency = rng.choice(work.plan.owners)
                yield from self.share(when, work.lead, agency, purpose="plan_delivery")
            elif chore == "withdraw":
                consent = next(c for c in self.consents if c.in_force)
                consent.in_force = False
                yield self.do(when, WithdrawConsent, actor=work.lead, consent_id=consent.consent_id)
            else:
                lead = self.practitioner(work.lead.agency, "lead_practitioner")
                if lead.user_id != work.lead.user_id:
                    work.lead = lead
                    yield self.do(
                        when,
                        AssignLeadPractitioner,
                        actor=self.front_door,
                        practitioner_id=lead.user_id,
                        agency=lead.agency,
                    )

    def review(
        self, at: datetime, work: Casework, decision: str, *, stage: float
    ) -> Steps[datetime]:
        """A review of every current outcome; a revision or an escalation may follow."""
        good = work.ending in data.GOOD_ENDINGS
        achieved = decision == "close" and work.ending == "outcomes_met"
        progress = tuple(
            OutcomeProgress(outcome_id, self.rating(stage, good=good, achieved=achieved))
            for outcome_id, _, _ in work.plan.outcomes
        )
        review: dict[str, Any] = {
            "plan_id": work.plan.plan_id,
            "progress": progress,
            "decision": "step_up" if decision == "escalate" else decision,
            "attendees": tuple(dict.fromkeys((work.lead.agency, *work.plan.owners))),
            "personal": self.notes(0.4),
        }
        yield self.do(at, HoldReview, actor=work.lead, **review)
        if self.rng.random() < 0.01:  # saved twice by mistake; the duplicate is retracted
            twice = yield self.do(at + timedelta(minutes=3), HoldReview, actor=work.lead, **review)
            self.retract_later(
                self.later(at, 1, 10), work.lead, twice.ids["entry_id"], reason="duplicate"
            )
        if decision == "revise":
            at = self.later(at, 0, 7)
            work.plan = yield from self.revise(at, work.lead, work.plan)
        elif decision == "escalate":
            at = yield from self.escalate(at, work.lead, "children_social_care", accepted=False)
        if self.rng.random() < 0.25:
            headline = self.rng.choice([h for _, h, _ in work.plan.outcomes])
            yield from self.evidence(at, headline, good=good and stage > 0.5, since=work.agreed)
        return at

    def close_plan(self, at: datetime, work: Casework) -> Steps[tuple[datetime, str]]:
        """Escalate if the ending needs it, evidence the outcomes, close, and follow up."""
        ending = work.ending
        if ending == "step_up":
            at = yield from self.escalate(at, work.lead, "children_social_care", accepted=True)
        elif ending == "specialist_service":
            headlines = [h for _, h, _ in work.plan.outcomes]
            specialist = next(
                (data.SPECIALISTS[h] for h in headlines if h in data.SPECIALISTS), "camhs"
            )
            at = yield from self.escalate(at, work.lead, specialist, accepted=True)
        at = self.later(at, 0, 5)
        for _, headline, _ in work.plan.outcomes:
            good = ending in data.GOOD_ENDINGS
            yield from self.evidence(at, headline, good=good, since=work.agreed)
        statuses = tuple(OutcomeStatus(i, self.status(ending)) for i, _, _ in work.plan.outcomes)
        closed = yield self.do(
            at,
            CloseEpisode,
            actor=work.lead,
            reason=ending,
            outcome_statuses=statuses,
            personal=self.notes(0.5),
        )
        episode_id = closed.ids["episode_id"]
        good = ending in data.GOOD_ENDINGS
        self.sim.spawn(audit_after_closure(self.app, self.family_id, episode_id, at,
                                           area=self.area, good=good))  # fmt: skip
        if ending != "step_up":
            headlines = [h for _, h, _ in work.plan.outcomes]
            self.sim.spawn(self.follow_ups(at, headlines, held=ending == "outcomes_met"))
        return at, ending

    def actions(
        self, at: datetime, needs: Sequence[str], outcomes: Sequence[UUID | int]
    ) -> tuple[NewAction, ...]:
        actions = []
        for need, outcome in zip(needs, outcomes, strict=True):
            owners = data.OWNERS[need]
            for owner in self.rng.sample(owners, self.rng.randint(1, min(2, len(owners)))):
                due = (at + timedelta(days=self.rng.randint(30, 120))).date()
                actions.append(NewAction(outcome, owner, due))
        return tuple(actions)

    def revise(self, at: datetime, lead: Actor, plan: Plan) -> Steps[Plan]:
        """A plan revision: targets moved on, and an outcome added or (rarely) dropped."""
        floor = (at + timedelta(days=60)).date()
        kept = [(i, h, max(t, floor)) for i, h, t in plan.outcomes]
        if len(kept) > 1 and self.rng.random() < 0.2:
            kept.pop(self.rng.randrange(len(kept)))
        missing = [n for n in data.NEEDS if n not in {h for _, h, _ in kept}]
        added = self.rng.sample(missing, self.rng.randint(0, 1))
        outcomes = (
            *(NewOutcome(h, t, outcome_id=i) for i, h, t in kept),
            *(
                NewOutcome(h, (at + timedelta(days=self.rng.randint(90, 200))).date())
                for h in added
            ),
        )
        refs: list[UUID | int] = [i for i, _, _ in kept]
        refs += [len(kept) + n for n in range(len(added))]
        actions = self.actions(at, [o.headline_outcome for o in outcomes], refs)
        result = yield self.do(
            at,
            RevisePlan,
            actor=lead,
            plan_id=plan.plan_id,
            outcomes=outcomes,
            actions=actions,
            personal=self.notes(0.3),
        )
        ids = [o.outcome_id or result.ids[f"outcome_id_{n}"] for n, o in enumerate(outcomes)]
        return Plan(
            plan.plan_id,
            [(i, o.headline_outcome, o.target_date) for i, o in zip(ids, outcomes, strict=True)],
            tuple(dict.fromkeys(a.owner_agency for a in actions)),
        )

    def escalate(self, at: datetime, lead: Actor, to: str, *, accepted: bool) -> Steps[datetime]:
        """Escalate and record the receiving service's response; returns when it answered."""
        if to == "children_social_care":
            reason = pick(self.rng, data.ESCALATION_REASONS)
            covered = self.consent_for(to, "escalation")
            basis, flagged = (
                ("consent", self.rng.random() < 0.6) if covered else ("safeguarding", True)
            )
        else:
            reason = "specialist_assessment"
            covered = self.consent_for(to, "escalation")
            basis, flagged = ("consent" if covered else "public_task"), False
        at = self.later(at, 0, 3)
        raised = yield self.do(
            at,
            RaiseEscalation,
            actor=lead,
            to_service=to,
            reason=reason,
            safeguarding=flagged,
            lawful_basis=basis,
            personal=self.notes(0.6),
        )
        at = self.later(at, 1, 10)
        partner = self.practitioner(to, "partner")
        yield self.do(
            at,
            RespondToEscalation,
            actor=partner,
            escalation_id=raised.ids["escalation_id"],
            response="accepted" if accepted else "declined",
        )
        return at

    def rating(self, stage: float, *, good: bool, achieved: bool) -> str:
        if achieved:
            return "achieved"
        if good:
            weights = {
                "some_progress": 50,
                "good_progress": 40 * stage + 5,
                "no_change": 20 * (1 - stage),
                "achieved": 10 * stage,
            }
        else:
            weights = {
                "no_change": 35,
                "worse": 15 + 15 * stage,
                "some_progress": 30,
                "not_started": 10 * (1 - stage),
            }
        return pick(self.rng, weights)

    def status(self, ending: str) -> str:
        if ending == "outcomes_met":
            return "achieved"
        weights = {
            "universal_services": {"achieved": 50, "partly_achieved": 45, "no_longer_relevant": 5},
            "no_further_action": {"achieved": 40, "partly_achieved": 40, "no_longer_relevant": 20},
            "moved_away": {"partly_achieved": 50, "not_achieved": 20, "no_longer_relevant": 30},
            "specialist_service": {"partly_achieved": 60, "not_achieved": 40},
        }.get(ending, {"partly_achieved": 40, "not_achieved": 60})
        return pick(self.rng, weights)
