"""`journeys verify` and `journeys checkpoint`: the hash chains checked, signed checkpoints
written and compared, with progress bars, the summary, the JSON, and the exit code.

Exit codes: 0 when everything verifies, 1 when anything does not (a tampered stream, a
checkpoint the store no longer extends, a checkpoint file altered or signed by another
key); problems with the settings, the store or the command line are 2, as elsewhere.
"""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from api.cli.common import fail, load_settings, opened
from api.cli.progress import progress_bar
from infra.bootstrap import Journeys
from infra.settings import Settings
from infra.store.checkpoints import (
    Checkpoint,
    CheckpointError,
    key_id,
    public_key_text,
    read_checkpoint,
    signing_key,
)
from infra.store.integrity import Integrity, StoreReport

SHOWN = 50
"""Tampered streams and checkpoint problems listed in the summary (all of them in JSON)."""


class RefusedError(Exception):
    """The command cannot go on; `code` is its exit code."""

    def __init__(self, message: str, code: int) -> None:
        super().__init__(message)
        self.code = code


def public_key_of(settings: Settings) -> str:
    """The public key of JOURNEYS_SIGNING_KEY (base64), to hand to auditors."""
    return public_key_text(signing_key(settings.signing_key.get_secret_value()))


def load_checkpoint(path: Path, trusted_key: str) -> Checkpoint:
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise RefusedError(f"cannot read the checkpoint {path}: {error.strerror}", 2) from None
    except ValueError:
        raise RefusedError(
            f"checkpoint {path}: not JSON: the file was altered or is not one", 1
        ) from None
    try:
        return read_checkpoint(document, trusted_key=trusted_key)
    except CheckpointError as error:
        raise RefusedError(f"checkpoint {path}: {error}", 1) from None


def verify_store(
    journeys: Journeys,
    *,
    as_json: bool,
    checkpoint_file: Path | None,
    trusted_key: str | None,
    seal_legacy: bool,
) -> int:
    # With --json, stdout carries the JSON alone: progress goes to stderr.
    console = Console(stderr=as_json)
    integrity = Integrity(journeys.app)
    checkpoint = None
    if checkpoint_file is not None:
        trusted = trusted_key or public_key_of(journeys.settings)
        checkpoint = load_checkpoint(checkpoint_file, trusted)
    if seal_legacy:
        with progress_bar(console, "chaining streams stored before chaining", "streams") as show:
            streams, events = integrity.seal_legacy(show)
        console.print(f"Chained {events} events of {streams} streams that had no chain.")
    with progress_bar(console, "verifying", "events") as show:
        report = integrity.verify_store(checkpoint=checkpoint, progress=show)
    if as_json:
        typer.echo(json.dumps(as_document(report), indent=2))
    else:
        summarise(console, journeys, report)
    return 0 if report.ok else 1


def write_checkpoint(journeys: Journeys, *, out: Path | None) -> int:
    key = signing_key(journeys.settings.signing_key.get_secret_value())
    console = Console(stderr=out is None)  # without --out, stdout carries the file alone
    integrity = Integrity(journeys.app)
    with progress_bar(console, "verifying", "events") as show:
        report, document = integrity.checkpoint(key, now=datetime.now(UTC), progress=show)
    if document is None:
        summarise(Console(stderr=True), journeys, report)
        raise RefusedError("no checkpoint written: the store does not verify", 1)
    text = json.dumps(document, indent=2) + "\n"
    if out is None:
        typer.echo(text, nl=False)
        return 0
    partial = out.with_name(out.name + ".partial")
    try:
        partial.write_text(text, encoding="utf-8")
        os.replace(partial, out)  # never a half-written checkpoint under the real name
    except OSError as error:
        raise RefusedError(f"cannot write {out}: {error.strerror}", 2) from None
    console.print(
        f"Checkpoint of {report.streams} streams and {report.events} events at position "
        f"{report.position} written to {out}, signed by key {key_id(document['public_key'])}."
    )
    if report.not_chained:
        console.print(
            f"{report.not_chained} streams have no chain rows yet; the checkpoint covers their "
            "events as they are now."
        )
    return 0


def as_document(report: StoreReport) -> dict[str, Any]:
    comparison = report.checkpoint
    return {
        "ok": report.ok,
        "position": report.position,
        "streams": report.streams,
        "events": report.events,
        "verified": report.verified,
        "not_chained": report.not_chained,
        "seconds": round(report.seconds, 3),
        "events_per_second": round(report.events / report.seconds) if report.seconds else None,
        "tampered": [
            {"stream_id": str(stream.stream_id), **vars(stream.mismatch)}
            for stream in report.tampered
            if stream.mismatch
        ],
        "checkpoint": None
        if comparison is None
        else {
            "created_at": comparison.checkpoint.created_at,
            "position": comparison.checkpoint.position,
            "streams": len(comparison.checkpoint.heads),
            "key_id": key_id(comparison.checkpoint.public_key),
            "problems": [vars(problem) for problem in comparison.problems],
        },
    }


def summarise(console: Console, journeys: Journeys, report: StoreReport) -> None:
    rate = f"{report.events / report.seconds:,.0f}" if report.seconds else "-"
    console.print(
        f"{report.events} events in {report.streams} streams of "
        f"{journeys.settings.store_description()} up to position {report.position}, "
        f"checked in {report.seconds:.1f} s ({rate} events/s)."
    )
    console.print(
        f"verified: {report.verified} streams; tampered: {len(report.tampered)}; "
        f"not chained: {report.not_chained}"
    )
    if report.not_chained:
        console.print(
            "Streams not chained were stored before hash chaining (or with it off) and not "
            "written since: there is no chain to check them against. "
            "`journeys verify --seal-legacy` chains them as they are now."
        )
    if report.tampered:
        # One line per stream, never wrapped mid-id: a person greps these, or copies an id.
        console.print("Streams that do not match their chain (the first mismatch of each):")
        for stream in report.tampered[:SHOWN]:
            if stream.mismatch:
                m = stream.mismatch
                entry = f" (entry {m.entry_id})" if m.entry_id else ""
                console.print(
                    f"  {stream.stream_id} version {m.version}{entry}: {m.reason}: {m.detail}",
                    soft_wrap=True,
                    highlight=False,
                )
        if len(report.tampered) > SHOWN:
            console.print(f"  ... and {len(report.tampered) - SHOWN} more (all of them: --json)")
    comparison = report.checkpoint
    if comparison is not None:
        cp = comparison.checkpoint
        about = (
            f"Checkpoint of {cp.created_at} (position {cp.position}, {len(cp.heads)} streams, "
            f"key {key_id(cp.public_key)})"
        )
        if not comparison.problems:
            console.print(f"{about}: the log only grew since.")
        else:
            console.print(f"{about}: the store is not that log plus later events:")
            for problem in comparison.problems[:SHOWN]:
                console.print(
                    f"  {problem.stream_id or 'store'}: {problem.reason}: {problem.detail}",
                    soft_wrap=True,
                    highlight=False,
                )
    console.print("[green]OK[/green]" if report.ok else "[red]FAILED[/red]")


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
            code = verify_store(
                journeys, as_json=as_json, checkpoint_file=checkpoint, trusted_key=public_key,
                seal_legacy=seal_legacy,
            )  # fmt: skip
        except RefusedError as refused:
            fail(str(refused), code=refused.code)
    raise typer.Exit(code)


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
        typer.echo(public_key_of(settings))
        return
    with opened(settings) as journeys:
        try:
            code = write_checkpoint(journeys, out=out)
        except RefusedError as refused:
            fail(str(refused), code=refused.code)
    raise typer.Exit(code)
