"""The evidence pages as Chromium renders them: the early help dataset for a QA officer, with
its CSV, and re-referral under both definitions with its picture for a researcher, small
counts withheld; a period the form gets wrong is named."""

from __future__ import annotations

from typing import TYPE_CHECKING

import httpx
from selenium.webdriver.common.by import By

from api.web.pages_evidence import MEASURES
from tests.support.browser import Served
from tests.support.pages import errors, picture_width, sign_in

if TYPE_CHECKING:
    from selenium.webdriver.remote.webdriver import WebDriver


def test_the_dataset_page_counts_the_area_and_offers_the_csv(
    browser: WebDriver, served: Served
) -> None:
    sign_in(browser, served, "qa_officer", "/web/reports?area=chatham")

    assert browser.find_element(By.TAG_NAME, "h1").text == "Early help dataset"
    rows = browser.find_elements(By.CSS_SELECTOR, "#dataset tbody tr")
    shown = {row.get_attribute("data-measure"): row.text for row in rows}
    assert list(shown) == [name for name, _ in MEASURES]
    requests = int(shown["requests_for_support"].split()[-1].replace(",", ""))
    answer = httpx.get(
        f"{served.base_url}/reports/dataset",
        params={"area": "chatham"},
        headers={"Authorization": f"Bearer {served.token('qa_officer')}"},
    ).json()
    assert requests == answer["requests_for_support"] >= 1  # the page shows what the API says
    link = browser.find_element(By.ID, "dataset-csv").get_attribute("href") or ""
    assert link.endswith("/reports/dataset?area=chatham&format=csv")
    assert errors(browser) == []


def test_the_re_referrals_page_draws_the_curves_and_withholds_small_counts(
    browser: WebDriver, served: Served
) -> None:
    sign_in(browser, served, "researcher", "/web/re-referrals?area=chatham")

    assert browser.find_element(By.TAG_NAME, "h1").text == "Re-referrals"
    sections = browser.find_elements(By.CSS_SELECTOR, "section.definition")
    assert [s.get_attribute("id") for s in sections] == ["definition-cin", "definition-closure"]
    assert "children in need" in sections[0].find_element(By.TAG_NAME, "h2").text
    # The browser tests' few families: every count under 5 is withheld, so no rate shows.
    rates = [s.find_element(By.CSS_SELECTOR, "dd.rate").text for s in sections]
    assert rates == ["withheld", "withheld"]
    assert picture_width(browser, "re-referrals-picture") > 0
    assert errors(browser) == []


def test_a_period_out_of_order_is_named(browser: WebDriver, served: Served) -> None:
    sign_in(browser, served, "qa_officer", "/web/reports?from=2025-03-01&to=2025-01-01")

    assert "`to` must be on or after `from`" in browser.find_element(By.TAG_NAME, "main").text
    # The page's own status is the only thing the console reports (and is read off here).
    assert [("422" in line) for line in errors(browser)] == [True]
