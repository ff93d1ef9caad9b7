"""The family page and its print in Chromium, as a QA officer and as the family's lead
practitioner: the slider and the date box replay the journey panel and its picture as well
as the timeline; no code shows raw; the print of a day shows what was recorded by then."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import TYPE_CHECKING

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.expected_conditions import staleness_of
from selenium.webdriver.support.wait import WebDriverWait

from tests.support.browser import Served, chromium, raw_codes, token_for
from tests.support.pages import (
    WAIT_SECONDS,
    errors,
    paste_token,
    picture_width,
    rows,
    shown_day,
    slide_to,
)

if TYPE_CHECKING:
    from selenium.webdriver.remote.webdriver import WebDriver

pytestmark = pytest.mark.browser

TOKENS: dict[str, Callable[[Served], str]] = {
    "qa_officer": lambda served: served.token("qa_officer"),
    # The family's own lead (record_late_history assigns lead-1).
    "lead_practitioner": lambda served: token_for(served.tokens, "lead_practitioner", "lead-1"),
}


@pytest.fixture(params=list(TOKENS))
def reader(request: pytest.FixtureRequest, browser: WebDriver, served: Served) -> WebDriver:
    """The browser signed in as each role that reads a family's journey, on its page."""
    browser.delete_all_cookies()
    browser.get(f"{served.base_url}/web/families/{served.history.family_id}")
    paste_token(browser, TOKENS[request.param](served))
    WebDriverWait(browser, WAIT_SECONDS).until(lambda b: b.find_elements(By.ID, "journey-answers"))
    errors(browser)  # only those from here on
    return browser


def service_entries(browser: WebDriver, service: str) -> str:
    """The number of entries the journey panel counts for a service."""
    for row in browser.find_elements(By.CSS_SELECTOR, "#journey table tbody tr"):
        cells = [cell.text for cell in row.find_elements(By.TAG_NAME, "td")]
        if cells and cells[0] == service:
            return cells[1]
    return ""


def journey_day(browser: WebDriver, day: date) -> None:
    WebDriverWait(browser, WAIT_SECONDS).until(
        lambda b: b.find_elements(By.CSS_SELECTOR, f'#journey[data-as-of="{day.isoformat()}"]')
    )


def test_the_slider_replays_the_journey_panel_and_its_picture(
    reader: WebDriver, served: Served
) -> None:
    history = served.history
    # Today the health visitor has two entries; the late one was not recorded by day 10.
    assert service_entries(reader, "Health visiting") == "2"
    assert reader.find_element(By.ID, "journey-heading").text == "Journey as recorded today"

    slide_to(reader, served, history.before_late)
    journey_day(reader, history.before_late)
    shown_day(reader, history.before_late)

    assert service_entries(reader, "Health visiting") == "1"
    heading = reader.find_element(By.ID, "journey-heading").text
    assert heading == f"Journey as recorded at the end of {history.before_late:%-d %B %Y}"
    picture = reader.find_element(By.ID, "journey-picture").get_attribute("src") or ""
    assert f"as_recorded_at={history.before_late.isoformat()}" in picture
    assert picture_width(reader, "journey-picture") > 0
    date_box = reader.find_element(By.ID, "as-of-date")
    assert date_box.get_attribute("value") == history.before_late.isoformat()  # in step
    assert f"entry-{history.late_entry_id}" not in rows(reader)
    assert errors(reader) == []


def test_typing_a_day_in_the_date_box_replays_both_panels(
    reader: WebDriver, served: Served
) -> None:
    history = served.history
    date_box = reader.find_element(By.ID, "as-of-date")

    date_box.send_keys(f"{history.before_late:%m%d%Y}")  # as a person types it (en-US)
    date_box.send_keys(Keys.ENTER)
    journey_day(reader, history.before_late)
    shown_day(reader, history.before_late)

    assert service_entries(reader, "Health visiting") == "1"
    assert len(rows(reader)) == history.entries_before_late
    slider = reader.find_element(By.ID, "as-of")
    assert slider.get_attribute("value") == str((history.before_late - history.first_day).days)
    assert reader.find_element(By.ID, "as-of-label").text == f"{history.before_late:%-d %B %Y}"
    assert f"as_recorded_at={history.before_late.isoformat()}" in reader.current_url
    assert errors(reader) == []


def test_no_code_shows_raw_on_the_family_page(reader: WebDriver) -> None:
    for summary in reader.find_elements(By.CSS_SELECTOR, "#timeline details > summary"):
        summary.click()  # open every entry's details, so their text is shown too

    shown = reader.find_element(By.TAG_NAME, "body").text  # the signed-in bar too

    assert raw_codes(shown) == []
    assert "Source: Early help" in shown
    assert "Member 1: SEND: No" in shown


def test_the_print_of_a_day_shows_what_was_recorded_by_then(
    reader: WebDriver, served: Served
) -> None:
    history = served.history
    slide_to(reader, served, history.before_late)
    journey_day(reader, history.before_late)

    reader.find_element(By.ID, "print-link").click()
    WebDriverWait(reader, WAIT_SECONDS).until(lambda b: "/print" in b.current_url)

    printed = reader.find_elements(By.CSS_SELECTOR, "table.timeline tr.entry")
    ids = {row.get_attribute("id") for row in printed}
    assert len(printed) == history.entries_before_late
    assert f"entry-{history.late_entry_id}" not in ids
    assert f"entry-{history.retracted_entry_id}" in ids
    head = reader.find_element(By.CSS_SELECTOR, ".print-head").text
    assert history.family_id in head
    assert f"as recorded at the end of {history.before_late:%-d %B %Y}" in head
    assert "Printed by" in head
    assert not reader.find_elements(By.CSS_SELECTOR, "nav")
    shown = reader.find_element(By.TAG_NAME, "main").text
    assert "Retraction recorded" in shown
    assert "Concern raised" in shown  # the school contact, as recorded before its correction
    assert raw_codes(shown) == []
    assert errors(reader) == []


def test_without_javascript_the_day_is_a_form_that_reloads_the_page(
    served: Served, tmp_path_factory: pytest.TempPathFactory
) -> None:
    history = served.history
    browser = chromium(tmp_path_factory, scripts=False)
    try:
        browser.get(f"{served.base_url}/web/families/{history.family_id}")
        paste_token(browser, served.token("qa_officer"))
        WebDriverWait(browser, WAIT_SECONDS).until(lambda b: b.find_elements(By.ID, "as-of-date"))
        assert service_entries(browser, "Health visiting") == "2"

        page = browser.find_element(By.TAG_NAME, "html")
        date_box = browser.find_element(By.ID, "as-of-date")
        date_box.send_keys(f"{history.before_late:%m%d%Y}")
        browser.find_element(By.CSS_SELECTOR, "#as-of-form button[type=submit]").click()
        # A new page, not the old one's panels swapped in (as the script does).
        WebDriverWait(browser, WAIT_SECONDS).until(staleness_of(page))
        journey_day(browser, history.before_late)

        assert f"as_recorded_at={history.before_late.isoformat()}" in browser.current_url
        assert service_entries(browser, "Health visiting") == "1"
        assert len(rows(browser)) == history.entries_before_late
        label = browser.find_element(By.ID, "as-of-label").text
        assert label == f"{history.before_late:%-d %B %Y}"
    finally:
        browser.quit()
