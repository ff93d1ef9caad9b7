"""The audit queue page without a browser: filters checked as GET /qa/queue checks them,
answered as pages a person can read; an empty queue said plainly."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.support.api import Auth


def test_unknown_filters_are_refused_in_a_page(client: TestClient, auth: Auth) -> None:
    for query in ({"severity": "dire"}, {"rule": "lead-asigned"}):
        page = client.get("/web/qa", params=query, headers=auth("qa_officer"))
        assert page.status_code == 422
        assert page.headers["content-type"].startswith("text/html")
    answer = client.get("/qa/findings", params={"rule": "nope"}, headers=auth("qa_officer"))
    assert answer.status_code == 422


def test_an_empty_queue_says_so(client: TestClient, auth: Auth) -> None:
    page = client.get("/web/qa", params={"area": "strood"}, headers=auth("panel_member"))
    assert page.status_code == 200
    assert "0 open findings" in page.text
    assert "Nothing in the queue for these filters." in page.text
