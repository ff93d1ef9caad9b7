"""`journeys subscribe`: the subscriber records an escalation to its agency off a real
broker (tansu) and lists it; an answer to an escalation it never received is refused
before anything is sent."""

from __future__ import annotations

from pathlib import Path

from infra.settings import Settings
from tests.support.cli import run
from tests.support.relay import relayed


def test_the_subscriber_lists_the_escalation_it_received(
    env: dict[str, str], tmp_path: Path
) -> None:
    settings = Settings(
        sqlite_path=Path(env["JOURNEYS_SQLITE_PATH"]), database_url=None, mode="development"
    )
    with relayed(settings) as r:
        journey = r.journey().to("lead_assigned")
        journey.raise_escalation()
        r.relay.drain(timeout=30)
        inbox = str(tmp_path / "inbox.sqlite")
        env = env | {"JOURNEYS_KAFKA_BOOTSTRAP": r.bootstrap}

        code, out, _ = run(
            env, "subscribe", "escalations", "--agency", "children_social_care",
            "--inbox", inbox, "--for", "8",
        )  # fmt: skip
        assert code == 0, out
        escalation_id = str(journey.ids["escalation_id"])
        assert f"{escalation_id} family {journey.id}" in out
        assert "awaiting an answer" in out

        code, out, _ = run(
            env, "subscribe", "escalations", "--agency", "police", "--inbox",
            str(tmp_path / "police.sqlite"), "--for", "5",
        )  # fmt: skip
        assert code == 0, out
        assert "0 escalation(s) to police" in out
        assert escalation_id not in out


def test_an_answer_to_an_escalation_not_received_is_refused(
    env: dict[str, str], tmp_path: Path
) -> None:
    code, _, err = run(
        env, "subscribe", "answer", "0b7c0d1e-0000-4000-8000-000000000000", "--agency",
        "police", "--accept", "--inbox", str(tmp_path / "inbox.sqlite"),
    )  # fmt: skip
    assert code == 1
    assert "not in this subscriber's inbox" in err


def test_an_unknown_agency_or_no_broker_is_a_settings_problem(
    env: dict[str, str], tmp_path: Path
) -> None:
    inbox = str(tmp_path / "inbox.sqlite")
    code, _, err = run(env, "subscribe", "escalations", "--agency", "nobody", "--inbox", inbox)
    assert code == 2
    assert "JOURNEYS_KAFKA_BOOTSTRAP" in err
    env = env | {"JOURNEYS_KAFKA_BOOTSTRAP": "127.0.0.1:9"}
    code, _, err = run(env, "subscribe", "escalations", "--agency", "nobody", "--inbox", inbox)
    assert (code, "unknown agency 'nobody'" in err) == (2, True)
