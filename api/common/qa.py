"""The practice-standard findings the QA routes and the QA page show (projections.findings
over the findings view), with the rule set of the settings (domain.standards), and who may
read them (`Auditor`); in the audit queue, each audited episode's latest case audit (the
case-audits view): its grades, its worst grade, and its open actions, overdue ones from the
day after they fall due."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Annotated, Any

from fastapi import Depends

from api.common.deps import require_roles
from api.common.permissions import ALLOWED, Action
from domain.errors import InvalidValueError
from domain.standards import CURRENT, RULE_SETS, RuleSet
from infra.bootstrap import Journeys
from infra.tokens import Identity
from projections.findings import Finding, findings, queue
from projections.working_days import local_day

VIEW = "findings"  # projections.findings_view
AUDITS = "case_audits"  # projections.case_audits
GRADES = ("outstanding", "good", "requires_improvement", "inadequate")  # Ofsted, best first

Auditor = Annotated[Identity, Depends(require_roles(*ALLOWED[Action.READ_FINDINGS]))]


@dataclass(frozen=True)
class Filters:
    area: str | None = None
    rule: str | None = None
    severity: str | None = None
    open: bool | None = None
    as_recorded_at: datetime | None = None  # the record as it stood then; "today" its day

    def keep(self, finding: Finding) -> bool:
        return (
            (self.rule is None or finding.rule_id == self.rule)
            and (self.severity is None or finding.severity == self.severity)
            and (self.open is None or finding.open == self.open)
        )


@dataclass(frozen=True)
class OpenAction:
    action_id: str
    owner: str
    due_on: date
    overdue: bool


@dataclass(frozen=True)
class LatestAudit:
    """An episode's latest case audit (not retracted), as the queue shows it."""

    audit_id: str
    audited_at: datetime
    grade: str | None  # the worst of its grades
    grades: dict[str, str]
    open_actions: tuple[OpenAction, ...]


@dataclass(frozen=True)
class Answer:
    rule_set: RuleSet
    today: date
    position: int
    findings: list[Finding]
    audits: dict[str, LatestAudit] = field(default_factory=dict)  # episode id ->


def _latest(audit_id: str, audit: dict[str, Any], today: date) -> LatestAudit:
    grades: dict[str, str] = dict(audit["grades"])
    known = [g for g in grades.values() if g in GRADES]
    actions = [
        OpenAction(action_id, a["owner"], due, due < today)
        for action_id, a in audit["actions"].items()
        if not a["completed_at"] and (due := date.fromisoformat(a["due_on"]))
    ]
    return LatestAudit(
        audit_id=audit_id,
        audited_at=datetime.fromisoformat(audit["audited_at"]),
        grade=max(known, key=GRADES.index) if known else None,
        grades=grades,
        open_actions=tuple(sorted(actions, key=lambda a: (a.due_on, a.action_id))),
    )


def latest_audits(journeys: Journeys, area: str | None, today: date) -> dict[str, LatestAudit]:
    """Episode id -> its latest case audit not retracted, of the families of an area."""
    _, docs = journeys.views.read_tagged(AUDITS, area)
    found: dict[str, LatestAudit] = {}
    for _, doc in docs:
        for audit_id, audit in doc["audits"].items():
            if audit["retracted"]:
                continue
            latest = _latest(audit_id, audit, today)
            kept = found.get(audit["episode_id"])
            if kept is None or (kept.audited_at, kept.audit_id) < (latest.audited_at, audit_id):
                found[audit["episode_id"]] = latest
    return found


def rule_set(journeys: Journeys) -> RuleSet:
    return RULE_SETS[CURRENT].with_overrides(journeys.settings.practice_standards)


def all_findings(journeys: Journeys, filters: Filters) -> Answer:
    """Every finding of the families of an area (all areas when None), filtered; in order
    of family, then when each standard fell due."""
    rules = rule_set(journeys)
    if filters.rule is not None and filters.rule not in {rule.id for rule in rules.rules}:
        known = ", ".join(rule.id for rule in rules.rules)
        raise InvalidValueError("rule", f"no such practice standard in {rules.id}: {known}")
    today = local_day(filters.as_recorded_at or journeys.app.clock())
    headlines = frozenset(journeys.app.codes.codes("headline_outcome"))
    position, docs = journeys.views.read_tagged(VIEW, filters.area)
    found = [
        finding
        for _, doc in docs
        for finding in findings(
            doc, rules, today, headlines=headlines, as_recorded_at=filters.as_recorded_at
        )
        if filters.keep(finding)
    ]
    found.sort(key=lambda f: (f.family_id, f.due_on, f.rule_id))
    return Answer(rules, today, position, found)


def audit_queue(journeys: Journeys, filters: Filters) -> Answer:
    """The open findings, most severe first, then the longest overdue, with the latest
    case audit of each audited episode (as it stands now)."""
    answer = all_findings(journeys, replace(filters, open=True))
    found = queue(answer.findings, answer.today)
    audits = latest_audits(journeys, filters.area, answer.today)
    episodes = {f.episode_id for f in found}
    shown = {episode: audit for episode, audit in audits.items() if episode in episodes}
    return Answer(answer.rule_set, answer.today, answer.position, found, shown)
