"""The case audit form in Chromium: a QA officer goes from a family's page to the form,
grades the episode, ticks a finding, sets an action, and sees the audit in the family's
timeline and in the list of audits with open actions; a lead practitioner is refused the
form. The family is one of its own, so the shared late history stays as it was."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import httpx
import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support.select import Select
from selenium.webdriver.support.wait import WebDriverWait

from tests.support.api import REGISTRATION
from tests.support.browser import Served
from tests.support.pages import WAIT_SECONDS, errors, paste_token

if TYPE_CHECKING:
    from selenium.webdriver.remote.webdriver import WebDriver

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def family_id(served: Served) -> str:
    """A family with one episode of early help, recorded over HTTP."""
    with httpx.Client(base_url=served.base_url, timeout=10) as client:
        found, _ = with_episode(client, served)
    return found


def with_episode(client: httpx.Client, served: Served) -> tuple[str, str]:
    """A family registered, and its episode opened by a request for support: their ids."""
    headers = {"Authorization": f"Bearer {served.token('lead_practitioner')}"}
    # Strood: the pathways test counts the families of Chatham.
    family = client.post("/families", json={**REGISTRATION, "area": "strood"}, headers=headers)
    assert family.status_code == 201, family.text
    found: str = family.json()["family_id"]
    request = {"occurred_at": "2025-01-07T10:00:00Z", "source": "5D"}
    opened = client.post(f"/families/{found}/requests-for-support", json=request,
                         headers=headers)  # fmt: skip
    assert opened.status_code == 201, opened.text
    return found, opened.json()["episode_id"]


def signed_in_at(browser: WebDriver, served: Served, role: str, page: str) -> None:
    browser.delete_all_cookies()
    browser.get(f"{served.base_url}/session?next={page}")
    paste_token(browser, served.token(role))


def until_shown(browser: WebDriver, url: str, element_id: str = "", text: str = "") -> None:
    """Open `url` again until it shows `element_id`, or `text` (the views catch up in the
    background)."""

    def shown(b: WebDriver) -> bool:
        b.get(url)
        return bool(b.find_elements(By.ID, element_id)) if element_id else text in b.page_source

    WebDriverWait(browser, WAIT_SECONDS).until(shown)


def open_audits(served: Served) -> list[dict[str, Any]]:
    headers = {"Authorization": f"Bearer {served.token('qa_officer')}"}
    answer = httpx.get(f"{served.base_url}/qa/case-audits", params={"open": "true"},
                       headers=headers, timeout=10)  # fmt: skip
    assert answer.status_code == 200, answer.text
    items: list[dict[str, Any]] = answer.json()["items"]
    return items


def test_a_qa_officer_records_a_case_audit_through_the_form(
    browser: WebDriver, served: Served, family_id: str
) -> None:
    page = f"/web/families/{family_id}"
    signed_in_at(browser, served, "qa_officer", page)
    until_shown(browser, f"{served.base_url}{page}", "case-audit-link")
    browser.find_element(By.ID, "case-audit-link").click()
    WebDriverWait(browser, WAIT_SECONDS).until(lambda b: b.find_elements(By.ID, "episode"))
    assert browser.find_element(By.TAG_NAME, "h1").text == "Record a case audit"

    Select(browser.find_element(By.ID, "grade-voice_of_the_child")).select_by_visible_text(
        "Inadequate"
    )
    Select(browser.find_element(By.ID, "grade-smart_plan")).select_by_visible_text("Good")
    browser.find_element(By.CSS_SELECTOR, "input[value=child_voice_missing]").click()
    Select(browser.find_element(By.ID, "owner-0")).select_by_value("school")
    due = browser.find_element(By.ID, "due-0")
    browser.execute_script("arguments[0].value = '2099-01-31';", due)
    browser.find_element(By.ID, "record-audit").click()
    WebDriverWait(browser, WAIT_SECONDS).until(lambda b: b.current_url.endswith(page))

    until_shown(browser, f"{served.base_url}{page}", text="Case audit graded 1 Good, 1 Inadequate")
    (listed,) = [item for item in open_audits(served) if item["family_id"] == family_id]
    assert (listed["open_actions"], listed["next_due"]) == (1, "2099-01-31")
    assert errors(browser) == []


def test_a_lead_practitioner_is_refused_the_form(
    browser: WebDriver, served: Served, family_id: str
) -> None:
    page = f"/web/families/{family_id}/case-audit"
    signed_in_at(browser, served, "lead_practitioner", page)
    browser.get(f"{served.base_url}{page}")
    assert browser.find_element(By.TAG_NAME, "h1").text == "You may not see this page"
    assert not browser.find_elements(By.ID, "case-audit-form")
    errors(browser)  # the refusal's own console line, read so later tests start clean


@pytest.fixture(scope="module")
def audited(served: Served) -> tuple[str, str, str]:
    """A family of its own whose episode a QA officer audited over HTTP, with an action
    overdue (due 10 February 2025) and one to come. Its id and the two actions' ids."""
    qa = {"Authorization": f"Bearer {served.token('qa_officer')}"}
    with httpx.Client(base_url=served.base_url, timeout=10) as client:
        found, episode_id = with_episode(client, served)
        audit = client.post(
            f"/families/{found}/case-audits",
            json={"occurred_at": "2025-02-01T10:00:00Z", "episode_id": episode_id,
                  "grades": [{"standard": "smart_plan", "grade": "requires_improvement"}],
                  "findings": [], "actions": [{"owner": "school", "due_date": "2025-02-10"},
                                              {"owner": "health", "due_date": "2099-03-01"}]},
            headers=qa,
        )  # fmt: skip
        assert audit.status_code == 201, audit.text
    return found, audit.json()["action_id_0"], audit.json()["action_id_1"]


def test_a_qa_officer_completes_an_open_action_with_its_button(
    browser: WebDriver, served: Served, audited: tuple[str, str, str]
) -> None:
    family, overdue, coming = audited
    page = f"/web/families/{family}/case-audit"
    signed_in_at(browser, served, "qa_officer", page)
    until_shown(browser, f"{served.base_url}{page}", "open-actions")
    rows = browser.find_elements(By.CSS_SELECTOR, "#open-actions tr.action")
    assert [r.get_attribute("data-action") for r in rows] == [overdue, coming]
    assert "2025-02-10 (overdue)" in rows[0].find_element(By.CSS_SELECTOR, "td.due").text
    assert "overdue" not in rows[1].find_element(By.CSS_SELECTOR, "td.due").text

    rows[0].find_element(By.CSS_SELECTOR, "button.complete-action").click()
    WebDriverWait(browser, WAIT_SECONDS).until(lambda b: b.current_url.endswith(page))

    def only_coming(b: WebDriver) -> bool:
        b.get(f"{served.base_url}{page}")
        shown = b.find_elements(By.CSS_SELECTOR, "#open-actions tr.action")
        return [r.get_attribute("data-action") for r in shown] == [coming]

    WebDriverWait(browser, WAIT_SECONDS).until(only_coming)
    (listed,) = [item for item in open_audits(served) if item["family_id"] == family]
    assert (listed["open_actions"], listed["overdue_actions"]) == (1, 0)
    assert errors(browser) == []
