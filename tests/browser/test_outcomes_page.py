"""The sustained-outcomes page in Chromium: a QA officer sees the counts by status and the
claim list for a closure day no other browser test uses (in the area only the partner
pages use, whose lists are of shared families), switches to the 12-month check."""

from __future__ import annotations

from typing import TYPE_CHECKING

import httpx
import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support.select import Select
from selenium.webdriver.support.wait import WebDriverWait

from tests.support.browser import Served, token_for
from tests.support.episodes import family, request
from tests.support.pages import WAIT_SECONDS, errors, paste_token
from tests.support.sustained import supported

if TYPE_CHECKING:
    from selenium.webdriver.remote.webdriver import WebDriver

pytestmark = pytest.mark.browser

DAY = "2024-02-14"


def open_signed_in(browser: WebDriver, served: Served, role: str, query: str) -> None:
    """The page itself, opened without a session: sign in, and come back to it."""
    browser.delete_all_cookies()
    browser.get(f"{served.base_url}/web/outcomes?{query}")
    paste_token(browser, served.token(role))
    WebDriverWait(browser, WAIT_SECONDS).until(lambda b: "/web/outcomes" in b.current_url)


def test_the_outcomes_page_shows_counts_and_the_claim_list(
    browser: WebDriver, served: Served
) -> None:
    def auth(role: str, agency: str = "early_help", user_id: str | None = None) -> dict[str, str]:
        return {"Authorization": f"Bearer {token_for(served.tokens, role, user_id)}"}

    with httpx.Client(base_url=served.base_url, timeout=10) as client:
        held, short = family(client, auth, "gillingham"), family(client, auth, "gillingham")
        closure = supported(held, closed=f"{DAY}T10:00:00Z")
        supported(short, needs=("good_education", "health"), closed=f"{DAY}T11:00:00Z")
        request(held, "2024-09-20T10:00:00Z")  # after 6 months, inside 12
        ready = client.get(
            "/outcomes/sustained",
            params={"min_position": str(held.positions[-1])},
            headers=auth("qa_officer"),
        )
        assert ready.status_code == 200, ready.text

    open_signed_in(browser, served, "qa_officer", f"from={DAY}&to={DAY}")
    assert browser.find_element(By.TAG_NAME, "h1").text == "Sustained outcomes"
    assert browser.find_element(By.ID, "count-sustained").text == "1"
    assert browser.find_element(By.ID, "count-not_eligible").text == "1"
    [claim] = browser.find_elements(By.CSS_SELECTOR, "#claims tbody tr")
    assert held.family_id in claim.text
    assert closure["episode_id"] in claim.text
    verdicts = browser.find_element(By.ID, "verdicts").text
    assert "fewer than 3 needs (2)" in verdicts

    Select(browser.find_element(By.ID, "rules")).select_by_value("sf-2022-12m")
    browser.find_element(By.CSS_SELECTOR, "form.filters button").click()
    WebDriverWait(browser, WAIT_SECONDS).until(lambda b: "sf-2022-12m" in b.current_url)
    assert browser.find_element(By.ID, "count-not_sustained").text == "1"
    assert browser.find_elements(By.ID, "no-claims")
    assert "re referral on 20 Sep 2024" in browser.find_element(By.ID, "verdicts").text
    assert errors(browser) == []
