"""A real server and a real browser: the app served by uvicorn on a free loopback port over
a fresh SQLite store, and headless Chromium driven by selenium through Debian's
chromedriver (so Selenium Manager downloads nothing).

The family on it has a history a case audit panel replays: an entry recorded 16 days after
it happened, a correction recorded weeks later, and a retraction. Entries are posted over
HTTP with the application's clock set to the day each is recorded.

Without the browser these tests skip locally, but fail when the `CI` variable is set:
`make test` installs it, so in CI its absence is a fault, not a reason to skip.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
import pytest

from domain.codes import load
from infra.bootstrap import Journeys
from infra.tokens import Identity, Tokens
from projections.catalogue import all_projections
from tests.support.limits import cannot_run_here

if TYPE_CHECKING:
    from selenium.webdriver.remote.webdriver import WebDriver

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
# Without the background-networking flags Chromium keeps calling home, on a closed network.
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--window-size=1280,1100",
)
LATE_DAYS = 16


def require_browser() -> None:
    missing = [str(p) for p in (CHROMIUM, CHROMEDRIVER) if not p.exists()]
    if not missing:
        return
    reason = (
        f"the browser tests need {' and '.join(missing)}: `make test` installs Debian's "
        "chromium and chromium-driver (apt-get install chromium chromium-driver)"
    )
    cannot_run_here(reason)


@dataclass
class Clock:
    """The application's clock: real time, unless set to the time an entry is recorded."""

    at: datetime | None = None

    def __call__(self) -> datetime:
        return self.at or datetime.now(UTC)


@dataclass(frozen=True)
class LateHistory:
    """A family whose record changed after the fact, and the days it changed on."""

    family_id: str
    first_day: date
    before_late: date  # a day on which neither the late entry nor the correction was recorded
    late_entry_id: str  # a health visitor's contact, recorded LATE_DAYS after it happened
    corrected_entry_id: str  # the school's contact: its reason was corrected on day 25
    retracted_entry_id: str  # a contact recorded twice by mistake, retracted the next day
    entries_today: int
    entries_before_late: int
    position: int  # the store's, after the last entry


def token_for(tokens: Tokens, role: str, user_id: str | None = None) -> str:
    return tokens.issue(Identity(user_id or f"{role}-1", role, "early_help"))


def record_late_history(client: httpx.Client, clock: Clock, tokens: Tokens) -> LateHistory:
    """Post a family's entries over HTTP, each recorded on its own day (the app's clock), by
    its lead practitioner; a QA officer corrects and retracts.

    Days from the first (30 days ago): 0 registered, 1 request for support, 2 a school
    contact, 3 support agreed and a lead assigned, 5 a contact recorded twice, 6 the
    duplicate retracted, 20 a health visitor's contact of day 4 recorded late, 25 the
    school contact's reason corrected. The clock goes back to real time at the end."""
    first = datetime.now(UTC).replace(hour=10, minute=0, second=0, microsecond=0) - timedelta(
        days=30
    )

    def post(day: int, path: str, body: dict[str, Any], *, happened: int | None = None) -> str:
        clock.at = first + timedelta(days=day, minutes=5)
        occurred = first + timedelta(days=day if happened is None else happened)
        url = f"/families/{family_id}{path}" if path else "/families"
        role = "qa_officer" if path in {"/corrections", "/retractions"} else "lead_practitioner"
        headers = {"Authorization": f"Bearer {token_for(tokens, role, 'lead-1')}"}
        response = client.post(
            url, json={"occurred_at": occurred.isoformat(), **body}, headers=headers
        )
        assert response.status_code == 201, (path, response.text)
        answer: dict[str, Any] = response.json()
        positions.append(answer["position"])
        return str(answer["entry_id"] if path else answer["family_id"])

    family_id = ""
    positions: list[int] = []
    members = [
        {"relationship": "child", "given_name": "Ada", "date_of_birth": "2015-03-01"},
        {"relationship": "parent_carer", "given_name": "Bea", "family_name": "Stone"},
    ]
    try:
        family_id = post(0, "", {"area": "chatham", "members": members})
        post(1, "/requests-for-support", {"source": "5D"})
        school = {"agency": "school", "channel": "phone", "reason": "concern"}
        corrected = post(2, "/contacts", {**school, "notes": "Attendance has dropped."})
        post(3, "/support-decisions", {"decision": "agreed"})
        lead = {"practitioner_id": "lead-1", "agency": "early_help"}
        post(3, "/lead-practitioner", lead)
        visit = {"agency": "health_visiting", "channel": "home_visit", "reason": "check_in"}
        post(5, "/contacts", visit)
        duplicate = post(5, "/contacts", visit)
        post(6, "/retractions", {"target_entry_id": duplicate, "reason": "duplicate"})
        late = post(4 + LATE_DAYS, "/contacts", {**visit, "reason": "concern"}, happened=4)
        post(
            25,
            "/corrections",
            {
                "target_entry_id": corrected,
                "reason": "wrong_code",
                "changes": {"reason": "information"},
            },
        )
    finally:
        clock.at = None
    return LateHistory(
        family_id=family_id,
        first_day=first.date(),
        before_late=(first + timedelta(days=10)).date(),
        late_entry_id=late,
        corrected_entry_id=corrected,
        retracted_entry_id=duplicate,
        entries_today=10,
        entries_before_late=8,
        position=positions[-1],
    )


# Codes as stored (`5D`, `RC9`, `home_visit`, `wrong_code`) and Python's booleans: no page
# shows them; plain words and numbers (`police`, `10`) read as they are.
CODED = re.compile(r"[a-z0-9]+(?:_[a-z0-9]+)+|\d+[A-Z]+\d*|[A-Z]+\d+")


def raw_codes(text: str) -> list[str]:
    """The codes of any code list, and booleans, that `text` shows as they are stored."""
    listed = {code for entries in load().lists.values() for code in entries}
    raw = {code for code in listed if CODED.fullmatch(code)} | {"True", "False"}
    return sorted(set(re.findall(r"[A-Za-z0-9_]+", text)) & raw)


def wait_for_views(journeys: Journeys, position: int) -> None:
    """Until every view has the history: pages read views, which follow the store."""
    for projection in all_projections():
        journeys.views.wait(projection.name, position, timeout=10)


@dataclass(frozen=True)
class Served:
    base_url: str
    tokens: Tokens
    history: LateHistory

    def token(self, role: str) -> str:
        return token_for(self.tokens, role)


def chromium(tmp_path_factory: pytest.TempPathFactory, *, scripts: bool = True) -> WebDriver:
    """Headless Chromium, with a profile of its own; `scripts=False`: JavaScript off."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in CHROMIUM_FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}")
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})  # console errors, CSP
    if not scripts:
        options.add_experimental_option(
            "prefs", {"profile.managed_default_content_settings.javascript": 2}
        )
    driver = webdriver.Chrome(options=options, service=Service(str(CHROMEDRIVER)))
    driver.set_page_load_timeout(20)
    return driver
