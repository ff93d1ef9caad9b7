"""Jinja2 for the web pages: one environment with autoescape on for every template, so a
value put into a page is escaped unless a template says otherwise (`|safe` is for HTML the
server made itself, such as a picture's SVG, and nothing else).

Pages render `base.html` by extending it; `render` adds the signed-in person and the page
headers. The navigation shows each role only the pages it may open (NAV).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, date, datetime
from functools import cache
from typing import Any

from fastapi.responses import HTMLResponse
from jinja2 import Environment, PackageLoader, StrictUndefined

from domain.codes import load as load_codes
from infra.tokens import Identity
from projections.journey import STAGE_LABELS

# Pages may hold personal data: never cached, never framed, no script or style from elsewhere.
PAGE_HEADERS = {
    "Cache-Control": "no-store",
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; object-src 'none'; "
    "base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
    "Referrer-Policy": "same-origin",
    "X-Content-Type-Options": "nosniff",
}

FAMILY_READERS = ("practitioner", "lead_practitioner", "qa_officer", "panel_member", "admin")
# (key, link text, path, roles that see the link): the pages each role may open.
NAV: tuple[tuple[str, str, str, tuple[str, ...]], ...] = (
    ("families", "Families", "/web/families", FAMILY_READERS),
    ("search", "Find a family", "/web/search", FAMILY_READERS),
    ("shared", "Shared with us", "/web/shared", ("partner",)),
    ("escalations", "Escalations", "/web/escalations", ("partner",)),
    ("access_log", "Access log", "/web/access-log", ("qa_officer",)),
    ("pathways", "Pathways", "/web/pathways", ("qa_officer", "panel_member", "researcher")),
    ("reports", "Dataset", "/web/reports", ("qa_officer", "panel_member")),
    ("re_referrals", "Re-referrals", "/web/re-referrals", ("researcher", "qa_officer")),
    ("qa", "Audit queue", "/web/qa", ("qa_officer", "panel_member")),
    ("outcomes", "Sustained outcomes", "/web/outcomes", ("qa_officer", "panel_member")),
)

ROLE_NAMES = {"qa_officer": "QA officer"}


def words(code: str) -> str:
    """`ContactRecorded` or `contact_recorded` -> `Contact recorded`."""
    spaced = re.sub(r"(?<=[a-z])(?=[A-Z])", " ", code).replace("_", " ")
    return spaced[:1].upper() + spaced[1:].lower()


def stage_name(code: str) -> str:
    """A journey stage by its label (`lead_assigned` -> `Lead practitioner assigned`)."""
    return STAGE_LABELS.get(code, words(code))


def role_name(role: str) -> str:
    return ROLE_NAMES.get(role, words(role).lower())


def agency_name(code: str) -> str:
    """An agency by its label (the code lists shipped), e.g. for the signed-in bar."""
    return load_codes().label("agency", code)


def long_date(day: date | datetime) -> str:
    """`3 March 2025`."""
    return f"{day.day} {day:%B %Y}"


def moment(text: str) -> datetime:
    """An ISO 8601 time from a view or an answer, in UTC."""
    return datetime.fromisoformat(text).astimezone(UTC)


@cache
def environment() -> Environment:
    env = Environment(
        loader=PackageLoader("api.web", "templates"),
        autoescape=True,  # every template, whatever its name
        undefined=StrictUndefined,  # a misspelt name fails the test, not renders blank
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(words=words, long_date=long_date, moment=moment, role_name=role_name)
    env.filters["stage_name"] = stage_name
    env.filters["agency_name"] = agency_name
    return env


def nav_for(identity: Identity | None) -> list[Mapping[str, str]]:
    if identity is None:
        return []
    return [
        {"key": key, "text": text, "path": path}
        for key, text, path, roles in NAV
        if identity.role in roles
    ]


def render(
    name: str,
    identity: Identity | None,
    *,
    title: str,
    current: str = "",
    status: int = 200,
    **context: Any,
) -> HTMLResponse:
    """A whole page from template `name` (which extends `base.html`)."""
    html = (
        environment()
        .get_template(name)
        .render(title=title, identity=identity, nav=nav_for(identity), current=current, **context)
    )
    return HTMLResponse(html, status_code=status, headers=PAGE_HEADERS)
