"""An inbound consumer process killed -9 mid-stream and started again: every message is
accounted for exactly once, appended or dead-lettered (real tansu broker, SQLite store)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.support.api import sqlite_settings
from tests.support.inbound import contact, dead_letters, publish, sent
from tests.support.kafka import FAST_GROUP
from tests.support.relay import relayed

pytestmark = pytest.mark.slow


def test_a_consumer_killed_mid_stream_accounts_for_every_message_once_on_restart(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = sqlite_settings(tmp_path)
    with relayed(settings) as r:
        journey = r.journey().to("lead_assigned")
        start = r.journeys.app.position()
        valid = [sent(contact(journey.id)) for _ in range(240)]
        invalid = [sent(contact(journey.id, channel="carrier_pigeon")) for _ in range(60)]
        messages = [m for pair in zip(valid[::4], invalid, strict=False) for m in pair]
        messages += [m for m in valid if m not in messages]
        publish(r.bootstrap, messages)
        env = {
            **{k: v for k, v in os.environ.items() if not k.startswith("JOURNEYS_")},
            "PYTHONPATH": str(Path(__file__).parents[3]),
            "JOURNEYS_SQLITE_PATH": str(settings.sqlite_path),
            "JOURNEYS_MODE": "development",
            "JOURNEYS_KAFKA_BOOTSTRAP": r.bootstrap,
        }
        command = [
            sys.executable, "-m", "api.cli", "inbound", "run", "--consumer", json.dumps(FAST_GROUP)
        ]  # fmt: skip

        def appended() -> int:
            notes = r.journeys.app.recorder.select_notifications(start=start + 1, limit=10_000)
            return sum(note.topic.endswith("ContactRecorded") for note in notes)

        first = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL)
        try:
            deadline = time.monotonic() + 60
            while appended() < 40:
                assert time.monotonic() < deadline, "the consumer appended nothing"
                time.sleep(0.01)
            first.send_signal(signal.SIGKILL)
        finally:
            first.wait(10)
        killed_at = appended()
        second = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL)
        try:
            deadline = time.monotonic() + 90
            while appended() < len(valid):
                assert time.monotonic() < deadline, f"only {appended()} appended"
                time.sleep(0.1)
            letters = dead_letters(r.bootstrap, at_least=len(invalid))
        finally:
            second.send_signal(signal.SIGTERM)
            second.wait(20)
        time.sleep(1)  # anything the second process would still (wrongly) add
        total = appended()

    assert 0 < killed_at < len(valid)
    assert second.returncode == 0
    assert total == len(valid)  # each valid message appended once, despite redelivery
    offsets = sorted(letter["source"]["offset"] for letter in letters)
    assert len(offsets) == len(set(offsets)) == len(invalid)
    assert {letter["reason"]["field"] for letter in letters} == {"channel"}
    with capsys.disabled():
        print(f"\ninbound consumer killed -9 after {killed_at} of {len(valid)} appends")
