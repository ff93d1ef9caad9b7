"""The case audit form's POST without a browser: the session cookie makes this one command
only from this site's own page, for a QA officer; what it records is the command the JSON
route records; a refused audit is an error page naming the rule."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from api.common.deps import SESSION_COOKIE
from infra.bootstrap import Journeys
from infra.tokens import Identity
from tests.support.api import Auth


def opened(client: TestClient, auth: Auth, family: dict[str, str]) -> str:
    url = f"/families/{family['family_id']}/requests-for-support"
    body = {"occurred_at": "2025-01-07T10:00:00Z", "source": "5D"}
    answer = client.post(url, json=body, headers=auth("practitioner"))
    assert answer.status_code == 201, answer.text
    episode: str = answer.json()["episode_id"]
    return episode


def post_form(
    client: TestClient, journeys: Journeys, family_id: str, form: str, *, role: str = "qa_officer",
    site: str = "same-origin", path: str = "/case-audit",
) -> Any:  # fmt: skip
    token = journeys.tokens.issue(Identity(f"{role}-1", role, "early_help"))
    client.cookies.set(SESSION_COOKIE, token)
    try:
        return client.post(
            f"/web/families/{family_id}{path}",
            content=form,
            headers={"Content-Type": "application/x-www-form-urlencoded",
                     "Sec-Fetch-Site": site},
            follow_redirects=False,
        )  # fmt: skip
    finally:
        client.cookies.clear()


def test_a_qa_officer_records_an_audit_from_the_form(
    client: TestClient, journeys: Journeys, auth: Auth, family: dict[str, str]
) -> None:
    episode = opened(client, auth, family)
    form = (
        f"episode_id={episode}&grade.smart_plan=good&grade.voice_of_the_child="
        "&finding=child_voice_evident&owner.0=school&due.0=2099-01-31&owner.1=&due.1="
    )
    answer = post_form(client, journeys, family["family_id"], form)
    assert answer.status_code == 303, answer.text
    assert answer.headers["location"] == f"/web/families/{family['family_id']}"

    events = client.get(f"/families/{family['family_id']}/events", headers=auth("qa_officer"))
    (audit,) = [e for e in events.json()["items"] if e["type"] == "CaseAuditRecorded"]
    assert audit["data"]["grades"] == [{"standard": "smart_plan", "grade": "good"}]
    assert audit["data"]["findings"] == ["child_voice_evident"]
    assert [a["owner"] for a in audit["data"]["actions"]] == ["school"]


def test_the_form_is_refused_from_another_site_to_other_roles_and_when_a_rule_breaks(
    client: TestClient, journeys: Journeys, auth: Auth, family: dict[str, str]
) -> None:
    episode = opened(client, auth, family)
    form = f"episode_id={episode}&grade.smart_plan=good"
    family_id = family["family_id"]
    assert post_form(client, journeys, family_id, form, site="cross-site").status_code == 403
    lead = post_form(client, journeys, family_id, form, role="lead_practitioner")
    assert lead.status_code == 403
    signed_out = client.post(f"/web/families/{family_id}/case-audit", content=form,
                             follow_redirects=False)  # fmt: skip
    assert signed_out.status_code == 303
    assert signed_out.headers["location"].startswith("/session")
    ungraded = post_form(client, journeys, family_id, f"episode_id={episode}")
    assert ungraded.status_code == 409
    assert "at least one practice standard" in ungraded.text


def test_an_open_action_is_completed_from_its_button_by_a_qa_officer_only(
    client: TestClient, journeys: Journeys, auth: Auth, family: dict[str, str]
) -> None:
    family_id = family["family_id"]
    episode = opened(client, auth, family)
    form = f"episode_id={episode}&grade.smart_plan=good&owner.0=school&due.0=2099-01-31"
    assert post_form(client, journeys, family_id, form).status_code == 303
    events = client.get(f"/families/{family_id}/events", headers=auth("qa_officer")).json()
    (audit,) = [e for e in events["items"] if e["type"] == "CaseAuditRecorded"]
    audit_id, action_id = audit["data"]["audit_id"], audit["data"]["actions"][0]["action_id"]
    done = f"audit_id={audit_id}&action_id={action_id}"
    completion = {"path": "/case-audit/completion"}

    refused = [
        post_form(client, journeys, family_id, done, site="cross-site", **completion),
        post_form(client, journeys, family_id, done, role="lead_practitioner", **completion),
    ]
    assert [answer.status_code for answer in refused] == [403, 403]
    no_action = post_form(client, journeys, family_id, f"audit_id={audit_id}", **completion)
    assert no_action.status_code == 422
    answer = post_form(client, journeys, family_id, done, **completion)
    assert answer.status_code == 303, answer.text
    assert answer.headers["location"] == f"/web/families/{family_id}/case-audit"
    events = client.get(f"/families/{family_id}/events", headers=auth("qa_officer")).json()
    (completed,) = [e for e in events["items"] if e["type"] == "CaseAuditActionCompleted"]
    assert (completed["data"]["audit_id"], completed["data"]["action_id"]) == (audit_id, action_id)
