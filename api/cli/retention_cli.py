"""`journeys retention run`: the retention schedule applied, or listed (`--dry-run`), with
a progress bar and a table of the families due. Family ids and dates only: no personal
data is printed."""

from __future__ import annotations

from datetime import date

from rich.console import Console
from rich.table import Table

from api.cli.progress import progress_bar
from infra.bootstrap import Journeys
from infra.privacy.retention import Decision, RetentionReport, run_retention


def run(journeys: Journeys, *, today: date, dry_run: bool, console: Console) -> RetentionReport:
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
