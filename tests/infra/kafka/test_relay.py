"""The relay publishes every stored event, and every escalation and response, once the
broker has acknowledged them, with no personal data in any byte (real tansu broker)."""

from __future__ import annotations

from pathlib import Path

from infra.kafka.envelope import WITHHELD
from infra.kafka.topics import ESCALATIONS, EVENTS
from tests.support.api import sqlite_settings
from tests.support.journey import NOTES
from tests.support.relay import PERSONAL, envelopes, read_topic, relayed


def test_every_event_is_published_as_a_cloudevent_keyed_by_family(tmp_path: Path) -> None:
    with relayed(sqlite_settings(tmp_path)) as r:
        journey = r.journey().to("lead_assigned")
        journey.record_contact(personal=NOTES)
        head = r.journeys.app.position()

        status = r.relay.drain(timeout=30)

        assert (status.position, status.lag_events) == (head, 0)
        records = read_topic(r.bootstrap, EVENTS, at_least=head)
        assert len(records) == head
        found = envelopes(records)
        assert {e["specversion"] for e in found} == {"1.0"}
        assert {e["subject"] for e in found} == {str(journey.id)}
        assert {r.key for r in records} == {str(journey.id).encode()}
        assert len({r.partition for r in records}) == 1  # one family: one partition, in order
        assert [int(dict(r.headers)["position"]) for r in records] == list(range(1, head + 1))
        types = [e["type"] for e in found]
        assert types[0] == "journeys.event.Registered"
        assert [dict(r.headers)["type"].decode() for r in records] == types
        contact = found[types.index("journeys.event.ContactRecorded")]
        assert contact["data"]["data"]["personal"] == WITHHELD
        # Personal data is withheld, and says so.
        registered = found[0]["data"]["data"]
        assert {m["personal"] for m in registered["members"]} == {WITHHELD}
        for record in records:
            assert not [p for p in PERSONAL if p in record.value], record.value


def test_an_escalation_carries_what_the_receiving_agency_may_see_and_a_link(tmp_path: Path) -> None:
    with relayed(sqlite_settings(tmp_path)) as r:
        journey = r.journey().to("lead_assigned")
        journey.raise_escalation(personal=NOTES)
        journey.respond_to_escalation()
        journey.record_contact()  # not an escalation: not on the escalations topic

        r.relay.drain(timeout=30)

        records = read_topic(r.bootstrap, ESCALATIONS, at_least=2)
        raised, responded = envelopes(records)
        assert [raised["type"], responded["type"]] == [
            "journeys.escalation.raised",
            "journeys.escalation.responded",
        ]
        for envelope in (raised, responded):
            data = envelope["data"]
            assert data["agency"] == "children_social_care"
            assert data["family_id"] == str(journey.id)
            assert data["escalation_id"] == str(journey.ids["escalation_id"])
            assert data["shared_view"] == f"http://127.0.0.1:8000/families/{journey.id}/shared-view"
        entry = raised["data"]["entry"]
        assert entry["visible_because"]["basis"] == "shared"
        assert entry["facts"]["to_service"] == "children_social_care"
        assert entry["facts"]["safeguarding"] is True
        assert entry["personal"] == WITHHELD  # the notes: read them at the link
        assert responded["data"]["entry"]["facts"]["response"] == "accepted"
        for record in records:
            assert not [p for p in PERSONAL if p in record.value], record.value


def test_a_relay_stopped_in_the_background_still_drains_what_it_had_not_published(
    tmp_path: Path,
) -> None:
    # A service shutting down stops the loop, then publishes what is left before exiting.
    with relayed(sqlite_settings(tmp_path)) as r:
        r.relay.start()
        r.relay.stop()
        r.journey().to("lead_assigned").record_contact()
        head = r.journeys.app.position()

        status = r.relay.drain(timeout=30)

        assert (status.position, status.lag_events) == (head, 0)
        assert len(read_topic(r.bootstrap, EVENTS, at_least=head)) == head
