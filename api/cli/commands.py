"""The `journeys` command line: serve the API, load demo data, issue development tokens and
describe the store. Each command reads Settings once and builds what it needs through
infra.bootstrap; a problem with the settings or the store is one line on stderr, exit code 2.
"""

from __future__ import annotations

import json
import math
import signal
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Annotated, Any, NoReturn
from uuid import UUID, uuid4

import typer
from eventsourcing.persistence import PersistenceError
from pydantic import ValidationError
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from api.cli import integrity_cli, retention_cli
from api.cli.progress import progress_bar
from domain import codes as code_lists
from infra.bootstrap import Journeys, bootstrap
from infra.settings import Settings, SettingsError
from infra.tokens import ROLES, Identity, Tokens
from simulation.calibration import WARM_UP, YEAR, kent_targets, measure
from simulation.simulator import Simulation, SimulationProgress, SimulationReport

app = typer.Typer(
    help="Journeys: an event-sourced family journey tracker for early help services.",
    no_args_is_help=True,
    add_completion=False,
)


def fail(message: str, *, code: int = 2) -> NoReturn:
    Console(stderr=True).print(f"journeys: {message}", style="red", highlight=False, soft_wrap=True)
    raise typer.Exit(code)


def load_settings() -> Settings:
    """Settings from JOURNEYS_* variables, or a one-line explanation and exit code 2."""
    try:
        return Settings()
    except SettingsError as error:
        fail(f"settings: {error}")
    except ValidationError as error:
        problems = []
        for problem in error.errors():
            cause = (problem.get("ctx") or {}).get("error")
            where = "_".join(str(part) for part in problem["loc"]).upper()
            text = str(cause) if isinstance(cause, Exception) else problem["msg"]
            problems.append(f"JOURNEYS_{where}: {text}" if where else text)
        fail("settings: " + "; ".join(problems))


@contextmanager
def opened(
    settings: Settings,
    *,
    clock: Callable[[], datetime] | None = None,
    new_id: Callable[[], UUID] | None = None,
) -> Iterator[Journeys]:
    """Everything built from the settings, closed afterwards; store problems are one line."""
    try:
        journeys = bootstrap(settings, clock=clock, new_id=new_id or uuid4)
    except SettingsError as error:
        fail(f"settings: {error}")
    except PersistenceError as error:
        fail(f"cannot open the event store ({settings.store_description()}): {error}")
    try:
        yield journeys
    finally:
        journeys.close()


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.", min=1, max=65535)] = 8000,
) -> None:
    """Serve the HTTP API and web pages."""
    settings = load_settings()
    import uvicorn

    from api.app import create_app

    uvicorn.run(create_app(settings), host=host, port=port)


def demo_period(years: float, *, today: date) -> tuple[datetime, datetime]:
    """The simulated world's first instant and its last: it ends as `today` begins (UTC),
    so its open cases are current and nothing is dated later than the day it is loaded."""
    end = datetime(today.year, today.month, today.day, tzinfo=UTC)
    return end - years * YEAR, end


@app.command()
def demo(
    families: Annotated[int, typer.Option(help="Families registered over the years.", min=1)] = 300,
    seed: Annotated[int, typer.Option(help="The same seed gives the same data.")] = 7,
    years: Annotated[float, typer.Option(help="Years of journeys.", min=0.1, max=20)] = 4.0,
    today: Annotated[
        datetime | None,
        typer.Option(
            formats=["%Y-%m-%d"],
            help="The day the demo is loaded on (UTC): the simulated years end as it begins. "
            "Default: today.",
        ),
    ] = None,
    if_empty: Annotated[
        bool, typer.Option("--if-empty", help="Do nothing if the store already has events.")
    ] = False,
) -> None:
    """Load a realistic synthetic demo data set (through the application's commands)."""
    settings = load_settings()
    now = datetime.now(UTC).date()
    day = today.date() if today else now
    if day > now:
        fail(f"--today {day} is in the future: the demo would hold entries not yet made")
    began, end = demo_period(years, today=day)
    simulation = Simulation(seed=seed, start=began)
    with opened(settings, clock=simulation.clock, new_id=simulation.new_id) as journeys:
        stored = journeys.app.position()
        if stored and if_empty:
            [last] = journeys.app.recorder.select_notifications(start=stored, limit=1)
            event: Any = journeys.app.mapper.to_domain_event(last)
            recorded = event.timestamp.date()
            typer.echo(
                f"Demo data is already loaded: {stored} events in {settings.store_description()}; "
                f"its last entry was recorded on {recorded}."
            )
            return
        if stored:
            fail(
                f"{settings.store_description()} already holds {stored} events; the demo loads "
                "into an empty store (use --if-empty, or another JOURNEYS_SQLITE_PATH)",
                code=1,
            )
        console = Console()
        console.print(
            f"Simulating {families} families over {years:g} years from {began.date()} to "
            f"{end.date()} (seed {seed}) into {settings.store_description()}"
        )
        with Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("days"),
            TimeElapsedColumn(),
            console=console,
        ) as bar:
            task = bar.add_task("families 0, events 0", total=math.ceil(years * 365.25))

            def show(progress: SimulationProgress) -> None:
                description = f"families {progress.families}, events {progress.commands}"
                bar.update(
                    task, completed=progress.day, total=progress.days, description=description
                )

            report = simulation.run(journeys.app, families=families, years=years, progress=show)
        summarise(console, journeys, report)


def summarise(console: Console, journeys: Journeys, report: SimulationReport) -> None:
    rate = report.commands / report.seconds if report.seconds else 0.0
    console.print(
        f"Loaded {report.families} families and {report.commands} events "
        f"(positions {report.first_position}-{report.last_position}) in {report.seconds:.1f} s "
        f"({rate:,.0f} events/s). Kent size {report.size:.3f}."
    )
    settled = report.end - report.start > WARM_UP + YEAR / 2
    since = report.start + WARM_UP if settled else None
    measured = measure(journeys.app, since=since)
    figures = measured.figures
    target = kent_targets(report.size, figures.years)
    title = f"Calibration, measured from the store, after {WARM_UP / YEAR:g} years' warm-up"
    table = Table(title=title if settled else "Calibration, measured from the store")
    for column in ("figure", "per year", "Kent, scaled", "ratio", "Kent ratio"):
        table.add_column(column, justify="left" if column == "figure" else "right")
    per_year, target_per_year = figures.per_year(), target.per_year()
    ratios, target_ratios = figures.ratios(), target.ratios()
    rows = [
        ("assessments completed", "assessments_completed", None),
        ("plans closed", "plans_closed", "plans_closed / assessments"),
        ("outcomes achieved", "outcomes_met", "outcomes_met / plans_closed"),
        ("escalated (accepted by social care)", "escalated", "escalated / plans_closed"),
        ("stepped down", "stepped_down", "stepped_down / assessments"),
    ]
    for label, name, ratio in rows:
        table.add_row(
            label,
            f"{getattr(per_year, name):.1f}",
            f"{getattr(target_per_year, name):.1f}",
            f"{ratios[ratio]:.3f}" if ratio else "",
            f"{target_ratios[ratio]:.3f}" if ratio else "",
        )
    table.add_row(
        f"re-referrals within 12 months ({measured.rereferrals} of {measured.requests})",
        "",
        "",
        f"{figures.rereferral_rate:.3f}",
        f"{target.rereferral_rate:.3f}",
    )
    console.print(table)


@app.command()
def token(
    role: Annotated[str, typer.Option(help=f"One of: {', '.join(ROLES)}.")],
    agency: Annotated[str, typer.Option(help="An agency code.")] = "early_help",
    user: Annotated[str | None, typer.Option(help="User id (sub); default dev-<role>.")] = None,
) -> None:
    """Print a development bearer token, alone on the last line."""
    settings = load_settings()
    if not settings.is_development:
        fail("tokens are issued here in development mode only (JOURNEYS_MODE=development)")
    if role not in ROLES:
        fail(f"unknown role {role!r}; roles: {', '.join(ROLES)}")
    agencies = code_lists.load().codes("agency")
    if agency not in agencies:
        fail(f"unknown agency {agency!r}; agencies: {', '.join(agencies)}")
    identity = Identity(user or f"dev-{role.replace('_', '-')}", role, agency)
    # Issuing a token needs the signing settings only, not the store that bootstrap opens.
    tokens = Tokens(
        secret=settings.jwt_secret.get_secret_value(),
        issuer=settings.jwt_issuer,
        minutes=settings.token_minutes,
    )
    typer.echo(
        f"Bearer token for {identity.user_id} ({role}, {agency}), "
        f"valid for {settings.token_minutes} minutes:"
    )
    typer.echo(tokens.issue(identity))


projections_app = typer.Typer(
    help="The views built from the events: their state, and rebuilding them.", no_args_is_help=True
)
app.add_typer(projections_app, name="projections")


@app.command()
def project() -> None:
    """Keep the views up to date, until stopped (SIGTERM or Ctrl-C): for production, where
    JOURNEYS_PROJECTIONS=external tells the API processes not to do it themselves."""
    settings = load_settings()
    with opened(settings) as journeys:
        signal.signal(signal.SIGTERM, lambda *_: journeys.runner.stop())
        journeys.views.start()
        typer.echo(f"Following {settings.store_description()}; stop with Ctrl-C or SIGTERM.")
        try:
            journeys.runner.run_forever()
        except KeyboardInterrupt:
            journeys.runner.stop()


@projections_app.command("status")
def projections_status(
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")] = False,
) -> None:
    """Each view: version, position, lag (events and seconds), state and last error.
    For a monitor, the exit code: 0 every view caught up, 1 a view failing, 2 bad settings
    or no store, 3 a view behind or not started (no projector has run on it yet)."""
    settings = load_settings()
    with opened(settings) as journeys:
        journeys.runner.ensure_views()
        statuses = journeys.runner.status()
    if as_json:
        typer.echo(json.dumps([{**asdict(s), "health": s.health} for s in statuses], indent=2))
    else:
        table = Table(title=f"Views of {settings.store_description()}")
        columns = ("view", "version", "state", "position", "head", "lag events", "lag s", "health")
        for column in (*columns, "last error"):
            table.add_column(column)
        for s in statuses:
            table.add_row(
                s.name, f"{s.version}.{s.generation}", s.state, str(s.position), str(s.head),
                str(s.lag_events), "" if s.lag_seconds is None else f"{s.lag_seconds:.1f}",
                s.health, s.last_error or "",
            )  # fmt: skip
        Console().print(table)
    if any(s.failures for s in statuses):
        raise typer.Exit(1)
    if any(s.health != "caught up" for s in statuses):
        raise typer.Exit(3)


@projections_app.command("rebuild")
def projections_rebuild(
    name: Annotated[
        str | None, typer.Argument(help="A view's name; all views when omitted.")
    ] = None,
) -> None:
    """Build a new version of a view from position 0 beside the live one, then switch readers
    to it and drop the old one. Readers never see a half-built view."""
    settings = load_settings()
    with opened(settings) as journeys:
        known = list(journeys.runner.projections)
        if name is not None and name not in known:
            fail(f"no view named {name!r}; views: {', '.join(known)}")
        console = Console()
        chosen = [name] if name else known
        started = time.perf_counter()
        label = f"rebuilding {', '.join(chosen)}"
        with progress_bar(console, label, "events", total=journeys.app.position()) as show:
            try:
                rebuilt = journeys.runner.rebuild_all(chosen, show)
            except RuntimeError as error:
                fail(str(error), code=1)
        seconds = time.perf_counter() - started
        events = max(v.position for v in rebuilt)
        rate = events / seconds if seconds else 0.0
        for live in rebuilt:
            console.print(
                f"{live.name}: version {live.version}, generation {live.generation} is live at "
                f"position {live.position}"
            )
        console.print(f"{events} events in {seconds:.1f} s ({rate:,.0f} events/s)")


@app.command()
def info() -> None:
    """Describe the store: where it is, how many families and events, which code lists."""
    settings = load_settings()
    with opened(settings) as journeys:
        application = journeys.app
        families = sum(1 for _ in application.iter_family_ids())
        typer.echo(f"store: {settings.store_description()}")
        typer.echo(f"families: {families}")
        typer.echo(f"events: {application.position()} (store position)")
        typer.echo(f"code lists: {application.codes.version}")
        typer.echo(f"mode: {settings.mode}")


@app.command()
def verify(
    as_json: Annotated[
        bool, typer.Option("--json", help="Print JSON instead of a summary.")
    ] = False,
    checkpoint: Annotated[
        Path | None, typer.Option(help="Also check the store only grew since this checkpoint file.")
    ] = None,
    public_key: Annotated[
        str | None,
        typer.Option(help="The key the checkpoint must be signed by (default: this store's)."),
    ] = None,
    seal_legacy: Annotated[
        bool, typer.Option("--seal-legacy", help="First chain the streams stored before chaining.")
    ] = False,
) -> None:
    """Recompute every stream's hash chain from the stored events and name the first event
    that does not match. Exits 1 on any mismatch, so a monitor can call it."""
    settings = load_settings()
    with opened(settings) as journeys:
        try:
            code = integrity_cli.verify(
                journeys, as_json=as_json, checkpoint_file=checkpoint, trusted_key=public_key,
                seal_legacy=seal_legacy,
            )  # fmt: skip
        except integrity_cli.RefusedError as refused:
            fail(str(refused), code=refused.code)
    raise typer.Exit(code)


@app.command()
def checkpoint(
    out: Annotated[Path | None, typer.Option(help="Write here instead of to stdout.")] = None,
    public_key: Annotated[
        bool, typer.Option("--public-key", help="Only print the public key, for auditors.")
    ] = False,
) -> None:
    """Write a signed digest over every stream's head, for an auditor to keep elsewhere;
    `journeys verify --checkpoint FILE` later proves the log only grew since."""
    settings = load_settings()
    if public_key:
        typer.echo(integrity_cli.public_key(settings))
        return
    with opened(settings) as journeys:
        try:
            code = integrity_cli.checkpoint(journeys, out=out)
        except integrity_cli.RefusedError as refused:
            fail(str(refused), code=refused.code)
    raise typer.Exit(code)


retention_app = typer.Typer(
    help="The retention schedule (JOURNEYS_RETENTION): erasing personal data when it ends.",
    no_args_is_help=True,
)
app.add_typer(retention_app, name="retention")


@retention_app.command("run")
def retention_run(
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="List the families due; change nothing.")
    ] = False,
    as_of: Annotated[
        datetime | None,
        typer.Option(formats=["%Y-%m-%d"], help="With --dry-run: what is due by this day."),
    ] = None,
) -> None:
    """Erase the personal data of every family whose retention period has ended, unless a
    legal hold is in force (those are listed as held); with --dry-run, only list them."""
    settings = load_settings()
    if as_of is not None and not dry_run:
        fail("--as-of only lists (with --dry-run): erasure happens on the day it is due")
    today = as_of.date() if as_of else datetime.now(UTC).date()
    with opened(settings) as journeys:
        retention_cli.run(journeys, today=today, dry_run=dry_run, console=Console())


search_index_app = typer.Typer(
    help="The blind index that finds a family by a member's name or date of birth.",
    no_args_is_help=True,
)
app.add_typer(search_index_app, name="search-index")


@search_index_app.command("rebuild")
def search_index_rebuild() -> None:
    """Drop the blind index and build it again from the whole log: for a store written
    before the index, or after JOURNEYS_BLIND_INDEX_KEY changed. Erased families stay out."""
    settings = load_settings()
    with opened(settings) as journeys:
        console = Console()
        started = time.perf_counter()
        with progress_bar(
            console, "rebuilding the search index", "events", total=journeys.app.position()
        ) as show:
            position = journeys.blind_index.rebuild(journeys.app, progress=show)
        seconds = time.perf_counter() - started
        members = len({(r.family_id, r.member_id) for r in journeys.blind_index.hashes()})
        console.print(
            f"search index at position {position}: {members} members findable ({seconds:.1f} s)"
        )


def main() -> None:  # pragma: no cover - for `python -m api.cli`
    app()


if __name__ == "__main__":  # pragma: no cover
    main()
