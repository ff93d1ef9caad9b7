"""The web pages in a real browser: signing in, the family page's timeline and picture, the
date slider replaying what the record showed on an earlier day, and the pathways page."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import httpx
import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.select import Select
from selenium.webdriver.support.wait import WebDriverWait

from tests.support.browser import Served
from tests.support.pages import (
    WAIT_SECONDS,
    count_text,
    errors,
    open_family,
    paste_token,
    picture_width,
    rows,
    shown_as_of,
    shown_day,
    slide_to,
)

if TYPE_CHECKING:
    from selenium.webdriver.remote.webdriver import WebDriver

pytestmark = pytest.mark.browser


@pytest.fixture
def signed_in(browser: WebDriver, served: Served) -> WebDriver:
    """The browser signed in as a QA officer, on the families page."""
    browser.delete_all_cookies()
    browser.get(f"{served.base_url}/session")
    paste_token(browser, served.token("qa_officer"))
    WebDriverWait(browser, WAIT_SECONDS).until(lambda b: b.current_url.endswith("/web/families"))
    return browser


def test_a_page_opened_without_signing_in_asks_for_a_token_then_comes_back(
    browser: WebDriver, served: Served
) -> None:
    browser.delete_all_cookies()
    family_page = f"/web/families/{served.history.family_id}"

    browser.get(served.base_url + family_page)

    assert browser.current_url.startswith(f"{served.base_url}/session?next=")
    paste_token(browser, served.token("panel_member"))
    WebDriverWait(browser, WAIT_SECONDS).until(lambda b: b.current_url.endswith(family_page))
    assert "panel_member-1" in browser.find_element(By.CSS_SELECTOR, ".who").text


def test_signing_in_through_the_development_login_page(browser: WebDriver, served: Served) -> None:
    browser.delete_all_cookies()
    browser.get(f"{served.base_url}/session")
    browser.find_element(By.LINK_TEXT, "development login page").click()

    assert browser.find_element(By.TAG_NAME, "h1").text == "Journeys: development login"
    user = browser.find_element(By.ID, "user_id")
    user.clear()
    user.send_keys("qa-9")
    Select(browser.find_element(By.ID, "role")).select_by_visible_text("qa_officer")
    Select(browser.find_element(By.ID, "agency")).select_by_visible_text("early_help")
    browser.find_element(By.CSS_SELECTOR, "form[action='/login'] button").click()
    WebDriverWait(browser, WAIT_SECONDS).until(lambda b: b.find_elements(By.TAG_NAME, "h2"))
    assert "as qa-9 (qa_officer, early_help)" in browser.find_element(By.TAG_NAME, "main").text
    assert (browser.find_element(By.ID, "token").get_attribute("value") or "").startswith("ey")
    assert errors(browser) == []  # its script and style are the site's own, as the CSP asks
    browser.find_element(By.XPATH, "//button[text()='Open the web pages with this token']").click()

    WebDriverWait(browser, WAIT_SECONDS).until(lambda b: b.current_url.endswith("/web/families"))
    assert browser.find_element(By.TAG_NAME, "h1").text == "Families"
    who = browser.find_element(By.CSS_SELECTOR, ".who").text
    assert "Signed in as qa-9 (QA officer, Early help service)" in who


def test_the_family_page_shows_the_timeline_and_the_journey_picture(
    signed_in: WebDriver, served: Served
) -> None:
    history = served.history

    open_family(signed_in, served)

    shown = rows(signed_in)
    assert len(shown) == history.entries_today
    assert count_text(signed_in).startswith(f"{history.entries_today} entries recorded by")
    assert "later" in shown[f"entry-{history.late_entry_id}"].text  # recorded late, and says so
    corrected = shown[f"entry-{history.corrected_entry_id}"]
    change = corrected.find_element(By.CSS_SELECTOR, ".correction")  # codes by their labels
    assert change.find_element(By.CSS_SELECTOR, ".before").text == "Concern raised"
    assert change.find_element(By.CSS_SELECTOR, ".after").text == "Information or advice"
    retracted = shown[f"entry-{history.retracted_entry_id}"]
    assert "retracted" in (retracted.get_attribute("class") or "")
    assert retracted.find_elements(By.TAG_NAME, "del")
    assert "Attendance has dropped." in corrected.text  # the QA officer sees personal details
    assert picture_width(signed_in, "journey-picture") > 0
    assert errors(signed_in) == []


def test_the_slider_replays_the_record_as_it_stood_on_an_earlier_day(
    signed_in: WebDriver, served: Served
) -> None:
    history = served.history
    open_family(signed_in, served)
    errors(signed_in)  # only those from here on
    slider = signed_in.find_element(By.ID, "as-of")
    today = shown_as_of(signed_in)

    # Move to a day before the late entry and the correction were recorded.
    slide_to(signed_in, served, history.before_late, dragged=True)
    shown_day(signed_in, history.before_late)

    earlier = rows(signed_in)
    day_label = f"{history.before_late.day} {history.before_late:%B %Y}"
    assert signed_in.find_element(By.ID, "as-of-label").text == day_label
    assert count_text(signed_in).startswith(
        f"{history.entries_before_late} entries recorded by {day_label}"
    )
    assert len(earlier) == history.entries_before_late
    assert f"entry-{history.late_entry_id}" not in earlier
    corrected = earlier[f"entry-{history.corrected_entry_id}"]
    assert not corrected.find_elements(By.CSS_SELECTOR, ".correction")
    assert "Concern raised" in corrected.text
    assert "Information or advice" not in corrected.text
    assert f"as_recorded_at={history.before_late.isoformat()}" in signed_in.current_url

    # And back to today, with the keyboard.
    slider.send_keys(Keys.END)
    shown_day(signed_in, today)

    again = rows(signed_in)
    assert len(again) == history.entries_today
    assert f"entry-{history.late_entry_id}" in again
    assert again[f"entry-{history.corrected_entry_id}"].find_elements(
        By.CSS_SELECTOR, ".correction"
    )
    assert signed_in.find_element(By.ID, "as-of-label").text.endswith("(today)")
    assert errors(signed_in) == []  # no script error, nothing the page's policy blocked


def test_the_pathways_page_shows_the_cohort(signed_in: WebDriver, served: Served) -> None:
    # The late history's area: other browser tests register families of their own.
    signed_in.get(f"{served.base_url}/web/pathways?area=chatham")

    assert signed_in.find_element(By.TAG_NAME, "h1").text == "Pathways"
    families = signed_in.find_element(By.CSS_SELECTOR, "#pathways-answers dd")
    assert families.text == "1"
    paths = signed_in.find_elements(By.CSS_SELECTOR, "main table tbody tr")
    assert paths[0].text.startswith(
        "Registered → Referred (request for support) → Support agreed → Lead practitioner assigned"
    )
    assert picture_width(signed_in, "pathways-picture") > 0


def test_the_reason_the_page_was_opened_for_goes_with_each_replay(
    signed_in: WebDriver, served: Served
) -> None:
    history = served.history

    def logged() -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = httpx.get(
            f"{served.base_url}/families/{history.family_id}/access-log",
            headers={"Authorization": f"Bearer {served.token('qa_officer')}"},
        ).json()["items"]
        return items

    before = max((item["access_id"] for item in logged()), default=0)
    signed_in.get(f"{served.base_url}/web/families/{history.family_id}?reason=case_review")
    slide_to(signed_in, served, history.before_late)
    shown_day(signed_in, history.before_late)
    assert picture_width(signed_in, "journey-picture") > 0  # the replayed picture has loaded

    since = [(item["what"], item["reason"]) for item in logged() if item["access_id"] > before]
    read = sorted((what, reason) for what, reason in since if what != "access log")
    # The page and its picture, once as opened and once replayed to the earlier day.
    assert read == [("family page", "case_review")] * 2 + [("journey picture", "case_review")] * 2
