"""Signing in to the web pages: a browser cannot send a bearer header when it follows a
link, so POST /session keeps a token in an HttpOnly, SameSite=Strict cookie, which
`api.common.deps.current_identity` accepts for reads (GET, HEAD) only. POST /session/end clears it.

The token is one from `journeys token` (or, in development, the login page); this page
signs nothing itself.
"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import parse_qsl

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from api.common.deps import SESSION_COOKIE, JourneysDep
from api.common.errors import ForbiddenError
from api.web.pages import SIGN_IN, signed_in
from api.web.templating import render
from infra.bootstrap import Journeys
from infra.tokens import InvalidTokenError

router = APIRouter(tags=["pages"], include_in_schema=False)

HOME = "/web/families"
MAX_FORM_BYTES = 8192
# What a browser says of a request's origin (Fetch Metadata): a sign-in or sign-out posted
# from another site is refused, so no other site can sign a person in as someone else.
OWN_SITE = frozenset({"same-origin", "none"})


def next_page(asked: str | None) -> str:
    """Where to go after signing in: one of the pages of this site, else the families."""
    if asked and asked.startswith("/web/") and "\\" not in asked:
        return asked
    return HOME


def sign_in_page(
    journeys: Journeys,
    request: Request,
    *,
    next_url: str,
    ended: bool = False,
    problem: bool = False,
    status: int = 200,
) -> HTMLResponse:
    """The sign-in form: `ended` after signing out, `problem` when the token was not valid."""
    return render(
        "session.html",
        signed_in(request),
        title="Sign in",
        status=status,
        next=next_url,
        ended=ended,
        problem=problem,
        development=journeys.settings.is_development,
    )


def require_own_site(request: Request) -> None:
    site = request.headers.get("sec-fetch-site")
    if site is not None and site not in OWN_SITE:
        raise ForbiddenError("sign in and out from this site's own pages")


@router.get(SIGN_IN, response_class=HTMLResponse)
def session_form(
    request: Request,
    journeys: JourneysDep,
    next_url: Annotated[str | None, Query(alias="next", max_length=2000)] = None,
    ended: bool = False,
) -> HTMLResponse:
    return sign_in_page(journeys, request, next_url=next_page(next_url), ended=ended)


@router.post(SIGN_IN, response_class=HTMLResponse)
async def sign_in(request: Request, journeys: JourneysDep) -> Response:
    require_own_site(request)
    # The form is urlencoded; parsed here rather than adding python-multipart for one form.
    form = dict(parse_qsl((await request.body())[:MAX_FORM_BYTES].decode("utf-8", "replace")))
    next_url = next_page(form.get("next"))
    token = form.get("token", "").strip().removeprefix("Bearer ").strip()
    try:
        journeys.tokens.verify(token)
    except InvalidTokenError:
        return sign_in_page(journeys, request, next_url=next_url, problem=True, status=422)
    response = RedirectResponse(next_url, status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        token,
        httponly=True,
        samesite="strict",
        path="/",
        # Browsers send a Secure cookie over HTTPS only; development serves plain HTTP.
        secure=not journeys.settings.is_development,
    )
    return response


@router.post(f"{SIGN_IN}/end")
def sign_out(request: Request, journeys: JourneysDep) -> RedirectResponse:
    require_own_site(request)
    response = RedirectResponse(f"{SIGN_IN}?ended=true", status_code=303)
    response.delete_cookie(
        SESSION_COOKIE,
        path="/",
        httponly=True,
        samesite="strict",
        secure=not journeys.settings.is_development,
    )
    return response
