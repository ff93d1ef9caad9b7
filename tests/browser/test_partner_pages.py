"""The partner's pages in Chromium: the police, with whom a family's contact details and
education information were shared on a lawful basis, find the family in the list of
families shared with them and read its entries, each saying why it is visible; probation,
with nothing shared, find nothing; a QA officer previews the police's pages."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import httpx
import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support.wait import WebDriverWait

from infra.tokens import Identity
from tests.support.browser import Served
from tests.support.pages import WAIT_SECONDS, paste_token

if TYPE_CHECKING:
    from selenium.webdriver.remote.webdriver import WebDriver

pytestmark = pytest.mark.browser

NOTES = "Attendance has dropped since the move"
SHARED_ON = datetime.now(UTC).replace(hour=9, minute=0, second=0, microsecond=0) - timedelta(days=3)


@dataclass(frozen=True)
class Shared:
    family_id: str
    registration: str
    contact: str
    sharing: str


@pytest.fixture(scope="module")
def shared(served: Served) -> Shared:
    """A family registered by early help, a school's contact with notes, and information
    shared with the police (contact details, education) for safeguarding."""
    headers = {"Authorization": f"Bearer {served.token('practitioner')}"}
    when = (SHARED_ON - timedelta(days=1)).isoformat()
    with httpx.Client(base_url=served.base_url, timeout=10, headers=headers) as client:

        def post(path: str, body: dict[str, Any]) -> Any:
            answer = client.post(path, json={"occurred_at": when, **body})
            assert answer.status_code == 201, answer.text
            return answer.json()

        child = {"relationship": "child", "given_name": "Wren", "date_of_birth": "2016-04-02"}
        family = post("/families", {"area": "gillingham", "members": [child]})
        base = f"/families/{family['family_id']}"
        contact = post(
            f"{base}/contacts",
            {"agency": "school", "channel": "phone", "reason": "attendance", "notes": NOTES},
        )
        sharing = post(
            f"{base}/information-sharing",
            {
                "occurred_at": SHARED_ON.isoformat(),
                "with_agency": "police",
                "categories": ["contact_details", "education"],
                "purpose": "safeguarding",
                "lawful_basis": "safeguarding",
            },
        )
    # The pages read the sharing view at least as of the store's position: no wait here.
    return Shared(family["family_id"], family["entry_id"], contact["entry_id"], sharing["entry_id"])


def sign_in(browser: WebDriver, served: Served, role: str, agency: str) -> None:
    browser.delete_all_cookies()
    browser.get(f"{served.base_url}/session?next=/web/shared")
    paste_token(browser, served.tokens.issue(Identity(f"{role}-{agency}", role, agency)))
    WebDriverWait(browser, WAIT_SECONDS).until(lambda b: "/web/shared" in b.current_url)


def listed(browser: WebDriver) -> list[str]:
    return [a.text for a in browser.find_elements(By.CSS_SELECTOR, "table.results a.family")]


def reasons(browser: WebDriver) -> dict[str, str]:
    """Entry id -> why it is visible, as the page says."""
    return {
        row.get_attribute("data-entry-id") or "": row.find_element(By.CSS_SELECTOR, ".because").text
        for row in browser.find_elements(By.CSS_SELECTOR, "table.entries tbody tr")
    }


def test_the_police_find_the_family_shared_with_them_and_read_why_each_entry_shows(
    browser: WebDriver, served: Served, shared: Shared
) -> None:
    sign_in(browser, served, "partner", "police")

    assert browser.find_element(By.TAG_NAME, "h1").text == "Families shared with us"
    assert listed(browser) == [shared.family_id]
    row = browser.find_element(By.CSS_SELECTOR, "table.results tbody tr").text
    assert "Gillingham" in row
    assert "Contacts by education services" in row
    assert "shared on a lawful basis" in row
    assert f"{SHARED_ON.day} {SHARED_ON:%B %Y}" in row  # since: the sharing, as it occurred

    browser.find_element(By.CSS_SELECTOR, "table.results a.family").click()
    WebDriverWait(browser, WAIT_SECONDS).until(lambda b: b.current_url.endswith("/shared"))
    day = f"{SHARED_ON.day} {SHARED_ON:%B %Y}"
    why = f"shared by Early help service on {day} (occurred) under Safeguarding / risk of harm"
    assert reasons(browser) == {shared.registration: why, shared.contact: why, shared.sharing: why}
    text = browser.find_element(By.TAG_NAME, "main").text
    assert NOTES in text
    assert "Wren, born 2 April 2016" in text  # contact details were shared
    assert "Contact" in text
    assert "Information shared" in text
    assert "ContactRecorded" not in browser.page_source  # types by label, never raw codes


def test_an_agency_with_nothing_shared_finds_nothing_and_cannot_read_the_family(
    browser: WebDriver, served: Served, shared: Shared
) -> None:
    sign_in(browser, served, "partner", "probation")

    assert listed(browser) == []
    assert "Nothing of any family is shared" in browser.find_element(By.CSS_SELECTOR, "p.none").text
    browser.get(f"{served.base_url}/web/families/{shared.family_id}/shared")
    assert reasons(browser) == {}
    assert NOTES not in browser.page_source
    assert "Wren" not in browser.page_source
    assert "Nothing of this family is shared with Probation service" in browser.page_source


def test_a_qa_officer_previews_what_the_police_see(
    browser: WebDriver, served: Served, shared: Shared
) -> None:
    sign_in(browser, served, "qa_officer", "early_help")
    browser.find_element(By.ID, "agency").send_keys("Police")
    browser.find_element(By.CSS_SELECTOR, "form.filters button[type=submit]").click()
    WebDriverWait(browser, WAIT_SECONDS).until(lambda b: "agency=police" in b.current_url)

    assert listed(browser) == [shared.family_id]
    browser.find_element(By.CSS_SELECTOR, "table.results a.family").click()
    WebDriverWait(browser, WAIT_SECONDS).until(lambda b: "/shared?agency=police" in b.current_url)
    assert set(reasons(browser)) == {shared.registration, shared.contact, shared.sharing}
    assert "What Police may see of this family" in browser.find_element(By.TAG_NAME, "h1").text
