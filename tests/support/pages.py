"""Driving the web pages as a person does: signing in by pasting a token, the family page's
timeline rows, its slider and pictures, and the console's errors."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from selenium.webdriver.common.by import By
from selenium.webdriver.support.expected_conditions import staleness_of
from selenium.webdriver.support.wait import WebDriverWait

from tests.support.browser import Served

if TYPE_CHECKING:
    from selenium.webdriver.remote.webdriver import WebDriver
    from selenium.webdriver.remote.webelement import WebElement

WAIT_SECONDS = 5


def paste_token(browser: WebDriver, token: str) -> None:
    """Sign in on the sign-in page shown, as a person would, and wait until the page it
    leads to has loaded: the address changes before the new page is parsed, and an element
    found in between goes stale under the caller."""
    signing_in = browser.find_element(By.TAG_NAME, "html")
    browser.find_element(By.ID, "token").send_keys(token)
    browser.find_element(By.CSS_SELECTOR, "form.stacked button[type=submit]").click()
    WebDriverWait(browser, WAIT_SECONDS).until(staleness_of(signing_in))
    WebDriverWait(browser, WAIT_SECONDS).until(
        lambda b: b.execute_script("return document.readyState") == "complete"
    )


def sign_in(browser: WebDriver, served: Served, role: str, page: str) -> None:
    """Sign in afresh as `role` (of early help) through the sign-in page, then open `page`."""
    browser.delete_all_cookies()
    browser.get(f"{served.base_url}/session?next={page}")
    paste_token(browser, served.token(role))
    WebDriverWait(browser, WAIT_SECONDS).until(lambda b: "/web/" in b.current_url)
    browser.get(f"{served.base_url}{page}")


def open_family(browser: WebDriver, served: Served) -> None:
    browser.get(f"{served.base_url}/web/families/{served.history.family_id}")
    assert browser.find_element(By.TAG_NAME, "h1").text.startswith("Family")


def rows(browser: WebDriver) -> dict[str, WebElement]:
    found = browser.find_elements(By.CSS_SELECTOR, "#timeline tr.entry")
    return {row.get_attribute("id") or "": row for row in found}


def count_text(browser: WebDriver) -> str:
    return browser.find_element(By.ID, "timeline-count").text


def shown_as_of(browser: WebDriver) -> date:
    """The day whose record the timeline shows (the server's answer, not the slider's)."""
    shown = browser.find_element(By.CSS_SELECTOR, "#timeline [data-as-of]")
    return date.fromisoformat(shown.get_attribute("data-as-of") or "")


def shown_day(browser: WebDriver, day: date) -> None:
    """Wait until the timeline shown is the one recorded by the end of `day`."""
    WebDriverWait(browser, WAIT_SECONDS).until(
        lambda b: b.find_elements(By.CSS_SELECTOR, f'#timeline [data-as-of="{day.isoformat()}"]')
    )


def picture_width(browser: WebDriver, element_id: str) -> int:
    """The natural width of an <img> once the browser has finished with it: 0 if it failed."""
    picture = browser.find_element(By.ID, element_id)
    WebDriverWait(browser, WAIT_SECONDS).until(
        lambda b: b.execute_script("return arguments[0].complete", picture)
    )
    width: int = browser.execute_script("return arguments[0].naturalWidth", picture)
    return width


def slide_to(browser: WebDriver, served: Served, day: date, *, dragged: bool = False) -> None:
    """Move the family page's slider to `day`, as a mouse does: a change when let go (and
    input events on the way, if `dragged`)."""
    events = ("input", "change") if dragged else ("change",)
    browser.execute_script(
        "arguments[0].value = arguments[1];"
        "for (const kind of arguments[2]) {"
        "  arguments[0].dispatchEvent(new Event(kind, {bubbles: true}));"
        "}",
        browser.find_element(By.ID, "as-of"),
        (day - served.history.first_day).days,
        list(events),
    )


def errors(browser: WebDriver) -> list[str]:
    """The browser console's errors since last asked."""
    logs: list[dict[str, str]] = browser.get_log("browser")  # type: ignore[attr-defined]
    return [e["message"] for e in logs if e["level"] == "SEVERE"]
