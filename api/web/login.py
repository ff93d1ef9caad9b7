"""Development mode only: a login page that signs a bearer token for a chosen identity.

Mounted by `create_app` only when the settings say development; otherwise /login is 404.
"""

from __future__ import annotations

from urllib.parse import parse_qsl

from fastapi import APIRouter, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse
from pydantic import Field, ValidationError, field_validator

from api.common.deps import JourneysDep
from api.common.schemas.common import Code, RequestBody, UserId
from api.web.templating import render
from infra.bootstrap import Journeys
from infra.tokens import ROLES, Identity

router = APIRouter(tags=["development"], include_in_schema=False)

MAX_FORM_BYTES = 4096


class LoginCreate(RequestBody):
    user_id: UserId
    role: str = Field(max_length=64)
    agency: Code

    @field_validator("role")
    @classmethod
    def known_role(cls, role: str) -> str:
        if role not in ROLES:
            raise ValueError(f"choose one of {', '.join(ROLES)}")
        return role


def page(
    journeys: Journeys, login: LoginCreate, *, token: str = "", curl: str = ""
) -> HTMLResponse:
    """The login form for `login`; with `token`, the token signed and a command to try it."""
    return render(
        "login.html",
        None,
        title="Development login",
        login=login,
        roles=ROLES,
        agencies=journeys.app.codes.codes("agency"),
        token=token,
        minutes=journeys.tokens.minutes,
        curl=curl,
    )


@router.get("/login", response_class=HTMLResponse)
def login_form(journeys: JourneysDep) -> HTMLResponse:
    return page(journeys, LoginCreate(user_id="dev-user", role="practitioner", agency="early_help"))


@router.post("/login", response_class=HTMLResponse)
async def login(request: Request, journeys: JourneysDep) -> HTMLResponse:
    # The form is urlencoded; parsed here rather than adding python-multipart for one page.
    form = dict(parse_qsl((await request.body())[:MAX_FORM_BYTES].decode("utf-8", "replace")))
    try:
        login = LoginCreate.model_validate(form)
    except ValidationError as error:
        raise RequestValidationError(error.errors()) from None
    journeys.app.codes.require("agency", login.agency, field="agency")
    token = journeys.tokens.issue(Identity(login.user_id, login.role, login.agency))
    curl = f"curl -H 'Authorization: Bearer {token}' {request.base_url}families"
    return page(journeys, login, token=token, curl=curl)
