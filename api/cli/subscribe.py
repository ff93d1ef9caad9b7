"""`journeys subscribe escalations --agency A` and `journeys subscribe answer ID`: the
reference escalation subscriber (infra.kafka.subscriber), a consumer group per agency that
records what it received in a SQLite file of its own and answers through the HTTP API.
Ids, codes and counts only are printed: no personal data."""

from __future__ import annotations

import signal
import time
from pathlib import Path
from typing import Annotated

import httpx
import typer

from api.cli.common import fail, load_settings
from domain import codes as code_lists
from infra.kafka.inbox import Inbox
from infra.kafka.subscriber import AnswerError, Subscriber, answer, group_id
from infra.settings import Settings
from infra.tokens import Identity, Tokens

group = typer.Typer(
    help="The reference escalation subscriber of a partner agency.", no_args_is_help=True
)

# Tolerant of pauses, still quick to join (the defaults of a development broker).
DEV_CONSUMER = {"session_timeout_ms": 6000, "heartbeat_interval_ms": 1000, "fetch_max_wait_ms": 100}

AgencyOption = Annotated[str, typer.Option(help="The agency code the subscriber is for.")]
InboxOption = Annotated[
    Path | None,
    typer.Option(help="The subscriber's SQLite file; default journeys-inbox-<agency>.sqlite."),
]


def _inbox(path: Path | None, agency: str) -> Inbox:
    return Inbox(path or Path(f"journeys-inbox-{agency}.sqlite"))


def _agency(agency: str) -> str:
    agencies = code_lists.load().codes("agency")
    if agency not in agencies:
        fail(f"unknown agency {agency!r}; agencies: {', '.join(agencies)}")
    return agency


@group.command("escalations")
def escalations(
    *,
    agency: AgencyOption,
    inbox: InboxOption = None,
    seconds: Annotated[
        float | None,
        typer.Option("--for", help="Poll for this many seconds, print the inbox, and exit."),
    ] = None,
) -> None:
    """Record the escalations to AGENCY (and their responses) from journeys.escalations.v1,
    until stopped (SIGTERM or Ctrl-C), as the consumer group journeys-subscriber-AGENCY."""
    settings = load_settings()
    if not settings.kafka_bootstrap:
        fail("settings: JOURNEYS_KAFKA_BOOTSTRAP is not set: there is no broker to read")
    store = _inbox(inbox, _agency(agency))
    config = DEV_CONSUMER if settings.is_development else {}
    subscriber = Subscriber(settings.kafka_bootstrap, agency, store, consumer_config=config)
    try:
        if seconds is not None:
            deadline = time.monotonic() + seconds
            while time.monotonic() < deadline:
                subscriber.poll(timeout_ms=200)
            _print(store, agency)
            return
        signal.signal(signal.SIGTERM, lambda *_: subscriber.stop())
        typer.echo(
            f"Subscribed to escalations for {agency} as {group_id(agency)}; "
            "stop with Ctrl-C or SIGTERM."
        )
        try:
            while True:
                for message in subscriber.poll():
                    typer.echo(f"{message.type} {message.escalation_id} ({message.ce_id})")
                if subscriber.stopped:
                    break
        except KeyboardInterrupt:
            pass
    finally:
        subscriber.close()
        store.close()


def _print(store: Inbox, agency: str) -> None:
    """One line per escalation kept: its id, family, when raised, and its response."""
    found = store.escalations()
    typer.echo(f"{len(found)} escalation(s) to {agency}:")
    for e in found:
        answered = f", answered here: {e.answered}" if e.answered else ""
        typer.echo(
            f"{e.escalation_id} family {e.family_id} raised {e.raised_at or '?'}: "
            f"{e.response or 'awaiting an answer'}{answered}"
        )


def _token(settings: Settings, agency: str, token: str | None) -> str:
    if token:
        return token
    if not settings.is_development:
        fail("give --token (a partner bearer token); one is minted here in development mode only")
    tokens = Tokens(
        secret=settings.jwt_secret.get_secret_value(),
        issuer=settings.jwt_issuer,
        minutes=settings.token_minutes,
    )
    return tokens.issue(Identity(f"subscriber-{agency}", "partner", agency))


@group.command("answer")
def answer_command(
    *,
    escalation_id: Annotated[str, typer.Argument(help="The escalation id (from the inbox).")],
    agency: AgencyOption,
    accept: Annotated[bool, typer.Option("--accept/--decline", help="Accept or decline.")],
    reason: Annotated[
        str | None, typer.Option(help="Your note of why: kept in the inbox file only, never sent.")
    ] = None,
    inbox: InboxOption = None,
    api: Annotated[str | None, typer.Option(help="The API's URL; default the public URL.")] = None,
    token: Annotated[
        str | None, typer.Option(help="A partner bearer token; minted in development mode.")
    ] = None,
) -> None:
    """Accept or decline an escalation received, through the HTTP API as AGENCY's partner
    user; the response then comes back through the relay."""
    settings = load_settings()
    store = _inbox(inbox, _agency(agency))
    headers = {"Authorization": f"Bearer {_token(settings, agency, token)}"}
    try:
        with httpx.Client(base_url=api or settings.public_url, headers=headers) as client:
            response = "accepted" if accept else "declined"
            position = answer(client, store, escalation_id, response, reason=reason)
    except AnswerError as error:
        fail(str(error), code=1)
    except httpx.HTTPError as error:
        fail(f"cannot reach the API: {type(error).__name__}", code=1)
    finally:
        store.close()
    typer.echo(f"Escalation {escalation_id} {response} (store position {position}).")
