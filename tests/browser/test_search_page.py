"""The search page in Chromium: a QA officer finds a family by a name typed in another case
and without its accent, and follows the link to its page; a practitioner with no caseload
finds nothing, and is told so plainly."""

from __future__ import annotations

from typing import TYPE_CHECKING
from uuid import uuid4

import httpx
import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support.wait import WebDriverWait

from tests.support.browser import Served
from tests.support.pages import WAIT_SECONDS, sign_in

if TYPE_CHECKING:
    from selenium.webdriver.remote.webdriver import WebDriver

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def zoe(served: Served) -> tuple[str, str]:
    """A family whose child's name has accents, with a family name no other test uses: its
    id, and its family name as typed (upper case, no accents)."""
    mark = uuid4().hex[:8]
    member = {"relationship": "child", "given_name": "Zoë", "family_name": f"Núñez{mark}"}
    with httpx.Client(base_url=served.base_url, timeout=10) as client:
        answer = client.post(
            "/families",
            json={"occurred_at": "2025-01-06T10:00:00Z", "area": "strood", "members": [member]},
            headers={"Authorization": f"Bearer {served.token('practitioner')}"},
        )
    assert answer.status_code == 201, answer.text
    return answer.json()["family_id"], f"NUNEZ{mark.upper()}"


def search_as(browser: WebDriver, served: Served, role: str, family_name: str) -> None:
    sign_in(browser, served, role, "/web/search")
    browser.find_element(By.ID, "family_name").send_keys(family_name)
    browser.find_element(By.ID, "given_name").send_keys("zoe")
    browser.find_element(By.CSS_SELECTOR, "form[role=search] button[type=submit]").click()
    WebDriverWait(browser, WAIT_SECONDS).until(lambda b: b.find_elements(By.ID, "found"))


def test_a_qa_officer_finds_the_family_typed_in_another_case_without_its_accent(
    browser: WebDriver, served: Served, zoe: tuple[str, str]
) -> None:
    wanted, typed = zoe
    search_as(browser, served, "qa_officer", typed)

    links = browser.find_elements(By.CSS_SELECTOR, "table.results a.family")
    assert [link.text for link in links] == [wanted]
    assert "Núñez" not in browser.page_source  # the page never shows the name back
    links[0].click()
    WebDriverWait(browser, WAIT_SECONDS).until(lambda b: b.current_url.endswith(wanted))


def test_a_practitioner_with_no_caseload_finds_nothing(
    browser: WebDriver, served: Served, zoe: tuple[str, str]
) -> None:
    search_as(browser, served, "practitioner", zoe[1])

    assert browser.find_elements(By.CSS_SELECTOR, "table.results") == []
    assert "No family found" in browser.find_element(By.CSS_SELECTOR, "p.none").text
