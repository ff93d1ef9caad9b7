"""The shell of the web pages: the `/web` routes' error pages (PageRoute), the static files,
and the families list. A page without a valid session redirects (303) to the sign-in page;
other errors are pages too (error.html), with the status and the detail `api.errors` gives
the JSON routes. The family page is api.routes.pages_family, its print
api.routes.pages_print, pathways api.routes.pages_pathways.

The families list and `page` (the sign-in page's shell) still make HTML with `html.escape`
until they move to templates.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Coroutine, Iterable, Mapping
from functools import cache
from html import escape
from importlib import resources
from string import Template
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, FastAPI, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.routing import APIRoute
from fastapi.staticfiles import StaticFiles

from api.deps import SESSION_COOKIE, FamilyFinder, JourneysDep
from api.errors import ANSWERS, NotAuthenticatedError
from api.routes import families
from api.routes.pages_text import label
from api.templating import PAGE_HEADERS, moment, render, role_name
from infra.bootstrap import Journeys
from infra.tokens import Identity, InvalidTokenError

SIGN_IN = "/session"
STATIC = "/static"
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


def who(identity: Identity | None) -> str:
    if identity is None:
        return f'<div class="who"><a href="{SIGN_IN}">Sign in</a></div>'
    role = role_name(identity.role)
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
    return render(
        "error.html",
        signed_in(request),
        title=heading,
        status=status,
        heading=heading,
        detail=detail,
    )


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
                said = json.loads(bytes(response.body))
                # The field, as the JSON answer names it: which part of the address to mend.
                field = f"{said['field']}: " if said.get("field") else ""
                return error_page(request, response.status_code, field + str(said.get("detail")))

        return handle_page


router = APIRouter(prefix="/web", tags=["pages"], include_in_schema=False, route_class=PageRoute)


def mount_static(app: FastAPI) -> None:
    app.mount(STATIC, StaticFiles(packages=[("api", "static")]), name="static")


# -- small pieces ----------------------------------------------------------------------------


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


def table(head: Iterable[str], rows: Iterable[Iterable[str]]) -> str:
    """A table: `head` is text (escaped here), `rows` are cells of HTML made by the caller;
    a cell starting `num:` is a number, aligned right."""

    def cell(html: str) -> str:
        return f'<td class="num">{html[4:]}</td>' if html.startswith("num:") else f"<td>{html}</td>"

    header = "".join(f'<th scope="col">{escape(h)}</th>' for h in head)
    body = "".join("<tr>" + "".join(cell(c) for c in row) + "</tr>" for row in rows)
    return f"<table><thead><tr>{header}</tr></thead><tbody>{body}</tbody></table>"


# -- families ------------------------------------------------------------------------------


@router.get("/families")
def families_page(
    journeys: JourneysDep,
    identity: FamilyFinder,
    area: Annotated[str | None, Query(max_length=64)] = None,
    after: Annotated[int, Query(ge=0, le=2**63 - 1)] = 0,
) -> HTMLResponse:
    codes = journeys.app.codes
    listed = families.list_families(journeys, identity, area=area or None, after=after, limit=50)
    rows = [
        (
            f'<a href="/web/families/{f.family_id}" class="mono">{f.family_id}</a>',
            escape(label(codes, "area", f.area)),
            time_tag(f.registered_at.isoformat()),
        )
        for f in listed.items
    ]
    shown = (
        table(("Family", "Area", "Registered"), rows)
        if rows
        else "<p>No families are registered here yet.</p>"
    )
    more = ""
    if listed.next is not None:
        query = urlencode({k: v for k, v in (("area", area), ("after", listed.next)) if v})
        more = f'<p><a href="/web/families?{escape(query)}" rel="next">Next families</a></p>'
    main = template("families.html").substitute(
        area_options=options(codes.lists["area"], area, blank="All areas"), table=shown, more=more
    )
    return page(identity, title="Families", main=main, current="families")
