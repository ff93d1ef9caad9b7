"""The web pages: families, one family's timeline and journey, and pathways, rendered on the
server from the same reads, and under the same role rules, as the JSON routes they show.

Every value put into a page goes through `html.escape`. A page without a valid session
redirects (303) to the sign-in page; other errors are pages too, with the status and the
detail `api.errors` gives the JSON routes. The family page's date slider
(`/static/timeline.js`) swaps in the timeline fragment of the day chosen; without
JavaScript the page shows today's record and a date form.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Coroutine, Iterable, Mapping
from datetime import UTC, date, datetime
from functools import cache
from html import escape
from importlib import resources
from string import Template
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, FastAPI, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.routing import APIRoute
from fastapi.staticfiles import StaticFiles

from api.access import AccessRecording
from api.deps import SESSION_COOKIE, FamilyRead, JourneyReader, JourneysDep, ReadAfter
from api.errors import ANSWERS, NotAuthenticatedError
from api.routes import journey, pathways, timeline
from domain.codes import CodeLists
from domain.errors import InvalidValueError
from infra.bootstrap import Journeys
from infra.tokens import Identity, InvalidTokenError
from projections.timeline import MAX_LIMIT

SIGN_IN = "/session"
STATIC = "/static"
# Pages may hold personal data: never cached, never framed, no script or style from elsewhere.
PAGE_HEADERS = {
    "Cache-Control": "no-store",
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; object-src 'none'; "
    "base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
    "Referrer-Policy": "same-origin",
    "X-Content-Type-Options": "nosniff",
}
# A family's timeline is read a page at a time; a family with more entries than this is
# shown up to it, and the page says so.
MAX_ENTRIES = 20 * MAX_LIMIT
HEADINGS = {
    403: "You may not see this page",
    404: "Not found",
    409: "That cannot be done",
    422: "Something in the address is not valid",
    503: "The record cannot be reached just now",
    504: "The record is still catching up",
}


# -- the shell of every page ------------------------------------------------------------------


@cache
def template(name: str) -> Template:
    return Template(resources.files("api").joinpath("templates", name).read_text("utf-8"))


def page(
    identity: Identity | None,
    *,
    title: str,
    main: str,
    current: str = "",
    scripts: tuple[str, ...] = (),
    status: int = 200,
) -> HTMLResponse:
    """A whole page: `title` is text (escaped here); `main` is HTML made by the caller."""
    html = template("page.html").substitute(
        title=escape(title),
        scripts="".join(f'<script src="{STATIC}/{escape(s)}" defer></script>' for s in scripts),
        families_current=' aria-current="page"' if current == "families" else "",
        pathways_current=' aria-current="page"' if current == "pathways" else "",
        who=who(identity),
        main=main,
    )
    return HTMLResponse(html, status_code=status, headers=PAGE_HEADERS)


ROLE_NAMES = {"qa_officer": "QA officer"}


def who(identity: Identity | None) -> str:
    if identity is None:
        return f'<div class="who"><a href="{SIGN_IN}">Sign in</a></div>'
    role = ROLE_NAMES.get(identity.role, words(identity.role).lower())
    return (
        f'<div class="who"><span>Signed in as <strong>{escape(identity.user_id)}</strong> '
        f"({escape(role)}, {escape(identity.agency)})</span>"
        f'<form method="post" action="{SIGN_IN}/end"><button type="submit">Sign out</button>'
        "</form></div>"
    )


def signed_in(request: Request) -> Identity | None:
    """The session's identity, if the request carries a valid one (for error pages)."""
    token = request.cookies.get(SESSION_COOKIE)
    if token is None:
        return None
    journeys: Journeys = request.app.state.journeys
    try:
        return journeys.tokens.verify(token)
    except InvalidTokenError:
        return None


def sign_in_redirect(request: Request) -> RedirectResponse:
    back = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return RedirectResponse(f"{SIGN_IN}?{urlencode({'next': back})}", status_code=303)


def error_page(request: Request, status: int, detail: str) -> HTMLResponse:
    heading = HEADINGS.get(status, "Something went wrong")
    main = template("error.html").substitute(
        heading=escape(heading),
        detail=escape(detail),
        next_step='<a href="/web/families">Back to the families</a>',
    )
    return page(signed_in(request), title=heading, main=main, status=status)


def answer_for(exc: Exception) -> Callable[[Any], Response] | None:
    """How `api.errors` answers this error (the nearest class in its MRO), unless only as
    the catch-all: that one is left to the server, which logs it."""
    for kind in type(exc).__mro__:
        if kind is Exception:
            return None
        if kind in ANSWERS:
            return ANSWERS[kind]
    return None


class PageRoute(APIRoute):
    """A route whose errors are pages: no session is a 303 to the sign-in page; any other
    error a page with the status and detail the JSON routes would answer."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handle = super().get_route_handler()

        async def handle_page(request: Request) -> Response:
            try:
                return await handle(request)
            except NotAuthenticatedError:
                return sign_in_redirect(request)
            except Exception as exc:
                answer = answer_for(exc)
                if answer is None:
                    raise
                response = answer(exc)
                detail = json.loads(bytes(response.body)).get("detail", "")
                return error_page(request, response.status_code, str(detail))

        return handle_page


router = APIRouter(prefix="/web", tags=["pages"], include_in_schema=False, route_class=PageRoute)


def mount_static(app: FastAPI) -> None:
    app.mount(STATIC, StaticFiles(packages=[("api", "static")]), name="static")


# -- small pieces ----------------------------------------------------------------------------


def words(code: str) -> str:
    """`ContactRecorded` or `contact_recorded` -> `Contact recorded`."""
    spaced = re.sub(r"(?<=[a-z])(?=[A-Z])", " ", code).replace("_", " ")
    return spaced[:1].upper() + spaced[1:].lower()


def label(codes: CodeLists, list_name: str, code: Any) -> str:
    return codes.label(list_name, str(code)) if code is not None else "—"


def long_date(day: date) -> str:
    return f"{day.day} {day:%B %Y}"


def moment(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


def time_tag(text: str) -> str:
    when = moment(text)
    return (
        f'<time datetime="{escape(when.isoformat())}"><span class="day">{when.day} '
        f'{when:%b %Y}</span> <span class="hour">{when:%H:%M}</span></time>'
    )


def options(choices: Mapping[str, str], selected: str | None, *, blank: str) -> str:
    rows = [f'<option value=""{"" if selected else " selected"}>{escape(blank)}</option>']
    rows += [
        f'<option value="{escape(code)}"{" selected" if code == selected else ""}>'
        f"{escape(text)}</option>"
        for code, text in choices.items()
    ]
    return "".join(rows)


def flat(value: Any, prefix: str = "") -> list[tuple[str, str]]:
    """Nested facts as (path, text) pairs: lists joined, dicts walked, empty values left out."""
    if isinstance(value, dict):
        pairs: list[tuple[str, str]] = []
        for key, inner in value.items():
            pairs += flat(inner, f"{prefix}.{key}" if prefix else str(key))
        return pairs
    if isinstance(value, list):
        if any(isinstance(v, dict | list) for v in value):
            return [p for i, v in enumerate(value, 1) for p in flat(v, f"{prefix} {i}")]
        value = ", ".join(str(v) for v in value)
    if value is None or value == "":
        return []
    return [(prefix, str(value))]


def definitions(pairs: Iterable[tuple[str, str]]) -> str:
    return "".join(f"<dt>{escape(words(k))}</dt><dd>{escape(v)}</dd>" for k, v in pairs)


def table(head: Iterable[str], rows: Iterable[Iterable[str]]) -> str:
    """A table: `head` is text (escaped here), `rows` are cells of HTML made by the caller;
    a cell starting `num:` is a number, aligned right."""

    def cell(html: str) -> str:
        return f'<td class="num">{html[4:]}</td>' if html.startswith("num:") else f"<td>{html}</td>"

    header = "".join(f'<th scope="col">{escape(h)}</th>' for h in head)
    body = "".join("<tr>" + "".join(cell(c) for c in row) + "</tr>" for row in rows)
    return f"<table><thead><tr>{header}</tr></thead><tbody>{body}</tbody></table>"


# -- families ------------------------------------------------------------------------------


# -- one family ------------------------------------------------------------------------------


def days_asked(journeys: Journeys, read: FamilyRead, asked: date | None) -> tuple[date, date, date]:
    """The slider's range, from the day of the family's first recorded entry to today (the
    application's clock, UTC), and the day asked for within it (today if none)."""
    today = journeys.app.clock().astimezone(UTC).date()
    first = min(moment(read.directory["recorded_at"]).date(), today)
    return first, today if asked is None else min(max(asked, first), today), today


def entries_by(
    journeys: Journeys, read: FamilyRead, day: date
) -> tuple[list[dict[str, Any]], bool]:
    """The timeline as recorded by the end of `day` (all of it, page after page), as the
    JSON route answers it, and whether it was cut at MAX_ENTRIES."""
    entries: list[dict[str, Any]] = []
    after: str | None = None
    while len(entries) < MAX_ENTRIES:
        answer = timeline.family_timeline(
            read, journeys, as_recorded_at=day.isoformat(), after=after, limit=MAX_LIMIT
        )
        entries += [e.model_dump(mode="json") for e in answer.entries]
        after = answer.next
        if after is None:
            return entries, False
    return entries[:MAX_ENTRIES], True


def timeline_fragment(journeys: Journeys, read: FamilyRead, *, day: date, today: date) -> str:
    entries, cut = entries_by(journeys, read, day)
    codes = journeys.app.codes
    count = len(entries)
    extras = [
        f"{n} {what}"
        for n, what in (
            (sum(bool(e["corrections"]) for e in entries), "corrected"),
            (sum(e["retracted"] is not None for e in entries), "retracted"),
        )
        if n
    ]
    by = long_date(day) + (" (today)" if day == today else "")
    summary = (
        f'<p class="count" id="timeline-count"><strong>{count} '
        f"{'entry' if count == 1 else 'entries'}</strong> recorded by {escape(by)}"
        f"{' (' + ', '.join(extras) + ')' if extras else ''}</p>"
    )
    if cut:
        summary += f'<p class="notice">Only the first {MAX_ENTRIES} entries are shown.</p>'
    if not entries:
        shown = "<p>Nothing had been recorded by then.</p>"
    else:
        head = ("Occurred", "Recorded", "Entry", "Agency", "Summary", "Corrections, retraction")
        header = "".join(f'<th scope="col">{h}</th>' for h in head)
        body = "".join(entry_row(e, codes) for e in entries)
        shown = (
            '<div class="scroll"><table class="timeline"><caption class="visually-hidden">'
            f"The timeline as recorded by {escape(by)}, in the order things happened</caption>"
            f"<thead><tr>{header}</tr></thead><tbody>{body}</tbody></table></div>"
        )
    return f'<div data-as-of="{day.isoformat()}">{summary}{shown}</div>'


def entry_row(entry: Mapping[str, Any], codes: CodeLists) -> str:
    retracted = entry["retracted"]
    occurred, recorded = moment(entry["occurred_at"]), moment(entry["recorded_at"])
    late_days = (recorded.date() - occurred.date()).days
    late = (
        f'<br><span class="late">{late_days} {"day" if late_days == 1 else "days"} later</span>'
        if late_days >= 1
        else ""
    )
    kind = escape(words(entry["type"]))
    summary = escape(entry["summary"])
    if retracted is not None:
        kind += ' <span class="badge retraction">retracted</span>'
        summary = f"<del>{summary}</del>"
    target = entry["facts"].get("target_entry_id")
    if target:
        summary += f' <a href="#entry-{escape(str(target))}">the entry</a>'
    facts = flat({k: v for k, v in entry["facts"].items() if k != "target_entry_id"})
    if facts:
        summary += f"<details><summary>Details</summary><dl>{definitions(facts)}</dl></details>"
    summary += personal(entry.get("personal"))
    history = "".join(correction_item(c, codes) for c in entry["corrections"])
    notes = f'<ul class="corrections">{history}</ul>' if history else ""
    if retracted is not None:
        notes += (
            f'<p class="retraction">Retracted {time_tag(retracted["recorded_at"])}: '
            f"{escape(label(codes, 'retraction_reason', retracted['reason']))}</p>"
        )
    return (
        f'<tr id="entry-{escape(entry["entry_id"])}" class="entry'
        f'{" retracted" if retracted is not None else ""}" data-type="{escape(entry["type"])}">'
        f'<td class="entry-cell">{time_tag(entry["occurred_at"])}</td>'
        f'<td class="entry-cell">{time_tag(entry["recorded_at"])}{late}</td>'
        f'<td class="entry-cell">{kind}</td>'
        f'<td class="entry-cell">{escape(label(codes, "agency", entry["agency"]))}</td>'
        f'<td class="entry-cell summary">{summary}</td>'
        f"<td>{notes}</td></tr>"
    )


def correction_item(correction: Mapping[str, Any], codes: CodeLists) -> str:
    changes = "".join(
        f'<br><span class="change">{escape(words(c["field"]))}: '
        f'<span class="before">{escape(shown_value(c["before"]))}</span> → '
        f'<span class="after">{escape(shown_value(c["after"]))}</span></span>'
        for c in correction["changes"]
    )
    if correction.get("personal_fields") and not correction["changes"]:
        changes = "<br>personal details"
    return (
        f'<li class="correction">Corrected {time_tag(correction["recorded_at"])} '
        f"({escape(label(codes, 'correction_reason', correction['reason']))}){changes}"
        f"{personal(correction.get('personal'))}</li>"
    )


def shown_value(value: Any) -> str:
    if isinstance(value, str) and re.fullmatch(r"\d{4}-\d\d-\d\dT[\d:.]+(Z|[+-]\d\d:\d\d)", value):
        when = moment(value)
        return f"{when.day} {when:%b %Y, %H:%M}"
    return "—" if value is None else str(value)


def personal(details: Mapping[str, Any] | None) -> str:
    """Personal details, where the JSON route gives them (only to roles entitled): the
    entry's own, then each member's, under the start of the member's id."""
    if not details:
        return ""
    members: Mapping[str, Any] = details.get("members") or {}
    own = definitions(flat({k: v for k, v in details.items() if k != "members"}))
    for member_id, values in members.items():
        said = "; ".join(f"{words(k).lower()}: {v}" for k, v in flat(values))
        own += f"<dt>Member {escape(member_id[:8])}</dt><dd>{escape(said)}</dd>"
    return f'<div class="personal"><span>Personal details</span><dl>{own}</dl></div>'


@router.get("/families/{family_id}")
def family_page(
    read: JourneyReader,
    journeys: JourneysDep,
    access: AccessRecording,
    as_recorded_at: date | None = None,
) -> HTMLResponse:
    first, day, today = days_asked(journeys, read, as_recorded_at)
    # The picture is read by a request of its own: it goes with the page's stated reason
    # (as the slider's replays do, timeline.js), so the access log has it for each.
    reason_query = "?" + urlencode({"reason": access.reason}) if access.reason else ""
    codes = journeys.app.codes
    directory = read.directory
    facts, journey_tables = journey_answers(journeys, read)
    main = template("family.html").substitute(
        family_id=escape(str(read.family_id)),
        reason_query=escape(reason_query),
        area=escape(label(codes, "area", directory["area"])),
        registered=time_tag(directory["registered_at"]),
        facts=facts,
        journey_tables=journey_tables,
        day_label=escape(long_date(day) + (" (today)" if day == today else "")),
        day_value=(day - first).days,
        max_day=(today - first).days,
        first_day=first.isoformat(),
        first_label=escape(long_date(first)),
        day_iso=day.isoformat(),
        today_iso=today.isoformat(),
        timeline=timeline_fragment(journeys, read, day=day, today=today),
    )
    return page(read.identity, title="A family's journey", main=main, scripts=("timeline.js",))


@router.get("/families/{family_id}/timeline")
def family_timeline_fragment(
    read: JourneyReader, journeys: JourneysDep, as_recorded_at: date | None = None
) -> HTMLResponse:
    """The timeline part of the family page as recorded by the end of a day, for the slider."""
    _, day, today = days_asked(journeys, read, as_recorded_at)
    html = timeline_fragment(journeys, read, day=day, today=today)
    return HTMLResponse(html, headers=PAGE_HEADERS)


def journey_answers(journeys: Journeys, read: FamilyRead) -> tuple[str, str]:
    """The named answers of the family's journey, as GET /families/{id}/journey gives them:
    the headline facts, and the tables of services, days per stage and the path (which is
    also the picture's text)."""
    answers = journey.read_journey(read, journeys)
    codes = journeys.app.codes
    level = answers.current_level_of_need
    days = answers.time_in_stage.get(answers.current_stage)
    facts = (
        ("Current stage", words(answers.current_stage)),
        ("For", days_text(days) if days is not None else "—"),
        ("Level of need", label(codes, "level_of_need", level) if level else "not assessed"),
        ("Step-up / step-down cycles", str(answers.step_cycles)),
        ("Episodes", str(answers.episodes)),
        ("Re-referrals within 12 months", str(answers.re_referrals)),
    )
    tiles = "".join(f"<div><dt>{escape(k)}</dt><dd>{escape(v)}</dd></div>" for k, v in facts)
    services = table(
        ("Service", "Entries", "First", "Last"),
        (
            (
                escape(label(codes, "agency", s.agency)),
                f"num:{s.entries}",
                escape(short_day(s.first)),
                escape(short_day(s.last)),
            )
            for s in answers.services
        ),
    )
    stages = table(
        ("Stage", "Days"),
        (
            (escape(words(stage)), f"num:{round(spent)}")
            for stage, spent in answers.time_in_stage.items()
        ),
    )
    path = table(
        ("Step", "Stage", "Reached", "Level of need", "Service"),
        (
            (
                f"num:{i}",
                escape(words(step.stage)),
                escape(short_day(step.at)),
                escape(label(codes, "level_of_need", step.level_of_need)),
                escape(label(codes, "agency", step.agency)),
            )
            for i, step in enumerate(answers.path, 1)
        ),
    )
    tables = (
        '<div class="side-by-side">'
        f"<div><h3>Services around the family</h3>{services}</div>"
        f"<div><h3>Days in each stage</h3>{stages}</div></div>"
        f"<details><summary>The path, step by step ({len(answers.path)} steps)</summary>"
        f"{path}</details>"
    )
    return f'<dl class="facts" id="journey-answers">{tiles}</dl>', tables


def short_day(when: datetime) -> str:
    utc = when.astimezone(UTC)
    return f"{utc.day} {utc:%b %Y}"


def days_text(days: float) -> str:
    whole = round(days)
    return f"{whole} {'day' if whole == 1 else 'days'}"


# -- pathways --------------------------------------------------------------------------------


def form_day(field: str, text: str | None) -> date | None:
    """A date field of a form: empty means not given."""
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InvalidValueError(field, "give a date as 2025-03-31") from None


async def cohort_of_form(
    journeys: JourneysDep,
    area: Annotated[str | None, Query(max_length=64)] = None,
    start: Annotated[str | None, Query(alias="from", max_length=32)] = None,
    end: Annotated[str | None, Query(alias="to", max_length=32)] = None,
) -> pathways.Cohort:
    """The cohort the form asks for, checked as GET /pathways checks it; a field left
    empty means any."""
    return await pathways.cohort_asked(
        journeys, area or None, form_day("from", start), form_day("to", end)
    )


@router.get("/pathways")
def pathways_page(
    journeys: JourneysDep,
    identity: pathways.PathwayFinder,
    cohort: Annotated[pathways.Cohort, Depends(cohort_of_form)],
) -> HTMLResponse:
    codes = journeys.app.codes
    found = pathways.read_pathways(journeys, identity, cohort, ReadAfter(None, 0))
    asked = {
        k: v
        for k, v in (("area", cohort.area), ("from", cohort.start), ("to", cohort.end))
        if v is not None
    }
    tiles = (
        ("Families in the cohort", found.families),
        ("Went round the step-up / step-down loop more than once", found.repeated_step_cycles),
    )
    answers = (
        '<dl class="facts" id="pathways-answers">'
        + "".join(f"<div><dt>{escape(k)}</dt><dd>{v}</dd></div>" for k, v in tiles)
        + "</dl>"
    )
    if found.families:
        answers += (
            f'<figure class="journey-picture"><img id="pathways-picture" '
            f'src="/pathways.svg?{escape(urlencode(asked))}" alt="The pathways of the cohort '
            'as a picture: the same counts and days as the tables below."></figure>'
            "<h2>Most common pathways</h2>"
            + table(
                ("Pathway", "Families"),
                (
                    (" → ".join(escape(words(s)) for s in path.stages), f"num:{path.families}")
                    for path in found.paths
                ),
            )
            + "<h2>Days between stages</h2>"
            + table(
                ("From", "To", "Median days", "Times"),
                (
                    (
                        escape(words(gap.from_stage)),
                        escape(words(gap.to_stage)),
                        f"num:{gap.median_days:.1f}",
                        f"num:{gap.transitions}",
                    )
                    for gap in found.days_between_stages
                ),
            )
        )
    else:
        answers += "<p>No family of this area joined in this period.</p>"
    main = template("pathways.html").substitute(
        area_options=options(codes.lists["area"], cohort.area, blank="All areas"),
        from_=escape(cohort.start.isoformat() if cohort.start else ""),
        to=escape(cohort.end.isoformat() if cohort.end else ""),
        answers=answers,
    )
    return page(identity, title="Pathways", main=main, current="pathways")
