"""The audit queue page in Chromium: a QA officer sees an unled family's overdue lead
assignment, the day it fell due (five working days over Christmas), filters by standard,
and follows the link to the family; a panel member sees the same queue, read only."""

from __future__ import annotations

from typing import TYPE_CHECKING

import httpx
import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support.select import Select
from selenium.webdriver.support.wait import WebDriverWait

from tests.support.browser import Served
from tests.support.pages import WAIT_SECONDS, paste_token

if TYPE_CHECKING:
    from selenium.webdriver.remote.webdriver import WebDriver

pytestmark = pytest.mark.browser
AREA = "luton_and_rainham"


@pytest.fixture(scope="module")
def unled(served: Served) -> str:
    """A family of its own area asking for support on Christmas Eve 2025, with no lead."""
    headers = {"Authorization": f"Bearer {served.token('practitioner')}"}
    with httpx.Client(base_url=served.base_url, timeout=10, headers=headers) as client:
        family = client.post(
            "/families",
            json={
                "occurred_at": "2025-12-01T10:00:00Z",
                "area": AREA,
                "members": [{"relationship": "child"}],
            },
        )
        assert family.status_code == 201, family.text
        family_id: str = family.json()["family_id"]
        asked = client.post(
            f"/families/{family_id}/requests-for-support",
            json={"occurred_at": "2025-12-24T10:00:00Z", "source": "3A"},
        )
        assert asked.status_code == 201, asked.text
        # The page reads the timeline view: wait until it has the request.
        qa = {"Authorization": f"Bearer {served.token('qa_officer')}"}
        position = str(asked.json()["position"])
        ready = client.get("/qa/queue", params={"min_position": position}, headers=qa)
        assert ready.status_code == 200, ready.text
    return family_id


def open_queue(browser: WebDriver, served: Served, role: str, query: str) -> None:
    browser.delete_all_cookies()
    browser.get(f"{served.base_url}/session?next=/web/qa")
    paste_token(browser, served.token(role))
    WebDriverWait(browser, WAIT_SECONDS).until(lambda b: "/web/" in b.current_url)
    browser.get(f"{served.base_url}/web/qa?{query}")


def queued(browser: WebDriver) -> list[tuple[str, str, str]]:
    return [
        (
            row.get_attribute("data-rule") or "",
            row.get_attribute("data-family") or "",
            row.find_element(By.CSS_SELECTOR, "td.due").text,
        )
        for row in browser.find_elements(By.CSS_SELECTOR, "#queue tr.finding")
    ]


def test_a_qa_officer_sees_the_overdue_lead_and_follows_it_to_the_family(
    browser: WebDriver, served: Served, unled: str
) -> None:
    open_queue(browser, served, "qa_officer", f"area={AREA}")
    assert browser.find_element(By.TAG_NAME, "h1").text == "Audit queue"
    # The families page's test registers families of this area too: of this family's
    # findings, the longest overdue comes first.
    mine = [row for row in queued(browser) if row[1] == unled]
    assert mine[0] == ("lead-assigned", unled, "2026-01-05")
    # Fifteen working days: past 25, 26 Dec, 1 Jan and the weekends.
    assert ("assessment-completed", unled, "2026-01-19") in queued(browser)

    Select(browser.find_element(By.ID, "rule")).select_by_value("assessment-completed")
    browser.find_element(By.CSS_SELECTOR, "form.filters button[type=submit]").click()
    WebDriverWait(browser, WAIT_SECONDS).until(
        lambda b: "rule=assessment-completed" in b.current_url
    )
    assert {rule for rule, _, _ in queued(browser)} == {"assessment-completed"}
    assert ("assessment-completed", unled, "2026-01-19") in queued(browser)
    browser.find_element(By.CSS_SELECTOR, f'#queue a[href="/web/families/{unled}"]').click()
    WebDriverWait(browser, WAIT_SECONDS).until(lambda b: unled in b.current_url)


def test_a_panel_member_reads_the_same_queue(
    browser: WebDriver, served: Served, unled: str
) -> None:
    open_queue(browser, served, "panel_member", f"area={AREA}&severity=medium")
    assert ("lead-assigned", unled, "2026-01-05") in queued(browser)
    assert "Audit queue" in browser.find_element(By.CSS_SELECTOR, "nav").text


@pytest.fixture(scope="module")
def audited(served: Served, unled: str) -> tuple[str, str]:
    """A family of its own, asking for support in January 2026, whose episode a QA officer
    audited in February with one action overdue (due 10 February) and one still to come.
    Its episode id and the overdue action's id."""
    practitioner = {"Authorization": f"Bearer {served.token('practitioner')}"}
    qa = {"Authorization": f"Bearer {served.token('qa_officer')}"}
    with httpx.Client(base_url=served.base_url, timeout=10) as client:
        family = client.post(
            "/families",
            json={"occurred_at": "2026-01-02T10:00:00Z", "area": AREA,
                  "members": [{"relationship": "child"}]},
            headers=practitioner,
        )  # fmt: skip
        assert family.status_code == 201, family.text
        family_id = family.json()["family_id"]
        asked = client.post(
            f"/families/{family_id}/requests-for-support",
            json={"occurred_at": "2026-01-05T10:00:00Z", "source": "3A"},
            headers=practitioner,
        )
        assert asked.status_code == 201, asked.text
        episode_id: str = asked.json()["episode_id"]
        audit = client.post(
            f"/families/{family_id}/case-audits",
            json={"occurred_at": "2026-02-02T10:00:00Z", "episode_id": episode_id,
                  "grades": [{"standard": "voice_of_the_child", "grade": "inadequate"},
                             {"standard": "smart_plan", "grade": "good"}],
                  "findings": ["child_voice_missing"],
                  "actions": [{"owner": "early_help", "due_date": "2026-02-10"},
                              {"owner": "early_help", "due_date": "2099-01-01"}]},
            headers=qa,
        )  # fmt: skip
        assert audit.status_code == 201, audit.text
        position = str(audit.json()["position"])
        ready = client.get("/qa/queue", params={"min_position": position}, headers=qa)
        assert ready.status_code == 200, ready.text
    return episode_id, audit.json()["action_id_0"]


def test_an_audited_episode_shows_its_grade_and_open_actions(
    browser: WebDriver, served: Served, audited: tuple[str, str]
) -> None:
    episode_id, overdue = audited
    open_queue(browser, served, "qa_officer", f"area={AREA}")
    rows = browser.find_elements(By.CSS_SELECTOR, f'#queue tr.finding[data-episode="{episode_id}"]')
    assert rows
    cell = rows[0].find_element(By.CSS_SELECTOR, "td.audit")
    assert cell.find_element(By.CSS_SELECTOR, ".grade").text == "Inadequate"
    actions = cell.find_elements(By.CSS_SELECTOR, "li.action")
    assert [a.text for a in actions] == [
        "early_help: due 2026-02-10, overdue",
        "early_help: due 2099-01-01",
    ]
    assert actions[0].get_attribute("data-action") == overdue
    assert "overdue" in (actions[0].get_attribute("class") or "")
