"""`journeys dev kafka` (`make run-kafka`): the whole Kafka topology on one machine, for
development. It starts a local tansu broker (infra.kafka.devbroker), creates the topics
with their partition counts, loads the demo data as `make run` does (only into an empty
store), then runs the API server (whose own runner keeps the views), the relay, the inbound
consumer and an escalation subscriber, each its own process,
and stops them all (the broker last) on Ctrl-C or SIGTERM. If any of them stops, the others
are stopped too and the exit code is 1: a broker restart loses every topic and offset, so
everything starts again together.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from typing import Annotated

import typer

from api.cli.common import fail, load_settings
from infra.kafka.broker import Broker
from infra.kafka.devbroker import DEV_CONSUMER, BrokerUnavailableError, start_broker, stop_broker
from infra.kafka.topics import partitions

dev_app = typer.Typer(help="Development tools.", no_args_is_help=True)

Proc = subprocess.Popen[bytes]


def _journeys(*args: str) -> list[str]:
    return [sys.executable, "-m", "api.cli", *args]


def _wait_for_http(url: str, processes: dict[str, Proc], timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if any(proc.poll() is not None for proc in processes.values()):
            return False
        try:
            with urllib.request.urlopen(url, timeout=1):
                return True
        except urllib.error.HTTPError:  # it answers (a lagging view may make it 503)
            return True
        except OSError:
            time.sleep(0.2)
    return False


def _stop_all(processes: dict[str, Proc]) -> None:
    for proc in processes.values():
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + 15
    for proc in processes.values():
        try:
            proc.wait(max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)


class _StopRequestedError(Exception):
    """SIGTERM: stop everything, as on Ctrl-C."""


def _raise_stop(*_: object) -> None:
    raise _StopRequestedError


@dev_app.command("kafka")
def dev_kafka(
    kafka_port: Annotated[int, typer.Option(help="The local broker's port.")] = 9092,
    host: Annotated[str, typer.Option(help="The API server's interface.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="The API server's port.")] = 8000,
    families: Annotated[int, typer.Option(help="Demo families (an empty store only).")] = 300,
    agency: Annotated[str, typer.Option(help="The subscriber's agency.")] = "children_social_care",
) -> None:
    """Run the broker, the API, the relay, the inbound consumer and an escalation
    subscriber together, until Ctrl-C."""
    settings = load_settings()
    try:
        broker = start_broker(kafka_port)
    except BrokerUnavailableError as error:
        fail(str(error))
    bootstrap = f"127.0.0.1:{kafka_port}"
    env = {**os.environ, "JOURNEYS_KAFKA_BOOTSTRAP": bootstrap}
    processes: dict[str, Proc] = {}
    signal.signal(signal.SIGTERM, _raise_stop)
    code = 0
    try:
        admin = Broker(bootstrap, client_id="journeys-dev")
        created = admin.ensure_topics(partitions(settings))
        admin.close()
        typer.echo(f"Broker at {bootstrap}; topics created: {', '.join(created)}")
        demo = _journeys("demo", "--families", str(families), "--seed", "7", "--if-empty")
        if subprocess.run(demo, env=env, check=False).returncode != 0:
            fail("the demo data could not be loaded", code=1)
        # No `journeys project --from kafka`: the demo data's views are built from the store
        # and the server's own runner keeps them; a view is fed from one source only
        # (infra.kafka.projector refuses a store-fed one).
        commands = {
            "server": _journeys("serve", "--host", host, "--port", str(port)),
            "relay": _journeys("relay", "run"),
            "inbound consumer": _journeys("inbound", "run", "--consumer", json.dumps(DEV_CONSUMER)),
            f"subscriber ({agency})": _journeys("subscribe", "escalations", "--agency", agency),
        }
        for name, command in commands.items():
            # Sessions of their own: Ctrl-C reaches this launcher, which stops them in turn.
            processes[name] = subprocess.Popen(command, env=env, start_new_session=True)
        if not _wait_for_http(f"http://{host}:{port}/health", processes, timeout=60):
            fail("the API server did not start", code=1)
        running = ", ".join(f"{name} ({proc.pid})" for name, proc in processes.items())
        typer.echo(f"Running: {running}. Journeys at http://{host}:{port}; Ctrl-C stops all.")
        while all(proc.poll() is None for proc in processes.values()):
            time.sleep(0.5)
        stopped = [name for name, proc in processes.items() if proc.poll() is not None]
        typer.echo(f"Stopped by itself: {', '.join(stopped)}; stopping the others.", err=True)
        code = 1
    except (KeyboardInterrupt, _StopRequestedError):
        typer.echo("Stopping everything.")
    finally:
        _stop_all(processes)
        stop_broker(broker)
    raise typer.Exit(code)
