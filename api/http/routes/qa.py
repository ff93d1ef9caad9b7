"""Practice-standard findings for quality assurance: every finding (filter by area, rule,
severity, open) and the audit queue (open findings, most severe first, then the oldest).
Findings name families and episodes by id only (api.common.qa, projections.findings)."""

from __future__ import annotations

from dataclasses import asdict, replace
from typing import Annotated

from fastapi import APIRouter, Depends, Query

from api.common.deps import JourneysDep, ReadAfterDep
from api.common.instants import RecordedAt, instant
from api.common.qa import AUDITS, VIEW, Answer, Auditor, Filters, all_findings, audit_queue
from api.http.responses import READS
from api.http.schemas.findings import FindingPublic, FindingsPublic, LatestAuditPublic, RulePublic
from domain.standards import Severity

router = APIRouter(tags=["quality assurance"])

LIST_READS = {status: answer for status, answer in READS.items() if status != 404}
Area = Annotated[str | None, Query(max_length=64, description="An area code; all when absent.")]
RuleId = Annotated[str | None, Query(max_length=64, description="A rule id, e.g. first-review.")]
SeverityAsked = Annotated[Severity | None, Query(description="Only findings of this severity.")]
OpenAsked = Annotated[bool | None, Query(description="Only open (true) or closed (false).")]


def public(answer: Answer) -> FindingsPublic:
    return FindingsPublic(
        rule_set=answer.rule_set.id,
        rules=[
            RulePublic(
                id=rule.id,
                version=rule.version,
                severity=str(rule.severity),
                expected=rule.describe(),
                parameters=dict(rule.parameters),
            )
            for rule in answer.rule_set.rules
        ],
        today=answer.today,
        position=answer.position,
        findings=[
            FindingPublic(**f.public(answer.today), audit=audit_of(answer, f.episode_id))
            for f in answer.findings
        ],
    )


def audit_of(answer: Answer, episode_id: str | None) -> LatestAuditPublic | None:
    audit = answer.audits.get(episode_id) if episode_id else None
    return None if audit is None else LatestAuditPublic.model_validate(asdict(audit))


def filters_asked(
    area: Area = None,
    rule: RuleId = None,
    severity: SeverityAsked = None,
    as_recorded_at: RecordedAt = None,
) -> Filters:
    return Filters(
        area,
        rule,
        None if severity is None else str(severity),
        as_recorded_at=instant("as_recorded_at", as_recorded_at),
    )


FiltersAsked = Annotated[Filters, Depends(filters_asked)]


@router.get("/qa/findings", responses=LIST_READS)
def qa_findings(
    journeys: JourneysDep,
    identity: Auditor,
    after: ReadAfterDep,
    asked: FiltersAsked,
    open: OpenAsked = None,
) -> FindingsPublic:
    """Every finding, as the record stands today; filter by area, rule, severity, open."""
    after.wait(journeys, VIEW)
    return public(all_findings(journeys, replace(asked, open=open)))


@router.get("/qa/queue", responses=LIST_READS)
def qa_queue(
    journeys: JourneysDep, identity: Auditor, after: ReadAfterDep, asked: FiltersAsked
) -> FindingsPublic:
    """The audit queue: open findings, most severe first, then the longest overdue; an
    audited episode's findings carry its latest case audit (grades, open actions)."""
    after.wait(journeys, VIEW)
    after.wait(journeys, AUDITS)
    return public(audit_queue(journeys, asked))
