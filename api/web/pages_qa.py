"""The QA page, `/web/qa`: the audit queue (open practice-standard findings, most severe
first, then the longest overdue) as GET /qa/queue answers it, for a form's area, rule and
severity. Families are named by id only, linked to their pages; an audited episode's rows
show its latest case audit's worst grade and its open actions (overdue ones marked)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import HTMLResponse

from api.common.deps import JourneysDep
from api.common.qa import Auditor, Filters, audit_queue
from api.web.pages import PageRoute
from api.web.templating import render
from domain.errors import InvalidValueError
from domain.standards import Severity

router = APIRouter(prefix="/web", include_in_schema=False, route_class=PageRoute)
Field = Annotated[str | None, Query(max_length=64)]


@router.get("/qa")
def qa_page(
    journeys: JourneysDep,
    identity: Auditor,
    area: Field = None,
    rule: Field = None,
    severity: Field = None,
) -> HTMLResponse:
    if severity and severity not in set(Severity):
        raise InvalidValueError("severity", "choose high, medium or low")
    answer = audit_queue(journeys, Filters(area or None, rule or None, severity or None))
    return render(
        "qa.html",
        identity,
        title="Audit queue",
        current="qa",
        areas=journeys.app.codes.lists["area"],
        severities=[str(s) for s in Severity],
        asked={"area": area or "", "rule": rule or "", "severity": severity or ""},
        answer=answer,
        grade_labels=journeys.app.codes.lists["ofsted_grade"],
    )
