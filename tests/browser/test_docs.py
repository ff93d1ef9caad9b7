"""/docs in Chromium: the API's own OpenAPI 3.1 document rendered as operations a reader can
open, from files the app serves itself (no CDN), with no "cannot render" banner."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support.wait import WebDriverWait

from tests.support.browser import Served
from tests.support.pages import errors

if TYPE_CHECKING:
    from selenium.webdriver.remote.webdriver import WebDriver

pytestmark = pytest.mark.browser

# Swagger UI fetches and renders the document after the page loads: give it time.
RENDER_SECONDS = 15
# Swagger UI breaks long paths with these; a reader does not see them.
ZERO_WIDTH_SPACE = "\u200b"


def operations(browser: WebDriver) -> set[str]:
    """Each operation shown, as "METHOD /path"."""
    shown = set()
    for block in browser.find_elements(By.CSS_SELECTOR, ".opblock .opblock-summary"):
        method = block.find_element(By.CSS_SELECTOR, ".opblock-summary-method").text
        path = block.find_element(By.CSS_SELECTOR, ".opblock-summary-path").text
        shown.add(f"{method} {path.replace(ZERO_WIDTH_SPACE, '')}")
    return shown


def test_docs_render_the_openapi_operations(browser: WebDriver, served: Served) -> None:
    browser.delete_all_cookies()
    errors(browser)  # forget what earlier pages logged

    browser.get(f"{served.base_url}/docs")
    WebDriverWait(browser, RENDER_SECONDS).until(
        lambda b: (
            b.find_elements(By.CSS_SELECTOR, ".opblock")
            or b.find_elements(By.CSS_SELECTOR, ".version-pragma, .errors-wrapper")
        )
    )

    assert not browser.find_elements(By.CSS_SELECTOR, ".version-pragma, .errors-wrapper"), (
        browser.find_element(By.TAG_NAME, "body").text[:500]
    )
    assert "OAS 3.1" in browser.find_element(By.CSS_SELECTOR, ".info .title").text
    shown = operations(browser)
    assert {"POST /families", "GET /families", "GET /health"} <= shown
    assert any(op.startswith("GET /families/{family_id}") for op in shown)
    # Every script and style came from the app itself: none failed to load.
    assert errors(browser) == []
    scripts = browser.find_elements(By.CSS_SELECTOR, "script[src], link[rel=stylesheet]")
    sources = [s.get_attribute("src") or s.get_attribute("href") or "" for s in scripts]
    assert sources
    assert all(source.startswith(served.base_url) for source in sources), sources


def test_a_reader_authorizes_with_a_token_and_tries_an_operation(
    browser: WebDriver, served: Served
) -> None:
    browser.get(f"{served.base_url}/docs")
    wait = WebDriverWait(browser, RENDER_SECONDS)
    wait.until(lambda b: b.find_elements(By.CSS_SELECTOR, ".opblock"))

    browser.find_element(By.CSS_SELECTOR, "button.authorize").click()
    wait.until(lambda b: b.find_elements(By.CSS_SELECTOR, ".modal-ux input"))
    browser.find_element(By.CSS_SELECTOR, ".modal-ux input").send_keys(served.token("qa_officer"))
    browser.find_element(By.CSS_SELECTOR, ".modal-ux .auth-btn-wrapper button.authorize").click()
    browser.find_element(By.CSS_SELECTOR, ".modal-ux button.btn-done").click()
    listing = browser.find_element(By.ID, "operations-families-list_families_families_get")
    listing.find_element(By.CSS_SELECTOR, ".opblock-summary").click()
    wait.until(lambda _: listing.find_elements(By.CSS_SELECTOR, ".try-out__btn"))
    listing.find_element(By.CSS_SELECTOR, ".try-out__btn").click()
    listing.find_element(By.CSS_SELECTOR, ".execute").click()

    status = wait.until(
        lambda _: listing.find_elements(
            By.CSS_SELECTOR, ".live-responses-table tr.response .response-col_status"
        )
    )
    assert status[0].text == "200"
    body = listing.find_element(
        By.CSS_SELECTOR, ".live-responses-table tr.response .response-col_description"
    )
    assert served.history.family_id in body.text
