"""Operating the relay: /asyncapi.json describes the messages really taken off the broker,
/health and /metrics show the relay's lag, and `journeys relay` drains and reports it."""

from __future__ import annotations

import json
import re
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from jsonschema import Draft7Validator

from api.app import create_app
from infra.kafka.topics import ESCALATIONS, EVENTS
from tests.support.api import REGISTRATION, auth_for, sqlite_settings
from tests.support.cli import run
from tests.support.journey import NOTES
from tests.support.relay import read_topic, relayed


def validator(document: dict[str, Any], name: str) -> Draft7Validator:
    """A validator of components.schemas.<name>, its $refs resolved within the document."""
    return Draft7Validator({**document, "$ref": f"#/components/schemas/{name}"})


def test_asyncapi_describes_the_messages_taken_off_the_broker(tmp_path: Path) -> None:
    with relayed(sqlite_settings(tmp_path)) as r:
        journey = r.journey().to("lead_assigned")
        journey.raise_escalation(personal=NOTES)
        journey.respond_to_escalation()
        r.relay.drain(timeout=30)
        with TestClient(create_app(r.journeys.settings, journeys=r.journeys)) as client:
            response = client.get("/asyncapi.json")
        events = read_topic(r.bootstrap, EVENTS, at_least=r.journeys.app.position())
        escalations = read_topic(r.bootstrap, ESCALATIONS, at_least=2)

    assert response.status_code == 200
    document = response.json()
    assert document["asyncapi"] == "3.0.0"
    channels = {c["address"]: c for c in document["channels"].values()}
    assert set(channels) == {
        "journeys.events.v1",
        "journeys.escalations.v1",
        "journeys.deadletter.v1",
        "journeys.inbound.contacts.v1",
    }
    assert channels[EVENTS]["bindings"]["kafka"]["partitions"] == 12
    for records, message in ((events, "FamilyEvent"), (escalations, "Escalation")):
        payload, headers = validator(document, message), validator(document, "Headers")
        for record in records:
            payload.validate(json.loads(record.value))
            headers.validate({k: v.decode() for k, v in record.headers})
    # The schema is not a rubber stamp: a message with personal data in clear fails it.
    leaked = json.loads(escalations[0].value)
    leaked["data"]["entry"]["personal"] = {"notes": NOTES.notes}
    assert not validator(document, "Escalation").is_valid(leaked)


def metric(text: str, name: str, **labels: str) -> float:
    shown = ",".join(f'{k}="{v}"' for k, v in sorted(labels.items()))
    pattern = re.escape(f"{name}{{{shown}}}" if labels else name) + r" ([0-9.e+-]+)"
    found = re.search(pattern, text)
    assert found, f"{name} {labels} not in /metrics"
    return float(found.group(1))


def test_health_and_metrics_show_the_relay_lag_until_it_drains(tmp_path: Path) -> None:
    with relayed(sqlite_settings(tmp_path)) as r:
        r.journey().to("registered")
        auth = auth_for(r.journeys)
        with TestClient(create_app(r.journeys.settings, journeys=r.journeys)) as client:
            created = client.post("/families", json=REGISTRATION, headers=auth("practitioner"))
            refused = client.post("/families", json={}, headers=auth("practitioner"))
            head = r.journeys.app.position()
            before = client.get("/health").json()["relay"]
            text_before = client.get("/metrics").text
            r.relay.drain(timeout=30)
            after = client.get("/health").json()["relay"]
            text_after = client.get("/metrics").text

    assert (created.status_code, refused.status_code) == (201, 422)
    assert (before["lag_events"], before["health"]) == (head, "behind")
    assert (after["lag_events"], after["position"], after["health"]) == (0, head, "caught up")
    assert metric(text_before, "journeys_relay_lag_events") == head
    assert metric(text_after, "journeys_relay_lag_events") == 0
    assert metric(text_after, "journeys_commands_total", outcome="stored") == 1
    assert metric(text_after, "journeys_commands_total", outcome="invalid") == 1
    assert metric(text_after, "journeys_view_lag_events", source="store", view="timeline") >= 0
    count = metric(text_after, "journeys_request_seconds_count", method="GET", route="/health")
    assert count == 2
    assert "Ada" not in text_after
    assert "Stone" not in text_after


def test_the_cli_drains_the_relay_and_reports_its_lag(tmp_path: Path) -> None:
    settings = sqlite_settings(tmp_path)
    with relayed(settings) as r:
        r.journey().to("registered")
        head = r.journeys.app.position()
        env = {
            "JOURNEYS_SQLITE_PATH": str(settings.sqlite_path),
            "JOURNEYS_DATABASE_URL": "",
            "JOURNEYS_KAFKA_BOOTSTRAP": r.bootstrap,
        }
        behind = run(env, "relay", "status", "--json")
        drained = run(env, "relay", "run", "--drain", "--timeout", "30")
        caught_up = run(env, "relay", "status", "--json")
        records = read_topic(r.bootstrap, EVENTS, at_least=head)

    assert behind[0] == 3, behind
    assert json.loads(behind[1])["lag_events"] == head
    assert drained[0] == 0, drained
    assert caught_up[0] == 0, caught_up
    assert json.loads(caught_up[1])["position"] == head
    assert len(records) == head


def test_a_relay_stalled_past_the_alert_makes_health_degraded_until_it_drains(
    tmp_path: Path,
) -> None:
    # Partners hear of escalations only through the relay: a monitor must see it stall.
    settings = sqlite_settings(tmp_path).model_copy(update={"relay_lag_alert_seconds": 0.5})
    with (
        relayed(settings) as r,
        TestClient(create_app(r.journeys.settings, journeys=r.journeys)) as client,
    ):
        r.clock.now = datetime.now(UTC)  # recorded now: the lag is measured against now
        r.journey().to("registered")
        fresh = client.get("/health").json()
        time.sleep(0.6)
        stalled = client.get("/health")
        r.relay.drain(timeout=30)
        drained = client.get("/health").json()

    assert fresh["relay"]["health"] == "behind"
    assert fresh["status"] != "degraded"  # behind for less than the alert: no alarm yet
    assert stalled.status_code == 200  # it still serves: commands never wait for the broker
    assert (stalled.json()["status"], stalled.json()["relay"]["lag_seconds"] > 0.5) == (
        "degraded",
        True,
    )
    assert (drained["status"], drained["relay"]["health"]) == ("ok", "caught up")
