"""Practice standards as data: a versioned rule set that projections.findings checks each
family's record against.

A rule set has an id (`practice-2026-1`); each rule its own id, version, severity and
parameters. Changing what a rule means gives it a new version (and the set a new id);
changing a parameter locally is a setting (`JOURNEYS_PRACTICE_STANDARDS`, JSON
`{"rule id": {"parameter": value}}`), applied by `with_overrides`. Working days are days in
England that are neither weekends nor bank holidays (projections.working_days).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from enum import StrEnum
from types import MappingProxyType


class Severity(StrEnum):
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"


# The order an audit queue works through findings: most severe first.
SEVERITY_ORDER: Mapping[str, int] = {Severity.HIGH: 0, Severity.MEDIUM: 1, Severity.LOW: 2}


@dataclass(frozen=True)
class Rule:
    """One practice standard. `expected` is shown with the parameters filled in."""

    id: str
    version: int
    severity: Severity
    expected: str
    parameters: Mapping[str, int] = field(default_factory=dict)

    def describe(self) -> str:
        return self.expected.format(**self.parameters)


@dataclass(frozen=True)
class RuleSet:
    id: str
    rules: tuple[Rule, ...]

    def rule(self, rule_id: str) -> Rule:
        return next(rule for rule in self.rules if rule.id == rule_id)

    def with_overrides(self, overrides: Mapping[str, Mapping[str, int]]) -> RuleSet:
        """The set with some rules' parameters changed (unknown rules or parameters refused)."""
        known = {rule.id: rule for rule in self.rules}
        for rule_id, changes in overrides.items():
            if rule_id not in known:
                raise ValueError(f"no practice standard {rule_id!r} in {self.id}")
            unknown = set(changes) - set(known[rule_id].parameters)
            if unknown:
                raise ValueError(f"{rule_id} has no parameter {sorted(unknown)[0]!r}")
            if any(not isinstance(v, int) or v < 0 for v in changes.values()):
                raise ValueError(f"{rule_id}: parameters are whole numbers of days, 0 or more")
        return replace(
            self,
            rules=tuple(
                replace(
                    rule,
                    parameters=MappingProxyType({**rule.parameters, **overrides.get(rule.id, {})}),
                )
                for rule in self.rules
            ),
        )


def _params(**values: int) -> Mapping[str, int]:
    return MappingProxyType(values)


LEAD_ASSIGNED = "lead-assigned"
ASSESSMENT_COMPLETED = "assessment-completed"
PLAN_AGREED = "plan-agreed"
FIRST_REVIEW = "first-review"
REVIEW_INTERVAL = "review-interval"
OUTCOMES_HEADLINED = "outcomes-headlined"
SHARING_BASIS = "sharing-basis"
ESCALATION_ANSWERED = "escalation-answered"
CLOSURE_STATUSES = "closure-statuses"

PRACTICE_2026_1 = RuleSet(
    id="practice-2026-1",
    rules=(
        Rule(
            LEAD_ASSIGNED,
            1,
            Severity.MEDIUM,
            "a lead practitioner assigned within {working_days} working days of the request "
            "for support",
            _params(working_days=5),
        ),
        Rule(
            ASSESSMENT_COMPLETED,
            1,
            Severity.MEDIUM,
            "the assessment completed within {working_days} working days of the request for "
            "support",
            _params(working_days=15),
        ),
        Rule(
            PLAN_AGREED,
            1,
            Severity.MEDIUM,
            "a plan agreed within {days} days of the completed assessment",
            _params(days=20),
        ),
        Rule(
            FIRST_REVIEW,
            1,
            Severity.MEDIUM,
            "the first review within {days} days of the plan being agreed",
            _params(days=42),
        ),
        Rule(
            REVIEW_INTERVAL,
            1,
            Severity.MEDIUM,
            "reviews at most {days} days apart while the episode is open",
            _params(days=42),
        ),
        Rule(
            OUTCOMES_HEADLINED,
            1,
            Severity.LOW,
            "every outcome of a plan tied to a headline outcome",
        ),
        Rule(
            SHARING_BASIS,
            1,
            Severity.HIGH,
            "consent in force for the agency, or another lawful basis, before information is "
            "shared",
        ),
        Rule(
            ESCALATION_ANSWERED,
            1,
            Severity.HIGH,
            "an escalation answered within {working_days} working day(s)",
            _params(working_days=1),
        ),
        Rule(
            CLOSURE_STATUSES,
            1,
            Severity.LOW,
            "a closure states a status for every outcome of the plan",
        ),
    ),
)

RULE_SETS: Mapping[str, RuleSet] = {PRACTICE_2026_1.id: PRACTICE_2026_1}
CURRENT = PRACTICE_2026_1.id
