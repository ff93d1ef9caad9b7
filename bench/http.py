"""Commands/s over HTTP: 16 concurrent clients POSTing contacts to the API on PostgreSQL.

The API runs in a uvicorn subprocess on 127.0.0.1 (a free port), once per worker count.
Families are registered first (not timed); then every client sends contacts over its own
keep-alive connection until the time or request budget is spent. Traffic goes only to
127.0.0.1 and stops by itself.

Where the time goes is answered three ways: how the machine's cores were shared (server,
PostgreSQL, the load generator itself, idle) from /proc; the cost of each step of a request
measured in-process (token check, body validation, the application command, the response);
and a CPU-time profile of every thread of a one-worker server.
"""

from __future__ import annotations

import dataclasses
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from uuid import uuid4

import httpx

from bench import cpu, pgwait
from bench.concurrency import ConcurrentRun, contact_load
from bench.profiling import Profile, summarize
from bench.serve import PROFILE_ENV
from bench.sizes import Sizes
from bench.stores import PostgresStores
from domain.application import CommandResult, JourneysApplication
from infra.settings import Settings
from infra.tokens import Identity, Tokens
from tests.support.postgres import PostgresServer

ROOT = Path(__file__).resolve().parent.parent
CLIENTS = 16
WARMUP = 5
"""Requests each client sends before the timed window opens."""
GOAL_PER_S = 1000.0
IDENTITY = Identity(
    user_id="bench-practitioner-0042", role="lead_practitioner", agency="early_help"
)
NOTES = "Phoned mum: attendance is up this week; school nurse visit booked for Thursday."


@dataclass(frozen=True)
class CpuShare:
    """How the machine's CPU was used during the load, per request and in cores."""

    server_us_per_request: float
    postgres_us_per_request: float | None
    client_us_per_request: float
    server_cores: float
    postgres_cores: float | None
    client_cores: float
    machine_busy_cores: float
    other_cores: float
    """Busy cores not accounted for by the server, PostgreSQL or the load generator."""
    cores: int


@dataclass(frozen=True)
class HttpRun:
    workers: int
    clients: int
    seconds: float
    requests: int
    created: int
    other_statuses: dict[str, int]
    commands_per_s: float
    p50_ms: float
    p90_ms: float
    p99_ms: float
    max_ms: float
    cpu: CpuShare | None
    database: dict[str, float]
    """PostgreSQL backends of the database in each state, on average (pg_stat_activity)."""


@dataclass(frozen=True)
class StepCosts:
    """Microseconds per request for the HTTP-only steps, measured here on one thread."""

    token_verify_us: float
    body_validation_us: float
    response_us: float


@dataclass
class HttpResult:
    endpoint: str
    store: str
    runs: list[HttpRun] = field(default_factory=list)
    steps: StepCosts | None = None
    in_process: list[ConcurrentRun] = field(default_factory=list)
    profile: Profile | None = None
    profile_requests_per_s: float | None = None
    notes: list[str] = field(default_factory=list)


# -- the server -----------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@dataclass(frozen=True)
class Server:
    process: subprocess.Popen[bytes]
    base_url: str


@contextmanager
def api_server(
    store: Settings, *, workers: int, log: Path, profile_to: Path | None = None
) -> Iterator[Server]:
    """uvicorn serving bench.serve:create on 127.0.0.1 on the store `store` names (its
    PostgreSQL database, or its SQLite file), stopped (SIGINT, then kill) after."""
    port = free_port()
    env = {**os.environ, "JOURNEYS_MODE": "development", "PYTHONPATH": str(ROOT)}
    env.pop(PROFILE_ENV, None)
    env.pop("JOURNEYS_DATABASE_URL", None)
    if store.database_url:
        env["JOURNEYS_DATABASE_URL"] = store.database_url
    else:
        env["JOURNEYS_SQLITE_PATH"] = str(store.sqlite_path)
    if profile_to is not None:
        env[PROFILE_ENV] = str(profile_to)
    command = [
        sys.executable, "-m", "uvicorn", "bench.serve:create", "--factory",
        "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers),
        "--log-level", "warning", "--no-access-log",
    ]  # fmt: skip
    with log.open("ab") as output:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=output, stderr=output)
    server = Server(process, f"http://127.0.0.1:{port}")
    try:
        wait_until_healthy(server, log)
        yield server
    finally:
        stop(process)


def wait_until_healthy(server: Server, log: Path, *, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"the API server exited at start:\n{log.read_text()[-3000:]}")
        try:
            if httpx.get(f"{server.base_url}/health", timeout=2.0).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"the API server did not answer /health in {timeout:.0f} s")


def stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGINT)  # uvicorn shuts down gracefully on SIGINT
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


# -- the load ---------------------------------------------------------------------------------


def occurred_at() -> str:
    return (datetime.now(UTC) - timedelta(hours=1)).isoformat(timespec="seconds")


def register_families(client: httpx.Client, count: int) -> list[str]:
    body = {
        "occurred_at": occurred_at(),
        "area": "strood",
        "members": [
            {"relationship": "parent_carer", "given_name": "Sam", "family_name": "Okafor"},
            {"relationship": "child", "given_name": "Ada", "date_of_birth": "2016-05-04"},
        ],
    }
    ids = []
    for _ in range(count):
        response = client.post("/families", json=body)
        if response.status_code != 201:
            raise RuntimeError(f"registering a family: {response.status_code} {response.text}")
        ids.append(response.json()["family_id"])
    return ids


def contact_bodies() -> list[bytes]:
    """Two contacts, with and without notes, as the load sends them (half each)."""
    base = {
        "occurred_at": occurred_at(),
        "agency": "school",
        "channel": "phone",
        "reason": "check_in",
    }
    return [json.dumps(base).encode(), json.dumps({**base, "notes": NOTES}).encode()]


@dataclass
class Window:
    """The timed window, opened by the last client to be ready."""

    seconds: float
    data_dir: Path | None
    server_pid: int
    start: float = 0.0
    deadline: float = 0.0
    cpu_start: cpu.Snapshot | None = None
    client_cpu_start: float = 0.0

    def open(self) -> None:
        self.cpu_start = cpu.snapshot() if cpu.available() else None
        self.client_cpu_start = time.process_time()
        self.start = time.perf_counter()
        self.deadline = self.start + self.seconds


def run_clients(
    base_url: str, token: str, family_ids: list[str], window: Window, *, max_requests: int
) -> tuple[list[float], Counter[str]]:
    latencies: list[float] = []
    statuses: Counter[str] = Counter()
    lock = threading.Lock()
    ready = threading.Barrier(CLIENTS, action=window.open)
    per_client = max_requests // CLIENTS
    bodies = contact_bodies()
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}

    def client_loop(number: int) -> None:
        mine = family_ids[number::CLIENTS] or family_ids
        paths = [f"/families/{family_id}/contacts" for family_id in mine]
        local: list[float] = []
        codes: Counter[str] = Counter()
        with httpx.Client(base_url=base_url, headers=headers, timeout=30.0) as client:
            for n in range(WARMUP):  # warm the connection, caches and statements; not counted
                client.post(paths[n % len(paths)], content=bodies[n % 2])
            ready.wait()
            n = 0
            while n < per_client and time.perf_counter() < window.deadline:
                began = time.perf_counter()
                try:
                    status = str(
                        client.post(paths[n % len(paths)], content=bodies[n % 2]).status_code
                    )
                except httpx.HTTPError as error:
                    status = type(error).__name__
                local.append(time.perf_counter() - began)
                codes[status] += 1
                n += 1
        with lock:
            latencies.extend(local)
            statuses.update(codes)

    threads = [threading.Thread(target=client_loop, args=(n,)) for n in range(CLIENTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return latencies, statuses


def percentile(sorted_values: list[float], fraction: float) -> float:
    if not sorted_values:
        return 0.0
    index = min(len(sorted_values) - 1, round(fraction * (len(sorted_values) - 1)))
    return sorted_values[index]


def load_run(
    server: Server,
    token: str,
    family_ids: list[str],
    *,
    workers: int,
    seconds: float,
    max_requests: int,
    database: tuple[PostgresServer, str],
) -> HttpRun:
    postgres, dbname = database
    window = Window(seconds=seconds, data_dir=postgres.data_dir, server_pid=server.process.pid)
    with pgwait.sampled(postgres, dbname) as waits:
        latencies, statuses = run_clients(
            server.base_url, token, family_ids, window, max_requests=max_requests
        )
    elapsed = time.perf_counter() - window.start
    client_cpu = time.process_time() - window.client_cpu_start
    share = None
    if window.cpu_start is not None:
        share = cpu_share(window, cpu.snapshot(), client_cpu, elapsed, requests=len(latencies))
    ordered = sorted(latencies)
    created = statuses.pop("201", 0)
    return HttpRun(
        workers=workers,
        clients=CLIENTS,
        seconds=elapsed,
        requests=len(latencies),
        created=created,
        other_statuses=dict(statuses),
        commands_per_s=created / elapsed if elapsed > 0 else 0.0,
        p50_ms=percentile(ordered, 0.50) * 1000,
        p90_ms=percentile(ordered, 0.90) * 1000,
        p99_ms=percentile(ordered, 0.99) * 1000,
        max_ms=(ordered[-1] * 1000) if ordered else 0.0,
        cpu=share,
        database=waits.means(),
    )


def cpu_share(
    window: Window, end: cpu.Snapshot, client_cpu: float, elapsed: float, *, requests: int
) -> CpuShare:
    start = window.cpu_start
    assert start is not None
    per_request = 1e6 / max(requests, 1)
    server = end.tree_seconds(window.server_pid) - start.tree_seconds(window.server_pid)
    postmaster = cpu.postmaster_pid(window.data_dir)
    postgres = end.tree_seconds(postmaster) - start.tree_seconds(postmaster) if postmaster else None
    busy = end.machine_busy - start.machine_busy
    return CpuShare(
        server_us_per_request=server * per_request,
        postgres_us_per_request=None if postgres is None else postgres * per_request,
        client_us_per_request=client_cpu * per_request,
        server_cores=server / elapsed,
        postgres_cores=None if postgres is None else postgres / elapsed,
        client_cores=client_cpu / elapsed,
        machine_busy_cores=busy / elapsed,
        other_cores=max(0.0, busy - server - (postgres or 0.0) - client_cpu) / elapsed,
        cores=os.cpu_count() or 1,
    )


# -- in-process step costs ----------------------------------------------------------------------


def per_call_us(function: Callable[[], object], *, repeat: int) -> float:
    function()  # warm
    began = time.perf_counter()
    for _ in range(repeat):
        function()
    return (time.perf_counter() - began) * 1e6 / repeat


def step_costs(tokens: Tokens, token: str) -> StepCosts:
    """The token check, the body validation and the response of POST /contacts, alone."""
    from api.common.schemas.derive import request_model
    from api.http.responses import created
    from domain.commands import RecordContact

    body = contact_bodies()[1]
    result = CommandResult(
        uuid4(), {"entry_id": uuid4(), "contact_id": uuid4()}, 12345, datetime.now(UTC)
    )
    return StepCosts(
        token_verify_us=per_call_us(lambda: tokens.verify(token), repeat=2000),
        body_validation_us=per_call_us(
            lambda: request_model(RecordContact).model_validate_json(body), repeat=2000
        ),
        response_us=per_call_us(lambda: created(result), repeat=2000),
    )


# -- the whole part -------------------------------------------------------------------------------


def run_http(stores: PostgresStores, sizes: Sizes) -> HttpResult:
    """Load each worker count in turn; then the in-process writers, the steps alone, and a
    profiled one-worker server."""
    result = HttpResult(endpoint="POST /families/{family_id}/contacts", store=stores.description)
    with tempfile.TemporaryDirectory(prefix="journeys-http-") as folder:
        log = Path(folder) / "uvicorn.log"
        for workers in sizes.http_workers:
            print(f"... http: {workers} worker(s), {CLIENTS} clients", flush=True)
            result.runs.append(serve_and_load(stores, sizes, workers=workers, log=log))
        print("... http: the same contact from in-process writers, no HTTP", flush=True)
        result.in_process = in_process_runs(stores, sizes)
        with stores.fresh() as handle:
            result.steps = step_costs(*token_for(handle.settings))
        print("... http: a profiled 1-worker server", flush=True)
        profile_path = Path(folder) / "server.prof"
        profiled_sizes = dataclasses.replace(sizes, http_seconds=min(5.0, sizes.http_seconds))
        profiled_run = serve_and_load(
            stores, profiled_sizes, workers=1, log=log, profile_to=profile_path
        )
        result.profile_requests_per_s = profiled_run.commands_per_s
        if profile_path.exists():
            # Registrations and warm-up requests are in the profile too: count them in.
            served = profiled_run.requests + sizes.http_families + WARMUP * CLIENTS
            result.profile = summarize(profile_path, commands=served)
        else:
            result.notes.append(f"the profiled server wrote no profile: {log.read_text()[-500:]}")
    return result


def serve_and_load(
    stores: PostgresStores, sizes: Sizes, *, workers: int, log: Path, profile_to: Path | None = None
) -> HttpRun:
    """A fresh database, a server on it, families registered, then the timed load."""
    with stores.fresh() as handle:
        prepare_schema(handle.settings)
        _tokens, token = token_for(handle.settings)
        with api_server(handle.settings, workers=workers, log=log, profile_to=profile_to) as server:
            family_ids = registered(server, token, sizes.http_families)
            return load_run(
                server,
                token,
                family_ids,
                workers=workers,
                seconds=sizes.http_seconds,
                max_requests=sizes.http_max_requests,
                database=(stores.server, handle.env["POSTGRES_DBNAME"]),
            )


# With this, eventsourcing inserts through one PostgreSQL function call (one round trip,
# no LOCK TABLE); shown as a what-if, since infra.settings does not set it today.
DB_FUNCTIONS = {"POSTGRES_ENABLE_DB_FUNCTIONS": "y"}


def in_process_runs(stores: PostgresStores, sizes: Sizes) -> list[ConcurrentRun]:
    runs = []
    plan = [
        ("as configured", {}, 1),
        ("as configured", {}, CLIENTS),
        ("POSTGRES_ENABLE_DB_FUNCTIONS=y", DB_FUNCTIONS, CLIENTS),
    ]
    for variant, extra, threads in plan:
        for side in ("bare", "app"):
            with stores.fresh() as handle:
                runs.append(
                    contact_load(
                        side,
                        {**handle.env, **extra},
                        variant=variant,
                        threads=threads,
                        seconds=min(5.0, sizes.http_seconds),
                        families=sizes.http_families,
                        max_commands=sizes.http_max_requests,
                    )
                )
    return runs


def prepare_schema(settings: Settings) -> None:
    """Create the tables once, before several workers start at the same moment."""
    JourneysApplication(env=settings.eventsourcing_env()).close()


def token_for(settings: Settings, identity: Identity = IDENTITY) -> tuple[Tokens, str]:
    tokens = Tokens(
        secret=settings.jwt_secret.get_secret_value(),
        issuer=settings.jwt_issuer,
        minutes=settings.token_minutes,
    )
    return tokens, tokens.issue(identity)


def registered(server: Server, token: str, count: int) -> list[str]:
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=server.base_url, headers=headers, timeout=30.0) as client:
        return register_families(client, count)


# -- the report -----------------------------------------------------------------------------------


def http_table(result: HttpResult) -> str:
    lines = [
        "",
        f"HTTP: {result.endpoint}, {CLIENTS} concurrent clients (threads, httpx, keep-alive), "
        f"{result.store}; goal >= {GOAL_PER_S:,.0f}/s on 2 cores",
        f"  {'workers':<9}{'requests':>9}{'201/s':>8}{'p50 ms':>8}{'p90 ms':>8}{'p99 ms':>8}"
        f"{'max ms':>8}  not 201",
    ]
    for run in result.runs:
        others = ", ".join(f"{k}: {v}" for k, v in run.other_statuses.items()) or "none"
        lines.append(
            f"  {run.workers:<9}{run.requests:>9,}{run.commands_per_s:>8,.0f}{run.p50_ms:>8.1f}"
            f"{run.p90_ms:>8.1f}{run.p99_ms:>8.1f}{run.max_ms:>8.1f}  {others}"
        )
    lines.append("  CPU during the load (from /proc): µs per request / cores busy")
    lines.append(
        f"  {'workers':<9}{'server':>14}{'postgres':>14}{'load gen':>14}{'other load':>12}"
        f"{'machine':>14}"
    )
    for run in result.runs:
        share = run.cpu
        if share is None:
            lines.append(f"  {run.workers:<9}  (no /proc here)")
            continue
        pg = (
            f"{share.postgres_us_per_request:>6.0f}/{share.postgres_cores:.2f}"
            if share.postgres_us_per_request is not None and share.postgres_cores is not None
            else "n/a"
        )
        lines.append(
            f"  {run.workers:<9}"
            f"{share.server_us_per_request:>8.0f}/{share.server_cores:.2f}"
            f"{pg:>14}"
            f"{share.client_us_per_request:>8.0f}/{share.client_cores:.2f}"
            f"{share.other_cores:>12.2f}"
            f"{share.machine_busy_cores:>8.2f} of {share.cores}"
        )
    lines.append(
        "  PostgreSQL backends during the load, on average (sampled from pg_stat_activity):"
    )
    for run in result.runs:
        busy = {k: v for k, v in run.database.items() if k != "idle connection"}
        text = "; ".join(f"{name} {mean:.2f}" for name, mean in busy.items()) or "no samples"
        lines.append(f"    {run.workers} worker(s): {text}")
    if result.in_process:
        lines.append(
            "  The same contact from writers in one process, no HTTP (the store's ceiling):"
        )
        lines.append(f"  {'side':<6}{'threads':>8}  {'variant':<32}{'cmd/s':>8}{'CPU µs/cmd':>12}")
        for writers in result.in_process:
            lines.append(
                f"  {writers.side:<6}{writers.threads:>8}  {writers.variant:<32}"
                f"{writers.commands_per_s:>8,.0f}{writers.cpu_us_per_command:>12.0f}"
            )
    single_app = next((r for r in result.in_process if r.side == "app" and r.threads == 1), None)
    if result.steps is not None and single_app is not None:
        steps = result.steps
        lines.append(
            f"  Steps of one request alone, µs CPU: token verify (PyJWT HS256) "
            f"{steps.token_verify_us:.0f}; body validation (pydantic) "
            f"{steps.body_validation_us:.0f}; JSON response {steps.response_us:.0f}; "
            f"the application command {single_app.cpu_us_per_command:.0f} (1 writer)"
        )
        if result.runs and result.runs[0].cpu is not None:
            server_us = result.runs[0].cpu.server_us_per_request
            known = (
                steps.token_verify_us
                + steps.body_validation_us
                + steps.response_us
                + single_app.cpu_us_per_command
            )
            lines.append(
                f"  1-worker server CPU per request {server_us:.0f} µs: the steps above "
                f"{known:.0f}, the rest {server_us - known:.0f} is the HTTP stack (uvicorn/h11, "
                "starlette, FastAPI dependencies, thread hand-offs) and thread contention"
            )
    if result.profile is not None:
        lines.append(
            "  CPU-time profile of a 1-worker server, all threads, µs per request "
            f"(ran at {result.profile_requests_per_s or 0:,.0f}/s under the profiler):"
        )
        for area, us in result.profile.areas.items():
            if us >= 5:
                lines.append(f"    {area:<48}{us:>8.0f}")
        lines.append("    top functions by own CPU time:")
        for cost in result.profile.top[:12]:
            lines.append(f"    {cost.function[:80]:<80}{cost.calls:>9}{cost.own_seconds:>8.3f}")
    lines.extend(f"  note: {note}" for note in result.notes)
    return "\n".join(lines)
