"""The case audit form, `/web/families/{family_id}/case-audit`, for QA officers: a grade per
practice standard (Ofsted's four-point scale), findings and up to three actions with owners
and due dates, recorded through the same command as POST /families/{id}/case-audits.

The session cookie authenticates reads only (api.common.deps): this one form is the exception,
posted from this site's own page only (Fetch Metadata, as signing in is; the cookie is
SameSite=Strict), by a QA officer, under the same access rules as the JSON route. A refused
audit is an error page saying which rule or value (api.web.pages.PageRoute).

The page lists the open actions of the family's case audits (the case-audits view), each
with a button posting its completion (`/web/families/{family_id}/case-audit/completion`):
the command POST /families/{id}/case-audits/{audit_id}/actions/{action_id}/completion runs
(CompleteAuditAction, recorded as CaseAuditActionCompleted), under the same rules.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Annotated, Any
from urllib.parse import parse_qsl
from uuid import UUID

import anyio.to_thread
from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from api.common.deps import (
    FamilyRead,
    JourneyReader,
    JourneysDep,
    access_decision,
    check_role,
    refusal,
    require_roles,
)
from api.common.errors import NotAuthenticatedError
from api.common.permissions import ALLOWED, Action
from api.common.reads_timeline import timeline_page
from api.web.pages import PageRoute, signed_in
from api.web.pages_family import day_asked
from api.web.session import MAX_FORM_BYTES, require_own_site
from api.web.templating import render
from domain.access import Route
from domain.commands import Command, CompleteAuditAction, NewAuditAction, RecordCaseAudit
from domain.errors import InvalidValueError
from domain.values import Actor, StandardGrade
from infra.bootstrap import Journeys
from infra.tokens import Identity
from projections.timeline import MAX_LIMIT

router = APIRouter(prefix="/web", include_in_schema=False, route_class=PageRoute)

ACTION_ROWS = 3
OPENINGS = ("SupportRequested", "SteppedDown")


# The role first, before the family is looked up: another role hears 403, not 404.
Auditor = Annotated[Identity, Depends(require_roles(*ALLOWED[Action.AUDIT]))]


@router.get("/families/{family_id}/case-audit")
def case_audit_form(auditor: Auditor, read: JourneyReader, journeys: JourneysDep) -> HTMLResponse:
    day = day_asked(journeys, read, None)
    lists = journeys.app.codes.lists
    return render(
        "case_audit.html",
        read.identity,
        title="Record a case audit",
        family_id=str(read.family_id),
        episodes=episodes_of(journeys, read),
        standards=lists["practice_standard"],
        grades=lists["ofsted_grade"],
        findings=lists["audit_finding"],
        agencies=lists["agency"],
        rows=range(ACTION_ROWS),
        today=day.today,
        open_actions=open_actions(journeys, read.family_id, day.today),
    )


@router.post("/families/{family_id}/case-audit")
async def record_case_audit(family_id: UUID, request: Request, journeys: JourneysDep) -> Any:
    await posted(request, journeys, family_id, lambda actor, pairs: command_of(
        journeys, family_id, actor, pairs))  # fmt: skip
    return RedirectResponse(f"/web/families/{family_id}", status_code=303)


@router.post("/families/{family_id}/case-audit/completion")
async def complete_audit_action(family_id: UUID, request: Request, journeys: JourneysDep) -> Any:
    def command(actor: Actor, pairs: list[tuple[str, str]]) -> CompleteAuditAction:
        form, what = dict(pairs), "choose the action completed"
        audit_id, action_id = uuid_of(form, "audit_id", what), uuid_of(form, "action_id", what)
        now = journeys.app.clock()
        return CompleteAuditAction(actor=actor, occurred_at=now, family_id=family_id,
                                   audit_id=audit_id, action_id=action_id)  # fmt: skip

    await posted(request, journeys, family_id, command)
    return RedirectResponse(f"/web/families/{family_id}/case-audit", status_code=303)


async def posted(
    request: Request,
    journeys: Journeys,
    family_id: UUID,
    command: Callable[[Actor, list[tuple[str, str]]], Command],
) -> None:
    """Run the command a QA officer's form on this site asks for, under the JSON route's
    rules: this site's own page, signed in, the role, access to the family."""
    require_own_site(request)
    identity = signed_in(request)
    if identity is None:
        raise NotAuthenticatedError("sign in to record a case audit")
    check_role(identity, ALLOWED[Action.AUDIT])
    body = (await request.body())[:MAX_FORM_BYTES].decode("utf-8", "replace")
    pairs = parse_qsl(body)
    actor = Actor(identity.user_id, identity.role, identity.agency)

    def record() -> None:
        decision = access_decision(journeys, identity, family_id)
        if not decision.allows(Route.COMMAND):
            raise refusal(decision, Route.COMMAND)
        journeys.app.handle(command(actor, pairs))

    await anyio.to_thread.run_sync(record)


def open_actions(journeys: Journeys, family_id: UUID, today: date) -> list[dict[str, Any]]:
    """The open actions of the family's case audits (not retracted), the soonest due first:
    audit id, action id, owner, due day, overdue (after its due day), the audit's day."""
    _, doc = journeys.views.read("case_audits", str(family_id))
    found = [
        {"audit_id": audit_id, "action_id": action_id, "owner": action["owner"],
         "due_on": date.fromisoformat(action["due_on"]),
         "audited_on": audit["audited_at"][:10]}
        for audit_id, audit in (doc or {}).get("audits", {}).items() if not audit["retracted"]
        for action_id, action in audit["actions"].items() if not action["completed_at"]
    ]  # fmt: skip
    for action in found:
        action["overdue"] = action["due_on"] < today
    return sorted(found, key=lambda a: (a["due_on"], a["action_id"]))


def episodes_of(journeys: Journeys, read: FamilyRead) -> list[tuple[str, str]]:
    """(episode id, the day it opened) of each of the family's episodes, the latest first:
    the entries that opened one, as the timeline route answers them, retracted ones left out."""
    found: list[tuple[str, str]] = []
    after: str | None = None
    while True:
        answer = timeline_page(read, journeys, after=after, limit=MAX_LIMIT)
        found += [
            (str(e.episode_id), e.occurred_at.date().isoformat())
            for e in answer.entries
            if e.type in OPENINGS and e.retracted is None and e.episode_id is not None
        ]
        after = answer.next
        if after is None:
            return list(reversed(found))


def uuid_of(form: dict[str, str], name: str, what: str) -> UUID:
    """The form's id under `name`; a 422 saying `what` to do if it is not one."""
    try:
        return UUID(form.get(name, ""))
    except ValueError:
        raise InvalidValueError(name, what) from None


def command_of(
    journeys: Journeys, family_id: UUID, actor: Actor, pairs: list[tuple[str, str]]
) -> RecordCaseAudit:
    """The command the form asks for: each graded standard, each finding ticked, each action
    row with an owner."""
    form = dict(pairs)
    grades = tuple(
        StandardGrade(name.removeprefix("grade."), grade)
        for name, grade in pairs
        if name.startswith("grade.") and grade
    )
    actions = []
    for n in range(ACTION_ROWS):
        owner, due = form.get(f"owner.{n}", ""), form.get(f"due.{n}", "")
        if owner:
            try:
                actions.append(NewAuditAction(owner, date.fromisoformat(due)))
            except ValueError:
                raise InvalidValueError(f"actions.{n}.due_date", "give the day it is due") from None
    return RecordCaseAudit(
        family_id=family_id,
        actor=actor,
        occurred_at=journeys.app.clock(),
        episode_id=uuid_of(form, "episode_id", "choose the episode audited"),
        grades=grades,
        findings=tuple(value for name, value in pairs if name == "finding"),
        actions=tuple(actions),
    )
