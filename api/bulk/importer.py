"""Applying an import file: lines in batches, each batch one transaction.

Each line's id is its command's idempotency key, so a line applied once is never applied
again: a re-run after a crash resumes. While the lines it meets were applied before, a
re-run only looks up their receipts (the ids they made, for later references) and does not
decode them again; from the first run of lines not yet applied it decodes and runs them.

A refused line never stops the rest: a batch in which a line is refused is dropped (nothing
of it saved) and run again without that line, so the good lines of the batch are saved.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError

from api.bulk.lines import Header, LineRefusedError, Refusal, decode, header
from domain.application import CommandReceipt, JourneysApplication
from domain.commands import Command, ErasePersonalData
from domain.errors import (
    ConcurrentChangeError,
    InvalidValueError,
    JourneysError,
    NotFoundError,
    RuleBrokenError,
)
from domain.values import Actor

# Who sends a line that does not say.
IMPORT_ACTOR = Actor("import", "practitioner", "early_help")
# Lines not applied before in a row, after which a re-run stops looking for receipts.
PROBE_MISSES = 20
# A batch that keeps losing races with other writers is given up after this many tries.
CONFLICT_TRIES = 5


@dataclass
class ImportReport:
    lines: int = 0
    applied: int = 0  # lines applied by this run
    already: int = 0  # lines applied before (by an earlier run)
    refused: list[Refusal] = field(default_factory=list)


class _AbortError(Exception):
    def __init__(self, refusal: Refusal) -> None:
        super().__init__(refusal.reason)
        self.refusal = refusal


def refusal_of(number: int, line_id: str | None, error: Exception) -> Refusal:
    """A refusal naming the rule, the field and the reason (no value given on the line)."""
    if isinstance(error, LineRefusedError):
        return Refusal(number, error.rule, error.reason, error.field, line_id)
    if isinstance(error, RuleBrokenError):
        return Refusal(number, error.rule, error.detail, None, line_id)
    if isinstance(error, InvalidValueError):
        return Refusal(number, "invalid", error.detail, error.field, line_id)
    if isinstance(error, NotFoundError):
        return Refusal(number, "not_found", error.detail, None, line_id)
    assert isinstance(error, JourneysError)
    return Refusal(number, "refused", error.detail, None, line_id)


class Importer:
    """Imports lines into `app`, `batch` lines per transaction."""

    def __init__(
        self,
        app: JourneysApplication,
        *,
        batch: int = 500,
        actor: Actor = IMPORT_ACTOR,
        show: Callable[[int], None] | None = None,
    ) -> None:
        self.app = app
        self.size = max(batch, 1)
        self.actor = actor
        self.show = show
        self.ids: dict[str, dict[str, UUID]] = {}
        self.report = ImportReport()
        self._probing = True
        self._misses = 0

    def run(self, lines: Iterable[str]) -> ImportReport:
        pending: list[tuple[int, Header]] = []
        for number, text in enumerate(lines, start=1):
            self.report.lines += 1
            if not text.strip():
                continue
            try:
                head = header(text, self.actor)
            except LineRefusedError as error:
                self.report.refused.append(refusal_of(number, None, error))
                continue
            if self._applied_before(head):
                continue
            pending.append((number, head))
            if len(pending) >= self.size:
                self._apply(pending)
                pending = []
        self._apply(pending)
        return self.report

    def _applied_before(self, head: Header) -> bool:
        """Whether an earlier run applied the line (then its ids are kept for references)."""
        if not self._probing:
            return False
        try:
            receipt_id = CommandReceipt.id_for(head.actor, head.line_id)
            receipt: CommandReceipt = self.app.repository.get(receipt_id)
        except AggregateNotFoundError:
            self._misses += 1
            # Past some lines not applied, the rest were not either: stop looking (handling
            # a line applied before still answers its receipt, only slower).
            self._probing = self._misses < PROBE_MISSES
            return False
        self._misses = 0
        self.ids[head.line_id] = dict(receipt.ids)
        self.report.already += 1
        return True

    def _apply(self, pending: list[tuple[int, Header]]) -> None:
        start = 0
        while start < len(pending):
            start = self._batch(pending, start)
            if self.show is not None:
                self.show(self.report.applied + self.report.already + len(self.report.refused))

    def _batch(self, pending: list[tuple[int, Header]], start: int) -> int:
        """Save the lines from `start` in one transaction, up to an erasure (saved on its
        own after them); answer where the next batch starts."""
        excluded: set[int] = set()
        conflicts = 0
        while True:
            made: dict[str, dict[str, UUID]] = {}
            erasure: tuple[int, Header, Command] | None = None
            try:
                with self.app.batch():
                    for number, head in pending[start:]:
                        if number in excluded:
                            continue
                        command = self._command(number, head, made)
                        if isinstance(command, ErasePersonalData):
                            erasure = (number, head, command)
                            break
                        made[head.line_id] = self._handle(number, head, command)
            except _AbortError as abort:
                excluded.add(abort.refusal.line)
                self.report.refused.append(abort.refusal)
                continue
            except ConcurrentChangeError as error:
                conflicts += 1
                if conflicts < CONFLICT_TRIES:
                    continue
                for number, head in pending[start:]:
                    if number not in excluded:
                        self.report.refused.append(refusal_of(number, head.line_id, error))
                return len(pending)
            self.ids.update(made)
            self.report.applied += len(made)
            if erasure is None:
                return len(pending)
            number, head, command = erasure
            try:
                self.ids[head.line_id] = self._handle(number, head, command)
                self.report.applied += 1
            except _AbortError as abort:
                self.report.refused.append(abort.refusal)
            return next(i for i, (n, _) in enumerate(pending) if n == number) + 1

    def _command(self, number: int, head: Header, made: dict[str, dict[str, UUID]]) -> Command:
        def resolve(line_id: str, name: str) -> UUID | None:
            return (made.get(line_id) or self.ids.get(line_id) or {}).get(name)

        try:
            return decode(head, resolve)
        except LineRefusedError as error:
            raise _AbortError(refusal_of(number, head.line_id, error)) from None

    def _handle(self, number: int, head: Header, command: Command) -> dict[str, UUID]:
        try:
            return dict(self.app.handle(command).ids)
        except ConcurrentChangeError:
            raise
        except JourneysError as error:
            raise _AbortError(refusal_of(number, head.line_id, error)) from None
