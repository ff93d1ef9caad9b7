"""The families page in Chromium: a lead practitioner ticks "My families" and sees the
families they lead now, with each one's stage, since when, level of need and lead agency by
their labels; a QA officer filters by area and stage, and pages through an area with the
next-page link."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import httpx
import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support.select import Select
from selenium.webdriver.support.wait import WebDriverWait

from tests.support.browser import Served, token_for
from tests.support.pages import WAIT_SECONDS, paste_token

if TYPE_CHECKING:
    from selenium.webdriver.remote.webdriver import WebDriver

pytestmark = pytest.mark.browser

LEAD = "lp-families-page"
AREA = "luton_and_rainham"  # no other browser test registers a family here


@dataclass(frozen=True)
class Families:
    led: str  # referred, agreed, led by LEAD: stage "lead practitioner assigned"
    closed: str  # led by LEAD, then closed
    registered: str  # no episode yet
    elsewhere: str  # in Strood, led by LEAD
    handed: str  # led by LEAD, handed over to another lead yesterday: LEAD reads it a while


def record(client: httpx.Client, served: Served, area: str, *steps: str) -> tuple[str, int]:
    """A family of `area` taken through `steps`, a day apart in January 2025; its id and the
    store position after its last entry."""
    headers = {"Authorization": f"Bearer {token_for(served.tokens, 'lead_practitioner', LEAD)}"}
    body: dict[str, Any] = {"area": area, "members": [{"relationship": "child"}]}
    bodies = {
        "referred": ("/requests-for-support", {"source": "5D"}),
        "agreed": ("/support-decisions", {"decision": "agreed"}),
        "led": ("/lead-practitioner", {"practitioner_id": LEAD, "agency": "early_help"}),
        "closed": ("/closures", {"reason": "no_further_action"}),
    }
    family_id, path = "", ""
    for day, step in enumerate(("registered", *steps), start=6):
        if family_id:
            path, body = bodies[step]
        answer = client.post(
            f"/families/{family_id}{path}" if family_id else "/families",
            json={"occurred_at": f"2025-01-{day:02d}T10:00:00Z", **body},
            headers=headers,
        )
        assert answer.status_code == 201, answer.text
        family_id = family_id or answer.json()["family_id"]
    return family_id, answer.json()["position"]


@pytest.fixture(scope="module")
def families(served: Served) -> Families:
    with httpx.Client(base_url=served.base_url, timeout=10) as client:
        led, _ = record(client, served, AREA, "referred", "agreed", "led")
        closed, _ = record(client, served, AREA, "referred", "agreed", "led", "closed")
        registered, _ = record(client, served, AREA)
        elsewhere, _ = record(client, served, "strood", "referred", "agreed", "led")
        handed, _ = record(client, served, AREA, "referred", "agreed", "led")
        handover = client.post(
            f"/families/{handed}/lead-practitioner",
            json={
                "occurred_at": (datetime.now(UTC) - timedelta(days=1)).isoformat(),
                "practitioner_id": "lp-someone-else",
                "agency": "early_help",
            },
            headers={
                "Authorization": f"Bearer {token_for(served.tokens, 'lead_practitioner', LEAD)}"
            },
        )
        assert handover.status_code == 201, handover.text
        last = handover.json()["position"]
        # The page reads the family directory, which follows the store.
        answer = client.get(
            "/families",
            params={"min_position": last},
            headers={"Authorization": f"Bearer {served.token('qa_officer')}"},
        )
        assert answer.status_code == 200, answer.text
    return Families(led, closed, registered, elsewhere, handed)


def sign_in(browser: WebDriver, served: Served, token: str) -> None:
    browser.delete_all_cookies()
    browser.get(f"{served.base_url}/session?next=/web/families")
    paste_token(browser, token)
    WebDriverWait(browser, WAIT_SECONDS).until(lambda b: b.current_url.endswith("/web/families"))


def shown(browser: WebDriver) -> dict[str, list[str]]:
    """Family id -> the text of the row's other cells, as the page shows them."""
    rows = {}
    for row in browser.find_elements(By.CSS_SELECTOR, "table.families tbody tr"):
        cells = [cell.text for cell in row.find_elements(By.TAG_NAME, "td")]
        rows[cells[0]] = cells[1:]
    return rows


def submit(browser: WebDriver) -> None:
    old = browser.find_element(By.TAG_NAME, "html")
    browser.find_element(By.CSS_SELECTOR, "form.filters button[type=submit]").click()
    WebDriverWait(browser, WAIT_SECONDS).until(lambda b: b.find_element(By.TAG_NAME, "html") != old)


def test_a_lead_practitioner_sees_the_families_they_lead_now(
    browser: WebDriver, served: Served, families: Families
) -> None:
    sign_in(browser, served, token_for(served.tokens, "lead_practitioner", LEAD))
    everyone = shown(browser)

    browser.find_element(By.ID, "mine").click()
    submit(browser)
    mine = shown(browser)

    # Their caseload: the families they lead, and for a while those they led.
    assert {families.led, families.handed, families.elsewhere} <= set(everyone)
    assert not {families.registered, families.closed} & set(everyone)  # long ago, or never
    assert set(mine) == {families.led, families.elsewhere}  # led by someone else now
    area, stage, level, agency, activity = mine[families.led]
    assert (area, level, agency) == ("Luton and Rainham", "Not assessed", "Early help service")
    assert stage.splitlines() == ["Lead practitioner assigned", "since 9 January 2025 (occurred)"]
    assert activity == "9 January 2025"
    assert "lead_assigned" not in browser.find_element(By.TAG_NAME, "main").text
    assert browser.find_element(By.ID, "mine").is_selected()


def test_a_qa_officer_filters_by_area_and_stage_and_pages_through(
    browser: WebDriver, served: Served, families: Families
) -> None:
    sign_in(browser, served, served.token("qa_officer"))
    Select(browser.find_element(By.ID, "area")).select_by_visible_text("Luton and Rainham")
    Select(browser.find_element(By.ID, "stage")).select_by_visible_text("Closed")
    submit(browser)
    closed = shown(browser)

    assert set(closed) == {families.closed}
    assert closed[families.closed][1].splitlines()[1] == "since 10 January 2025 (occurred)"

    browser.get(f"{served.base_url}/web/families?area={AREA}&limit=2")
    first = shown(browser)
    browser.find_element(By.CSS_SELECTOR, "a[rel=next]").click()
    WebDriverWait(browser, WAIT_SECONDS).until(lambda b: "after=" in b.current_url)
    second = shown(browser)

    assert list(first) == [families.led, families.closed]  # in the order they were registered
    assert list(second) == [families.registered, families.handed]
    assert browser.find_elements(By.CSS_SELECTOR, "a[rel=next]") == []
