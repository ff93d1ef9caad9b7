"""Case audits through HTTP, on SQLite and PostgreSQL: a QA officer audits an episode,
its actions show as open and overdue in `GET /qa/case-audits` until completed (and again
once a completion is retracted), and the timeline shows the audit and the completion."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from tests.support.api import Auth
from tests.support.episodes import close, family, read, request, settings  # noqa: F401 (a fixture)
from tests.support.walk import Walk

QA: dict[str, Any] = {"role": "qa_officer"}
PASSED = "2024-03-01"  # long past: an open action due then is overdue
COMING = "2099-01-01"


def audit(walk: Walk, episode_id: str, *dues: str, at: str = "2024-02-20T10:00:00Z") -> Any:
    body = {
        "occurred_at": at,
        "episode_id": episode_id,
        "grades": [
            {"standard": "voice_of_the_child", "grade": "inadequate"},
            {"standard": "smart_plan", "grade": "good"},
        ],
        "findings": ["child_voice_missing"],
        "actions": [{"owner": "early_help", "due_date": due} for due in dues],
    }
    ids = ("audit_id", *(f"action_id_{n}" for n in range(len(dues))))
    return walk.post("/case-audits", body, event="CaseAuditRecorded", ids=ids, **QA)


def complete(walk: Walk, audited: Any, n: int, at: str = "2024-04-01T10:00:00Z") -> Any:
    path = f"/case-audits/{audited['audit_id']}/actions/{audited[f'action_id_{n}']}/completion"
    return walk.post(path, {"occurred_at": at}, event="CaseAuditActionCompleted", **QA)


def listed(client: TestClient, auth: Auth, walk: Walk, **query: str) -> list[dict[str, Any]]:
    answer = read(client, auth, walk, "/qa/case-audits", "qa_officer", **query)
    items: list[dict[str, Any]] = answer["items"]
    return items


def test_open_and_overdue_actions_are_listed_until_completed(
    client: TestClient, auth: Auth
) -> None:
    walk = family(client, auth)
    episode = request(walk, "2024-02-01T10:00:00Z")["episode_id"]
    close(walk, "2024-02-10T10:00:00Z")
    audited = audit(walk, episode, PASSED, COMING)

    (item,) = listed(client, auth, walk, open="true")
    assert (item["audit_id"], item["family_id"], item["episode_id"]) == (
        audited["audit_id"],
        walk.family_id,
        episode,
    )
    assert (item["actions"], item["open_actions"], item["overdue_actions"]) == (2, 2, 1)
    assert item["next_due"] == PASSED

    complete(walk, audited, 0)
    (item,) = listed(client, auth, walk, open="true")
    assert (item["open_actions"], item["overdue_actions"], item["next_due"]) == (1, 0, COMING)

    done = complete(walk, audited, 1)
    assert listed(client, auth, walk, open="true") == []
    (item,) = listed(client, auth, walk)  # every audit, open or not
    assert (item["actions"], item["open_actions"]) == (2, 0)

    retraction = {"occurred_at": "2024-04-02T10:00:00Z", "target_entry_id": done["entry_id"],
                  "reason": "recorded_in_error"}  # fmt: skip
    walk.post("/retractions", retraction, event="EntryRetracted", **QA)
    (item,) = listed(client, auth, walk, open="true")
    assert item["open_actions"] == 1


def test_the_list_is_of_an_area_and_most_overdue_first(client: TestClient, auth: Auth) -> None:
    here, there = family(client, auth, "chatham"), family(client, auth, "strood")
    on_time = audit(here, request(here, "2024-02-01T10:00:00Z")["episode_id"], COMING)
    late = audit(there, request(there, "2024-02-01T10:00:00Z")["episode_id"], PASSED)
    both = listed(client, auth, there, open="true")
    assert [i["audit_id"] for i in both] == [late["audit_id"], on_time["audit_id"]]
    only = listed(client, auth, there, open="true", area="chatham")
    assert [i["audit_id"] for i in only] == [on_time["audit_id"]]


def test_the_timeline_shows_the_audit_and_the_completion(client: TestClient, auth: Auth) -> None:
    walk = family(client, auth)
    audited = audit(walk, request(walk, "2024-02-01T10:00:00Z")["episode_id"], COMING)
    complete(walk, audited, 0)
    params = {"min_position": str(walk.positions[-1])}
    response = client.get(
        f"/families/{walk.family_id}/timeline", params=params, headers=auth("qa_officer")
    )
    assert response.status_code == 200, response.text
    summaries = {e["type"]: e["summary"] for e in response.json()["entries"]}
    assert summaries["CaseAuditRecorded"] == (
        "Case audit graded 1 Good, 1 Inadequate; findings: The child's voice is missing from "
        "the record; 1 actions set"
    )
    assert summaries["CaseAuditActionCompleted"] == "Case audit action completed"


def test_only_a_qa_officer_audits_and_the_rules_hold(client: TestClient, auth: Auth) -> None:
    walk = family(client, auth)
    episode = request(walk, "2024-02-01T10:00:00Z")["episode_id"]
    body = {"occurred_at": "2024-02-20T10:00:00Z", "episode_id": episode,
            "grades": [{"standard": "smart_plan", "grade": "good"}]}  # fmt: skip
    url = f"/families/{walk.family_id}/case-audits"
    practitioner = client.post(url, json=body, headers=auth("lead_practitioner"))
    assert practitioner.status_code == 403
    early = {**body, "actions": [{"owner": "school", "due_date": "2024-02-19"}]}
    refused = client.post(url, json=early, headers=auth("qa_officer"))
    assert refused.status_code == 409
    assert refused.json()["rule"] == "audit_action_due_before_audit"
    graded = {**body, "grades": [{"standard": "smart_plan", "grade": "excellent"}]}
    unknown = client.post(url, json=graded, headers=auth("qa_officer"))
    assert unknown.status_code == 422
    assert client.get("/qa/case-audits", headers=auth("panel_member")).status_code == 403


def test_the_audit_queue_shows_the_latest_audit_and_its_open_actions(
    client: TestClient, auth: Auth
) -> None:
    walk, other = family(client, auth, "strood"), family(client, auth, "strood")
    episode = request(walk, "2024-02-01T10:00:00Z")["episode_id"]  # no lead: a finding
    request(other, "2024-02-01T10:00:00Z")
    audit(walk, episode, COMING, at="2024-02-15T10:00:00Z")
    latest = audit(walk, episode, PASSED, COMING)
    complete(walk, latest, 1)

    answer = read(client, auth, walk, "/qa/queue", "qa_officer", area="strood")
    mine = [f for f in answer["findings"] if f["episode_id"] == episode]
    assert mine
    shown = mine[0]["audit"]
    assert shown["audit_id"] == latest["audit_id"]  # the later of the two audits
    assert shown["grade"] == "inadequate"  # the worst of its grades
    assert shown["grades"] == {"voice_of_the_child": "inadequate", "smart_plan": "good"}
    assert shown["open_actions"] == [
        {"action_id": latest["action_id_0"], "owner": "early_help", "due_on": PASSED,
         "overdue": True},
    ]  # fmt: skip
    unaudited = [f for f in answer["findings"] if f["family_id"] == other.family_id]
    assert unaudited
    assert {f["audit"] is None for f in unaudited} == {True}
