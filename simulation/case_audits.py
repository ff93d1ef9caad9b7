"""Case audits of a simulated family's closed episodes: a QA officer audits a share of them
some weeks after closure (a grade per practice standard, findings, actions with owners and
due dates), and the owners complete most actions later, some after they fell due, some
never, so the demo's audit queue has open and overdue actions to show.

The draws are made from a random generator of the episode's own (seeded by its id, itself
drawn from the simulation's seeded ids), so auditing leaves every other draw of the family,
and so the calibrated figures, as they were."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import date, datetime, timedelta
from functools import partial
from uuid import UUID

from domain.commands import Command, CompleteAuditAction, NewAuditAction, RecordCaseAudit
from domain.values import Actor, StandardGrade
from simulation.family_base import Do, Handler, Process, office_hours, pick

SHARE = 0.25  # of closed episodes, audited
OWNERS = ("early_help", "school", "health")
# Grades by how the episode ended: a good ending is graded better, mostly.
GOOD = {"outstanding": 0.15, "good": 0.55, "requires_improvement": 0.25, "inadequate": 0.05}
POOR = {"outstanding": 0.02, "good": 0.3, "requires_improvement": 0.45, "inadequate": 0.23}
COMPLETED = 0.7  # of actions, completed in the end


def audit_after_closure(
    app: Handler, family_id: UUID, episode_id: UUID, closed_at: datetime, *, area: str, good: bool
) -> Process:
    """Perhaps a case audit of the closed episode, 2 to 8 weeks on, then its completions."""
    rng = random.Random(episode_id.int)
    if rng.random() >= SHARE:
        return
    qa = Actor(f"qa-{area.replace('_', '-')}-{rng.randint(1, 3):02d}", "qa_officer", "early_help")

    def do(at: datetime, command: Callable[..., Command], **kwargs: object) -> Do:
        made = partial(command, family_id=family_id, actor=qa, occurred_at=at, **kwargs)
        lag = timedelta(minutes=rng.randint(5, 600))
        return Do(at, lag, lambda: app.handle(made()))

    at = office_hours(closed_at + timedelta(days=rng.randint(14, 56)), rng)
    weights = GOOD if good else POOR
    standards = app.codes.codes("practice_standard")
    grades = tuple(
        StandardGrade(standard, pick(rng, weights))
        for standard in rng.sample(standards, rng.randint(3, len(standards)))
    )
    findings = app.codes.codes("audit_finding")
    found = tuple(rng.sample(findings, rng.randint(0 if good else 1, min(2, len(findings)))))
    dues = [(at + timedelta(days=rng.randint(14, 60))).date() for _ in range(rng.randint(0, 2))]
    actions = tuple(NewAuditAction(rng.choice(OWNERS), due) for due in dues)
    result = yield do(at, RecordCaseAudit, episode_id=episode_id, grades=grades,
                      findings=found, actions=actions)  # fmt: skip
    completions = sorted(
        (max(completed_on(rng, at, due), at + timedelta(days=1)), n)
        for n, due in enumerate(dues)
        if rng.random() < COMPLETED
    )
    for done, n in completions:
        yield do(done, CompleteAuditAction, audit_id=result.ids["audit_id"],
                 action_id=result.ids[f"action_id_{n}"])  # fmt: skip


def completed_on(rng: random.Random, audited_at: datetime, due: date) -> datetime:
    """When an action is completed: mostly a few days before it is due, some weeks after."""
    days = round(rng.triangular(-12, 30, -3))
    return office_hours(datetime.combine(due, audited_at.timetz()) + timedelta(days=days), rng)
