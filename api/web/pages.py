"""The shell of the web pages: the `/web` routes' error pages (PageRoute) and the static
files. A page without a valid session redirects (303) to the sign-in page;
other errors are pages too (error.html), with the status and the detail `api.common.errors` gives
the JSON routes. The family page is api.web.pages_family, its print
api.web.pages_print, pathways api.web.pages_pathways, the families list
api.web.pages_families.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Coroutine
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.routing import APIRoute
from fastapi.staticfiles import StaticFiles

from api.common.deps import SESSION_COOKIE
from api.common.errors import ANSWERS, NotAuthenticatedError
from api.web.templating import render
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
    """How `api.common.errors` answers this error (the nearest class in its MRO), unless only as
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
    app.mount(STATIC, StaticFiles(packages=[("api.web", "static")]), name="static")
