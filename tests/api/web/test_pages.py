"""The web pages without a browser: the session cookie (reads only), signing in and out,
pages that send a browser to sign in, escaping, and personal data only for roles entitled.

The family is the browser tests' one (tests/browser/conftest.py): an entry recorded late, a
correction and a retraction, with personal details; posted through this app's HTTP API."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from html import unescape
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.common.deps import SESSION_COOKIE, FamilyRead
from api.web.pages_family import journey_as_recorded, journey_shown
from api.web.templating import long_date
from domain.access import BY_ROLE
from infra.bootstrap import Journeys, bootstrap
from infra.settings import Settings
from infra.tokens import Identity
from tests.support.api import sqlite_settings, store_position
from tests.support.browser import (
    Clock,
    LateHistory,
    raw_codes,
    record_late_history,
    token_for,
    wait_for_views,
)
from tests.support.routes import ROUTES

NAMES = ("Ada", "Bea", "Stone", "Attendance has dropped.")


@dataclass(frozen=True)
class Site:
    client: TestClient
    journeys: Journeys
    history: LateHistory

    def token(self, role: str, user_id: str | None = None) -> str:
        return token_for(self.journeys.tokens, role, user_id)

    def cookie(self, role: str, user_id: str | None = None) -> dict[str, str]:
        return {"Cookie": f"{SESSION_COOKIE}={self.token(role, user_id)}"}

    def bearer(self, role: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token(role)}"}

    def get(self, path: str, role: str | None = None, **options: Any) -> Any:
        headers = self.cookie(role) if role else {}
        return self.client.get(path, headers=headers, follow_redirects=False, **options)

    @property
    def family_page(self) -> str:
        return f"/web/families/{self.history.family_id}"


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    clock = Clock()
    settings = sqlite_settings(tmp_path_factory.mktemp("pages"))
    journeys = bootstrap(settings, clock=clock)
    try:
        with TestClient(create_app(settings, journeys=journeys)) as client:
            history = record_late_history(client, clock, journeys.tokens)
            wait_for_views(journeys, history.position)
            yield Site(client, journeys, history)
    finally:
        journeys.close()


@pytest.fixture(autouse=True)
def no_cookies_kept(site: Site) -> Iterator[None]:
    """Each test says which session it has; nothing carries over in the client's jar."""
    site.client.cookies.clear()
    yield
    site.client.cookies.clear()


# -- the cookie: reads only --------------------------------------------------------------------


def test_the_session_cookie_opens_pages_and_the_json_they_read(site: Site) -> None:
    family = site.history.family_id

    answers = {
        path: site.get(path, "panel_member")
        for path in (
            "/web/families",
            site.family_page,
            f"{site.family_page}/print",
            f"/families/{family}/timeline",
            f"/families/{family}/journey.svg",
        )
    }

    assert {path: a.status_code for path, a in answers.items()} == dict.fromkeys(answers, 200)


@pytest.mark.parametrize("route", [r for r in ROUTES if r[0] == "POST"], ids=" ".join)
def test_the_session_cookie_never_authenticates_a_command(
    site: Site, route: tuple[str, str]
) -> None:
    body, _ = ROUTES[route]
    path = route[1].format_map(
        {"family_id": site.history.family_id} | {name: uuid4() for name in IDS}
    )
    before = store_position(site.client)

    answer = site.client.post(path, json=body, headers=site.cookie("lead_practitioner", "lead-1"))

    assert answer.status_code == 401
    assert answer.json()["error"] == "unauthenticated"
    assert store_position(site.client) == before


IDS = (
    "member_id",
    "consent_id",
    "assessment_id",
    "plan_id",
    "escalation_id",
    "hold_id",
    "audit_id",
    "action_id",
)


def test_a_bearer_token_still_works_for_pages(site: Site) -> None:
    answer = site.client.get(site.family_page, headers=site.bearer("qa_officer"))

    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/html")


# -- signing in and out -------------------------------------------------------------------------


def test_a_page_without_a_session_sends_the_browser_to_sign_in_and_back(site: Site) -> None:
    first = site.get(f"{site.family_page}?as_recorded_at=2025-01-01")

    assert first.status_code == 303
    sign_in = site.client.get(first.headers["location"])
    assert sign_in.status_code == 200
    assert 'name="next" value="/web/families/' in sign_in.text

    signed = site.client.post(
        "/session",
        data={"token": site.token("qa_officer"), "next": f"{site.family_page}"},
        follow_redirects=False,
    )

    assert signed.status_code == 303
    assert signed.headers["location"] == site.family_page
    cookie = signed.headers["set-cookie"]
    assert cookie.startswith(f"{SESSION_COOKIE}=")
    assert {"HttpOnly", "Path=/", "SameSite=strict"} <= {p.strip() for p in cookie.split(";")}
    assert "Secure" not in cookie  # development serves plain HTTP
    assert site.client.get(site.family_page).status_code == 200  # the jar now holds it


def test_signing_out_clears_the_cookie(site: Site) -> None:
    site.client.post("/session", data={"token": site.token("qa_officer")})
    assert site.get(site.family_page).status_code == 200

    out = site.client.post("/session/end", follow_redirects=False)

    assert out.status_code == 303
    assert f'{SESSION_COOKIE}=""' in out.headers["set-cookie"]
    assert "Max-Age=0" in out.headers["set-cookie"]
    assert site.get(site.family_page).status_code == 303


def test_a_token_that_is_not_valid_signs_no_one_in(site: Site) -> None:
    answer = site.client.post("/session", data={"token": "not-a-token"}, follow_redirects=False)

    assert answer.status_code == 422
    assert "set-cookie" not in answer.headers
    assert "That token is not valid" in answer.text


def test_after_signing_in_the_browser_goes_only_to_this_site(site: Site) -> None:
    places = ("https://elsewhere.example/", "//elsewhere.example/web/", "/docs", "/web\\x")

    landed = [
        site.client.post(
            "/session",
            data={"token": site.token("qa_officer"), "next": place},
            follow_redirects=False,
        ).headers["location"]
        for place in places
    ]

    assert landed == ["/web/families"] * len(places)


def test_another_site_cannot_sign_a_browser_in(site: Site) -> None:
    answer = site.client.post(
        "/session",
        data={"token": site.token("qa_officer")},
        headers={"Sec-Fetch-Site": "cross-site"},
        follow_redirects=False,
    )

    assert answer.status_code == 403
    assert "set-cookie" not in answer.headers


def test_the_cookie_is_secure_outside_development(tmp_path: Path) -> None:
    settings = Settings(
        mode="production",
        jwt_secret="a-production-secret-of-at-least-32-chars",
        signing_key="AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=",
        pseudonym_secret="another-production-secret-for-this-test",
        master_key="ICEiIyQlJicoKSorLC0uLzAxMjM0NTY3ODk6Ozw9Pj8=",
        blind_index_key="journeys-blind-index-key-of-our-own-for-this-test",
        sqlite_path=tmp_path / "j.sqlite",
        database_url=None,
    )
    with TestClient(create_app(settings)) as client:
        journeys: Journeys = client.app.state.journeys  # type: ignore[attr-defined]
        token = journeys.tokens.issue(Identity("qa-1", "qa_officer", "early_help"))

        answer = client.post("/session", data={"token": token}, follow_redirects=False)

    assert answer.status_code == 303
    assert "Secure" in {p.strip() for p in answer.headers["set-cookie"].split(";")}


def test_the_development_login_page_can_open_the_web_pages(site: Site) -> None:
    login = {"user_id": "qa-7", "role": "qa_officer", "agency": "early_help"}

    page = site.client.post("/login", data=login)

    assert page.status_code == 200
    assert '<form method="post" action="/session">' in page.text
    assert 'name="token" value="ey' in page.text
    # A page that shows a token: never cached, and its script only from /static.
    assert page.headers["cache-control"] == "no-store"
    assert "default-src 'self'" in page.headers["content-security-policy"]
    assert "onclick" not in page.text


# -- what the pages show -------------------------------------------------------------------------


def test_the_family_page_shows_today_and_the_record_of_an_earlier_day(site: Site) -> None:
    history = site.history

    today = site.get(site.family_page, "qa_officer")
    earlier = site.get(
        site.family_page, "qa_officer", params={"as_recorded_at": history.before_late.isoformat()}
    )

    assert today.status_code == earlier.status_code == 200
    assert today.text.count('<tr id="entry-') == history.entries_today
    assert f'id="entry-{history.late_entry_id}"' in today.text
    assert f"{history.entries_today} entries</strong> recorded by" in today.text
    assert earlier.text.count('<tr id="entry-') == history.entries_before_late
    assert f'id="entry-{history.late_entry_id}"' not in earlier.text
    assert 'class="correction"' in today.text
    assert 'class="correction"' not in earlier.text
    assert 'id="journey-answers"' in today.text
    assert 'type="range"' in today.text


def test_errors_are_pages_a_person_can_read(site: Site) -> None:
    missing = site.get(f"/web/families/{uuid4()}", "qa_officer")
    refused = site.get(site.family_page, "practitioner")
    invalid = site.get("/web/pathways", "researcher", params={"from": "yesterday"})

    assert (missing.status_code, refused.status_code, invalid.status_code) == (404, 403, 422)
    for answer in (missing, refused, invalid):
        assert answer.headers["content-type"].startswith("text/html")
        assert '<p class="problem">' in answer.text
    assert "not in your caseload" in refused.text  # why not (domain.access)


def test_pages_escape_what_they_show(site: Site) -> None:
    nasty = '<script>alert("x")</script>'
    registered = site.client.post(
        "/families",
        json={
            "occurred_at": "2025-01-06T10:00:00Z",
            "area": "strood",
            "members": [{"relationship": "child", "given_name": nasty}],
        },
        headers=site.bearer("practitioner"),
    )
    assert registered.status_code == 201, registered.text
    family = registered.json()["family_id"]
    contact = {"agency": "school", "channel": "phone", "reason": "concern", "notes": "a & b <i>"}
    recorded = site.client.post(
        f"/families/{family}/contacts",
        json={"occurred_at": "2025-01-07T10:00:00Z", **contact},
        headers=site.bearer("practitioner"),
    )
    assert recorded.status_code == 201, recorded.text

    page = site.get(
        f"/web/families/{family}",
        "qa_officer",
        params={"min_position": recorded.json()["position"]},
    )
    sign_in = site.client.get("/session", params={"next": '/web/"><script>x()</script>'})
    families = site.get("/web/families", "qa_officer", params={"area": "<b>strood</b>"})

    assert page.status_code == 200
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in page.text
    assert "a &amp; b &lt;i&gt;" in page.text
    assert "<script>alert" not in page.text
    assert "<script>x()" not in sign_in.text
    assert "&lt;script&gt;x()" in sign_in.text
    assert families.status_code == 422
    assert "<b>strood" not in families.text


def test_personal_data_only_for_roles_entitled(site: Site) -> None:
    entitled = site.get(site.family_page, "panel_member")
    others = {
        role: site.get(path, role)
        for role, path in (
            ("practitioner", site.family_page),
            ("practitioner", "/web/families"),
            ("partner", site.family_page),
            ("researcher", "/web/pathways"),
            ("researcher", f"{site.family_page}/print"),
            ("admin", "/web/families"),
        )
    }

    assert all(name in entitled.text for name in NAMES)
    for role, answer in others.items():
        assert not [name for name in NAMES if name in answer.text], role
    assert {a.status_code for a in others.values()} == {200, 403}


def test_pages_are_neither_cached_nor_framed_nor_scripted_from_elsewhere(site: Site) -> None:
    page = site.get(site.family_page, "qa_officer")

    assert page.headers["cache-control"] == "no-store"
    policy = page.headers["content-security-policy"]
    assert "default-src 'self'" in policy
    assert "frame-ancestors 'none'" in policy
    assert "<script>" not in page.text  # scripts come from /static only
    assert site.client.get("/static/timeline.js").status_code == 200


# -- replay moves the journey too; codes by their labels; dates say which -----------------------

MAIN = re.compile(r"<main[^>]*>(.*)</main>", re.S)
TAG = re.compile(r"<[^>]+>")


def shown_text(html: str) -> str:
    """The words a reader sees in the page's main part, tags and attributes left out."""
    found = MAIN.search(html)
    assert found is not None, html[:200]
    return " ".join(unescape(TAG.sub(" ", found.group(1))).split())


def journey_panel(html: str) -> str:
    found = re.search(r'<section id="journey"[^>]*>(.*?)</section>', html, re.S)
    assert found is not None
    return " ".join(unescape(TAG.sub(" ", found.group(1))).split())


def test_no_code_shows_raw_on_the_family_page(site: Site) -> None:
    page = site.get(site.family_page, "qa_officer")
    text = shown_text(page.text)

    assert raw_codes(text) == []
    assert "Source: Early help" in text  # the request for support's detail, by its label
    assert "Reason: Concern raised → Information or advice" in text  # the correction
    assert "Member 1: SEND: No" in text
    assert "(QA officer, Early help service)" in page.text  # who is signed in, by labels too


def test_the_journey_panel_is_replayed_to_the_day_asked(site: Site) -> None:
    history = site.history
    day = history.before_late.isoformat()

    today = site.get(site.family_page, "qa_officer")
    earlier = site.get(site.family_page, "qa_officer", params={"as_recorded_at": day})

    # The health visitor's late contact (of day 4, recorded on day 20) is one of its two
    # entries today; on day 10 the record knew only of the one of day 5.
    assert "Health visiting 2" in journey_panel(today.text)
    assert "Health visiting 1" in journey_panel(earlier.text)
    assert f"Journey as recorded at the end of {long_date(history.before_late)}" in earlier.text
    assert f"journey.svg?as_recorded_at={day}" in earlier.text
    assert f'<input type="date" id="as-of-date" name="as_recorded_at" value="{day}"' in earlier.text


def test_stages_show_by_their_labels_on_the_family_and_pathways_pages(site: Site) -> None:
    family = journey_panel(site.get(site.family_page, "qa_officer").text)
    cohort = shown_text(site.get("/web/pathways", "panel_member", params={"area": "chatham"}).text)

    for text in (family, cohort):
        assert "Lead practitioner assigned" in text
        assert "Referred (request for support)" in text
        assert "Lead assigned" not in text
        assert "lead_assigned" not in text
    assert "Current stage Lead practitioner assigned" in family


def test_every_date_on_the_family_page_says_occurred_or_recorded(site: Site) -> None:
    text = shown_text(site.get(site.family_page, "qa_officer").text)

    for heading in ("Occurred", "Recorded", "First occurred", "Last occurred", "Occurred on"):
        assert heading in text
    assert "Correction recorded" in text
    assert "Retraction recorded" in text
    assert re.search(r"registered \(occurred\) \d", text)


# -- print -----------------------------------------------------------------------------------------


def test_the_print_page_shows_the_chronology_as_recorded_at_the_day_chosen(site: Site) -> None:
    history = site.history
    day = history.before_late

    printed = site.get(
        f"{site.family_page}/print",
        "panel_member",
        params={"as_recorded_at": day.isoformat(), "reason": "case_review"},
    )

    assert printed.status_code == 200
    text = shown_text(printed.text)
    assert printed.text.count('<tr id="entry-') == history.entries_before_late
    assert f'id="entry-{history.late_entry_id}"' not in printed.text
    assert f"as recorded at the end of {long_date(day)}" in text
    assert str(history.family_id) in text
    assert "Chatham" in text
    assert "Printed by panel_member-1 (panel member, Early help service)" in text
    assert "Retraction recorded" in text  # the duplicate, retracted on day 6
    assert '<nav aria-label="Pages">' not in printed.text
    assert '<link rel="stylesheet" href="/static/print.css">' in printed.text
    assert "@media print" in site.client.get("/static/print.css").text
    assert raw_codes(text) == []


def test_the_print_page_is_read_under_the_family_page_rules_and_logged(site: Site) -> None:
    path = f"{site.family_page}/print"
    qa = Identity("qa_officer-1", "qa_officer", "early_help")

    refused = site.get(path, "practitioner")
    invalid = site.get(path, "qa_officer", params={"as_recorded_at": "yesterday"})
    site.get(path, "qa_officer", params={"reason": "audit"})

    assert (refused.status_code, invalid.status_code) == (403, 422)
    assert re.search(r'<p class="problem">as_recorded_at: [^<]*valid date', invalid.text)
    logged = site.client.get(
        f"/families/{site.history.family_id}/access-log",
        headers={"Authorization": f"Bearer {site.journeys.tokens.issue(qa)}"},
    ).json()["items"]
    assert ("family print", "audit") in {(item["what"], item["reason"]) for item in logged}


def test_the_journey_panel_says_since_when_the_stage_holds_where_the_answers_say(
    site: Site,
) -> None:
    history = site.history
    read = FamilyRead(
        Identity("qa_officer-1", "qa_officer", "early_help"),
        UUID(history.family_id),
        personal=False,
        directory=site.journeys.views.read("families", history.family_id)[1] or {},
        decision=BY_ROLE["qa_officer"],
    )
    answers = journey_as_recorded(site.journeys, read, datetime.now(UTC))
    since = datetime(2025, 3, 3, 9, 30, tzinfo=UTC)
    told = replace(answers, current_stage_since=since, current_stage_days=12.4)
    silent = replace(answers, current_stage_since=None, current_stage_days=None)

    plain = dict(journey_shown(site.journeys, silent)["facts"])
    facts = dict(journey_shown(site.journeys, told)["facts"])

    assert facts["Current stage"] == plain["Current stage"] == "Lead practitioner assigned"
    assert facts["Since (occurred)"] == "3 March 2025"
    assert facts["For"] == "12 days"
    assert "Since (occurred)" not in plain
    assert plain["For"] == f"{round(answers.time_in_stage['lead_assigned'])} days"
