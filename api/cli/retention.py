"""`journeys retention run`: the retention schedule applied, or listed (`--dry-run`), with
a progress bar and a table of the families due. Family ids and dates only: no personal
data is printed."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from api.cli.common import fail, load_settings, opened
from api.cli.progress import progress_bar
from infra.bootstrap import Journeys
from infra.privacy.retention import Decision, RetentionReport, run_retention

group = typer.Typer(
    help="The retention schedule (JOURNEYS_RETENTION): erasing personal data when it ends.",
    no_args_is_help=True,
)


@group.command("run")
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
        apply_schedule(journeys, today=today, dry_run=dry_run, console=Console())


def apply_schedule(
    journeys: Journeys, *, today: date, dry_run: bool, console: Console
) -> RetentionReport:
    settings = journeys.settings
    verb = "Listing" if dry_run else "Applying"
    console.print(
        f"{verb} the retention schedule on {today.isoformat()} to {settings.store_description()}"
    )
    with progress_bar(console, "checking", "families") as show:
        report = run_retention(
            journeys.app,
            journeys.keys,
            settings.retention,
            today=today,
            dry_run=dry_run,
            progress=show,
        )
    print_report(report, console)
    return report


def print_report(report: RetentionReport, console: Console) -> None:
    erased = {d.family_id for d in report.erased}
    rows: list[tuple[Decision, str]] = [
        *((d, "held: " + ", ".join(d.holds)) for d in report.held),
        *(
            (d, "would be erased" if report.dry_run else "erased" if d.family_id in erased
             else "not erased (held or erased meanwhile)")
            for d in report.due
        ),
    ]  # fmt: skip
    if rows:
        table = Table(title="Families due for erasure")
        for column in ("family", "rule", "due on", "action"):
            table.add_column(column, overflow="fold")  # ids wrapped when narrow, never cut
        for decision, action in sorted(rows, key=lambda row: row[0].due_on):
            table.add_row(
                str(decision.family_id), decision.rule, decision.due_on.isoformat(), action
            )
        console.print(table)
    done = "would be erased" if report.dry_run else "erased"
    console.print(
        f"{report.checked} families checked: {len(report.due)} due, "
        f"{len(report.erased) if not report.dry_run else len(report.due)} {done}, "
        f"{len(report.held)} held by a legal hold, {report.not_due} not yet due, "
        f"{report.already_erased} erased before."
    )
    for purge in report.purges:
        for step in purge.not_done:
            console.print(f"not purged: {step}", style="yellow")
