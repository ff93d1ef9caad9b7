"""The practice-standard findings the QA routes and the QA page show (projections.findings
over the findings view), with the rule set of the settings (domain.standards), and who may
read them (`Auditor`)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Annotated

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
class Answer:
    rule_set: RuleSet
    today: date
    position: int
    findings: list[Finding]


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
    """The open findings, most severe first, then the longest overdue."""
    answer = all_findings(journeys, replace(filters, open=True))
    return Answer(
        answer.rule_set, answer.today, answer.position, queue(answer.findings, answer.today)
    )
