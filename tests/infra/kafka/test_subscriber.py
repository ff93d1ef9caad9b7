"""The reference escalation subscriber end to end, on a real broker (tansu): an escalation
raised over HTTP reaches the receiving agency's subscriber through the relay, is kept once
however often it is delivered, and the agency's answer, sent through the API, comes back
as a response event, in the family's timeline and in the inbox."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from infra.kafka.inbox import RAISED, RESPONDED, Inbox, Received
from infra.kafka.subscriber import AnswerError, Subscriber, answer
from infra.kafka.topics import ESCALATIONS
from tests.support.api import auth_for, sqlite_settings
from tests.support.journey import LEAD, Journey
from tests.support.kafka import FAST_GROUP, publish
from tests.support.relay import Relayed, read_topic, relayed

AGENCY = "children_social_care"


def _iso(journey: Journey) -> str:
    return journey.next_time().isoformat().replace("+00:00", "Z")


def _poll_until(subscriber: Subscriber, done: Callable[[], bool], *, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not done():
        assert time.monotonic() < deadline, "the subscriber did not receive it in time"
        subscriber.poll(timeout_ms=200)


def _escalate(r: Relayed, client: TestClient, journey: Journey, **body: Any) -> str:
    auth = auth_for(r.journeys)
    reply = client.post(
        f"/families/{journey.id}/escalations",
        json={
            "occurred_at": _iso(journey),
            "to_service": AGENCY,
            "reason": "risk_of_significant_harm",
            "safeguarding": True,
            "lawful_basis": "safeguarding",
        }
        | body,
        headers=auth(LEAD.role, LEAD.agency, LEAD.user_id),
    )
    assert reply.status_code == 201, reply.text
    escalation_id: str = reply.json()["escalation_id"]
    return escalation_id


@contextmanager
def _escalated(tmp_path: Path) -> Iterator[tuple[Relayed, TestClient, Journey, str]]:
    """A relayed store and its API, a family escalated to AGENCY over HTTP, relayed."""
    with ExitStack() as stack:
        r = stack.enter_context(relayed(sqlite_settings(tmp_path)))
        app = create_app(r.journeys.settings, journeys=r.journeys)
        client = stack.enter_context(TestClient(app))
        journey = r.journey().to("lead_assigned")
        escalation_id = _escalate(r, client, journey)
        r.relay.drain(timeout=30)
        yield r, client, journey, escalation_id


def test_the_agency_receives_an_escalation_once_and_its_answer_closes_the_loop(
    tmp_path: Path,
) -> None:
    with _escalated(tmp_path) as (r, client, journey, escalation_id):
        inbox = Inbox(tmp_path / "inbox.sqlite")
        subscriber = Subscriber(r.bootstrap, AGENCY, inbox, consumer_config=FAST_GROUP)
        try:
            _poll_until(subscriber, lambda: bool(inbox.escalations()))
            [raised] = inbox.received()
            assert (raised.type, raised.escalation_id) == (RAISED, escalation_id)
            assert raised.family_id == str(journey.id)
            assert raised.shared_view.endswith(f"/families/{journey.id}/shared-view")

            # Delivered twice (a relay retrying a batch): kept once.
            # Published again as they were: what a relay retrying a batch does.
            publish(r.bootstrap, ESCALATIONS, read_topic(r.bootstrap, ESCALATIONS, at_least=1))
            _poll_until(subscriber, lambda: subscriber.delivered == 2)
            assert [m.ce_id for m in inbox.received()] == [raised.ce_id]

            # The agency's partner user answers (the client's own token, as the CLI's).
            client.headers.update(auth_for(r.journeys)("partner", AGENCY, "subscriber-csc"))
            at = _iso(journey)
            answer(client, inbox, escalation_id, "accepted", reason="threshold met", occurred_at=at)
            r.relay.drain(timeout=30)
            _poll_until(subscriber, lambda: inbox.escalations()[0].response is not None)
        finally:
            subscriber.close()

        [escalation] = inbox.escalations()
        assert (escalation.response, escalation.answered) == ("accepted", "accepted")
        assert [m.type for m in inbox.received()] == [RAISED, RESPONDED]
        qa = auth_for(r.journeys)("qa_officer")
        timeline = client.get(f"/families/{journey.id}/timeline", headers=qa).json()
        responses = [e for e in timeline["entries"] if e["type"] == "EscalationResponded"]
        assert [e["facts"]["response"] for e in responses] == ["accepted"]
        assert responses[0]["actor"]["agency"] == AGENCY
        inbox.close()


def test_another_agency_keeps_nothing_and_cannot_answer(tmp_path: Path) -> None:
    with _escalated(tmp_path) as (r, client, _, escalation_id):
        assert len(read_topic(r.bootstrap, ESCALATIONS, at_least=1)) == 1

        inbox = Inbox(tmp_path / "school.sqlite")
        subscriber = Subscriber(r.bootstrap, "school", inbox, consumer_config=FAST_GROUP)
        try:
            deadline = time.monotonic() + 5
            while time.monotonic() < deadline:
                subscriber.poll(timeout_ms=200)
        finally:
            subscriber.close()
        assert inbox.received() == []
        with pytest.raises(AnswerError, match="not in this subscriber's inbox"):
            answer(client, inbox, escalation_id, "declined")
        inbox.close()


def test_a_record_kept_twice_counts_once(tmp_path: Path) -> None:
    inbox = Inbox(tmp_path / "inbox.sqlite")
    message = Received(
        "f/9", RAISED, "f", "e", AGENCY, None, None, "http://x/families/f/shared-view", 0, 3, "t"
    )
    assert inbox.record([message, message]) == [message]
    assert inbox.record([message]) == []
    assert len(inbox.received()) == 1
    inbox.close()
