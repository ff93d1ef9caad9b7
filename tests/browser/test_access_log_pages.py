"""The access log pages in Chromium: a QA officer filters the log across families by one
user and sees only that user's reads, downloads the same reads as CSV through the signed-in
session, and sees one family's reads on its page; a lead practitioner is refused."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from typing import TYPE_CHECKING
from uuid import uuid4

import httpx
import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support.wait import WebDriverWait

from tests.support.browser import Served, token_for
from tests.support.pages import WAIT_SECONDS, errors, sign_in

if TYPE_CHECKING:
    from selenium.webdriver.remote.webdriver import WebDriver

pytestmark = pytest.mark.browser


@dataclass(frozen=True)
class Reads:
    """Reads of the late history's family by users no other test uses."""

    auditor: str  # a QA officer: the timeline twice, then the events
    panel: str  # a panel member: the journey once
    count: int  # the auditor's reads


@pytest.fixture(scope="module")
def reads(served: Served) -> Reads:
    mark = uuid4().hex[:8]
    auditor, panel = f"qa-{mark}", f"panel-{mark}"
    family = served.history.family_id
    asked = [
        (auditor, "qa_officer", "timeline"),
        (auditor, "qa_officer", "timeline"),
        (auditor, "qa_officer", "events"),
        (panel, "panel_member", "journey"),
    ]
    with httpx.Client(base_url=served.base_url, timeout=10) as client:
        for user, role, what in asked:
            token = token_for(served.tokens, role, user)
            answer = client.get(
                f"/families/{family}/{what}",
                params={"reason": "audit"},
                headers={"Authorization": f"Bearer {token}"},
            )
            assert answer.status_code == 200, answer.text
    return Reads(auditor, panel, count=3)


def cells(browser: WebDriver, column: str) -> list[str]:
    """The text of one column of the log's table, by its heading."""
    headings = [h.text for h in browser.find_elements(By.CSS_SELECTOR, "table.access-log th")]
    n = headings.index(column) + 1
    found = browser.find_elements(By.CSS_SELECTOR, f"table.access-log tbody td:nth-child({n})")
    return [cell.text for cell in found]


def test_a_qa_officer_filters_by_a_user_and_sees_only_that_users_reads(
    browser: WebDriver, served: Served, reads: Reads
) -> None:
    sign_in(browser, served, "qa_officer", "/web/access-log")
    assert "Access log" in [a.text for a in browser.find_elements(By.CSS_SELECTOR, "nav a")]
    assert reads.panel in cells(browser, "Who")  # unfiltered, both users' reads show

    browser.find_element(By.ID, "user_id").send_keys(reads.auditor)
    browser.find_element(By.CSS_SELECTOR, "form.filters button[type=submit]").click()
    WebDriverWait(browser, WAIT_SECONDS).until(lambda b: "user_id=" in b.current_url)

    assert cells(browser, "Who") == [reads.auditor] * reads.count
    assert cells(browser, "What") == ["Events", "Timeline", "Timeline"]
    assert set(cells(browser, "Role")) == {"QA officer"}
    assert set(cells(browser, "Agency")) == {"Early help service"}  # the label, not the code
    assert set(cells(browser, "Reason given")) == {"Quality assurance audit"}
    assert set(cells(browser, "Outcome")) == {"Read"}
    assert set(cells(browser, "Family")) == {served.history.family_id}
    assert browser.find_element(By.ID, "user_id").get_attribute("value") == reads.auditor
    assert errors(browser) == []  # nothing refused by the page's own rules (CSP)


def test_the_csv_link_downloads_the_reads_the_filter_matches(
    browser: WebDriver, served: Served, reads: Reads
) -> None:
    sign_in(browser, served, "qa_officer", f"/web/access-log?user_id={reads.auditor}")
    href = browser.find_element(By.CSS_SELECTOR, "a.csv").get_attribute("href")
    assert href is not None

    # Fetched by the page itself, so with the same signed-in session and nothing else.
    text = browser.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "fetch(arguments[0]).then(r => r.text()).then(done, e => done(String(e)));",
        href,
    )

    header, *rows = list(csv.reader(io.StringIO(text)))
    assert header[:3] == ["access_id", "at", "user_id"]
    assert [row[2] for row in rows] == [reads.auditor] * reads.count
    assert [row[header.index("what")] for row in rows] == ["events", "timeline", "timeline"]
    assert {row[header.index("family_id")] for row in rows} == {served.history.family_id}


def test_a_familys_page_lists_the_reads_of_that_family(
    browser: WebDriver, served: Served, reads: Reads
) -> None:
    # From the family's page, as a QA officer would get there.
    sign_in(browser, served, "qa_officer", f"/web/families/{served.history.family_id}")
    browser.find_element(By.ID, "access-log-link").click()
    WebDriverWait(browser, WAIT_SECONDS).until(lambda b: b.current_url.endswith("/access-log"))

    who = cells(browser, "Who")
    what = cells(browser, "What")
    assert browser.find_element(By.TAG_NAME, "h1").text == "Who read this family's record"
    assert (who[0], what[0]) == ("qa_officer-1", "Family page access log")  # this reading
    assert who.count(reads.auditor) == reads.count
    assert list(zip(who, what, strict=True)).count((reads.panel, "Journey")) == 1
    assert errors(browser) == []


def test_a_lead_practitioner_is_refused_the_access_log(
    browser: WebDriver, served: Served, reads: Reads
) -> None:
    sign_in(browser, served, "lead_practitioner", "/web/access-log")

    assert browser.find_element(By.TAG_NAME, "h1").text == "You may not see this page"
    assert "qa_officer" in browser.find_element(By.TAG_NAME, "main").text
    assert reads.auditor not in browser.page_source
    assert "Access log" not in [a.text for a in browser.find_elements(By.CSS_SELECTOR, "nav a")]
    # The console's only errors are the refusal itself, once after signing in and once when
    # opened (read here, so later tests start clean).
    assert {message.split(" - ")[0] for message in errors(browser)} == {
        f"{served.base_url}/web/access-log"
    }
