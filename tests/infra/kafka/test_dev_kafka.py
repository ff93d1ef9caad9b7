"""`journeys dev kafka` (`make run-kafka`) starts the broker, the API, the relay and the
inbound consumer, and Ctrl-C stops every one of them."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_the_launcher_starts_everything_and_ctrl_c_stops_it_all(tmp_path: Path) -> None:
    http, kafka = free_port(), free_port()
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("JOURNEYS_")},
        "PYTHONPATH": str(Path(__file__).parents[3]),
        "JOURNEYS_SQLITE_PATH": str(tmp_path / "j.sqlite"),
        "JOURNEYS_MODE": "development",
    }
    command = [
        sys.executable, "-m", "api.cli", "dev", "kafka", "--families", "2",
        "--port", str(http), "--kafka-port", str(kafka),
    ]  # fmt: skip
    launcher = subprocess.Popen(
        command, env=env, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True
    )
    try:
        assert launcher.stdout is not None
        running = ""
        deadline = time.monotonic() + 120
        while not running.startswith("Running:"):
            assert time.monotonic() < deadline, "it did not start in time"
            assert launcher.poll() is None, "it stopped"
            running = launcher.stdout.readline()
        with urllib.request.urlopen(f"http://127.0.0.1:{http}/asyncapi.json", timeout=5) as r:
            assert b"journeys.inbound.contacts.v1" in r.read()
        pids = [int(pid) for pid in re.findall(r"\((\d+)\)", running)]
        assert {"server", "relay", "inbound consumer", "subscriber"} <= {
            name.strip() for name in re.findall(r"([a-z ]+) \(", running)
        }

        launcher.send_signal(signal.SIGINT)
        code = launcher.wait(40)
    finally:
        if launcher.poll() is None:
            launcher.kill()
            launcher.wait(10)

    assert code == 0
    assert [pid for pid in pids if alive(pid)] == []
    with pytest.raises(ConnectionRefusedError):  # the broker is gone too
        socket.create_connection(("127.0.0.1", kafka), timeout=1).close()
