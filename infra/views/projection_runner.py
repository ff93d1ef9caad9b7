"""The projection engine: follows the store's notification log and feeds every projection.

The same runner serves `make run` (a thread in the API process) and production (`journeys
project`, a process of its own). It reads notifications after each view's position, decodes
only the events the projection wants, applies them to that batch's documents and commits
documents and position together (infra/views/store.py), so a crash at any instant neither loses
nor double-counts an event.

It needs no gap-free ids: it asks for the notifications after the position it reached, and
the store's table lock makes ids commit in order, so an id skipped by a rolled-back
transaction is never waited for and a later one is never missed.

A failing event stops that one view at the event before it; the view is retried with
exponential backoff and its failure shown by `status()` (health endpoint, CLI), and the
event is never skipped. The other views carry on.

Where a rebuild of all views spends its time (cProfile, `python -m bench --quick` store of
3,000 events over 93 families, SQLite, all eight views in one pass; shares of 2.7 s):
- projection handlers 73%: families 35% (its summary walks the whole journey document again
  at every event), timeline 20%, journey 14%, sharing 10%, episode facts 7%, findings 6%;
  across them `str(UUID)` alone is 9% (37 calls per event);
- decoding the events 13%: the library's JSON transcoder calls back into Python for every
  JSON object (`_decode_obj`, 11 per event), then `as_tuples` walks the result again;
- writing the documents 7% (half of it `json.dumps` of each document), reading the log 1%;
  upcasting does not show among the top entries (the quick store is of current versions).
"""

from __future__ import annotations

import gc
import logging
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from eventsourcing.persistence import Notification

from domain.application import JourneysApplication
from infra.following import Follower
from infra.views.store import ViewInfo, ViewMovedError, ViewStore
from projections.base import Doc, Event, MemoryDocuments, Projection
from projections.rows import row_tables

logger = logging.getLogger(__name__)

Progress = Callable[[int, int], None]  # (position reached, head) after each batch


@dataclass(frozen=True)
class ViewStatus:
    """What `journeys projections status` and /health show for one view generation."""

    name: str
    version: int
    generation: int
    state: str  # live, building; none: no runner has made the view yet
    position: int
    head: int
    lag_events: int
    lag_seconds: float | None  # None until the view has read its first event
    failures: int
    last_error: str | None
    source: str = "store"  # what feeds it: the store's log, or Kafka (infra.kafka.offsets)

    @property
    def started(self) -> bool:
        """Has the view read any of the log? (An empty log has nothing to start on.)"""
        return self.position > 0 or self.head == 0

    @property
    def health(self) -> str:
        """`failing`, `not started` (has read nothing of a log that has events), `behind`
        or `caught up`."""
        if self.failures:
            return "failing"
        if not self.started:
            return "not started"
        return "caught up" if self.lag_events == 0 else "behind"


class _EventFailedError(Exception):
    def __init__(self, index: int, cause: Exception) -> None:
        self.index = index
        self.cause = cause


class ProjectionRunner(Follower):
    """Feeds projections from the notification log of one application."""

    thread_name = "journeys-projections"

    def __init__(
        self,
        app: JourneysApplication,
        store: ViewStore,
        projections: Sequence[Projection],
        *,
        batch_size: int = 500,
        poll_interval: float = 0.2,
        backoff: tuple[float, float] = (0.5, 60.0),
        rebuild_window: int = 200_000,
    ) -> None:
        super().__init__(poll_interval=poll_interval)
        self.app = app
        self.store = store
        self.projections = {p.name: p for p in projections}
        self.batch_size = batch_size
        self.rebuild_batch_size = max(batch_size, 2000)  # fewer, larger reads
        self.rebuild_window = rebuild_window
        self.backoff = backoff

    # -- setting views up ---------------------------------------------------------------

    def ensure_views(self) -> None:
        """Create each projection's view if it has none; start building a new version beside
        the live one when the projection's version changed."""
        self.store.setup(row_tables(self.projections.values()))
        for projection in self.projections.values():
            views = self.store.views(projection.name)
            live = next((v for v in views if v.state == "live"), None)
            if live is None:
                self.store.create(projection.name, projection.version, state="live")
            elif live.version != projection.version and not any(
                v.state == "building" and v.version == projection.version for v in views
            ):
                self.store.create(projection.name, projection.version, state="building")

    def targets(self) -> list[tuple[Projection, ViewInfo]]:
        """The generation each projection feeds: its live view, or the new version being
        built beside an older live one (readers keep the old one until the switch)."""
        found = []
        for view in self.store.views():
            projection = self.projections.get(view.name)
            if projection is None or view.version != projection.version:
                continue
            if view.state == "live":
                found.append((projection, view))
            elif view.state == "building":
                live = self.store.live(view.name)
                if live is not None and live.version != projection.version:
                    found.append((projection, view))
        return found

    # -- processing -----------------------------------------------------------------------

    def step(
        self,
        projection: Projection,
        view: ViewInfo,
        *,
        limit: int | None = None,
        decoded: dict[int, Event] | None = None,
    ) -> int:
        """Process one batch after the view's position; the number of notifications read
        (0: caught up). Raises ViewMovedError if another runner moved the view first.
        Views at the same position share `decoded`, so each event is decoded once."""
        if view.retry_at is not None and time.time() < view.retry_at:
            return 0  # backing off after a failure
        notes = self.app.recorder.select_notifications(
            start=view.position + 1, limit=limit or self.batch_size
        )
        if not notes:
            return 0
        wanted = [n for n in notes if projection.wants(n.topic)]
        cache = {} if decoded is None else decoded
        events = [
            cache[n.id] if n.id in cache else cache.setdefault(n.id, self._decode(n))
            for n in wanted
        ]
        keys = list(dict.fromkeys(projection.key(e) for e in events))
        try:
            changed = self._apply(projection, view, keys, events)
        except _EventFailedError as failed:
            self._fail(projection, view, keys, notes, wanted, events, failed)
            return 0
        self.store.commit(
            view.view_id, expected=view.position, position=notes[-1].id, changed=changed
        )
        return len(notes)

    def _decode(self, notification: Notification) -> Event:
        event: Event = self.app.mapper.to_domain_event(notification)
        return event

    def _apply(
        self,
        projection: Projection,
        view: ViewInfo,
        keys: list[str],
        events: Sequence[Event],
        docs: MemoryDocuments | None = None,
    ) -> dict[str, tuple[str, Doc]]:
        """Apply events to the documents of `keys` (loaded from the view unless the working
        set `docs` already holds them); the documents changed."""
        if docs is None:
            docs = MemoryDocuments()
        missing = [key for key in keys if key not in docs.docs]
        docs.docs.update(self.store.load(view.view_id, missing))
        apply = projection.apply  # once: a singledispatchmethod makes a new wrapper per lookup
        for index, event in enumerate(events):
            try:
                apply(event, docs)
            except Exception as error:  # a handler's failure, reported below, never skipped
                raise _EventFailedError(index, error) from error
        return docs.changed

    def _fail(  # noqa: PLR0917 - one private call site, passing what step() already has
        self,
        projection: Projection,
        view: ViewInfo,
        keys: list[str],
        notes: Sequence[Notification],
        wanted: Sequence[Notification],
        events: Sequence[Event],
        failed: _EventFailedError,
    ) -> None:
        """Commit what came before the failing event, then record the failure and back off."""
        failing = wanted[failed.index]
        before = [n for n in notes if n.id < failing.id]
        if before:
            changed = self._apply(projection, view, keys, events[: failed.index])
            self.store.commit(
                view.view_id, expected=view.position, position=before[-1].id, changed=changed
            )
        # Only the kind of error and where: exception messages may quote personal data.
        error = (
            f"{type(failed.cause).__name__} applying {type(events[failed.index]).__qualname__} "
            f"at position {failing.id}"
        )
        first, most = self.backoff
        delay = min(most, first * 2 ** min(view.failures, 16))
        self.store.record_failure(view.view_id, error=error, retry_at=time.time() + delay)
        logger.error("view %s stopped: %s; retrying in %.1f s", view.view_id, error, delay)

    def run_once(self) -> int:
        """One batch for every view that has work; the number of notifications read."""
        done = 0
        decoded: dict[int, Event] = {}
        for projection, view in self.targets():
            try:
                done += self.step(projection, view, decoded=decoded)
            except ViewMovedError:
                done += 1  # someone else moved it; look again at once
            if view.state == "building":
                self._switch_if_caught_up(view.name, view.view_id)
        return done

    def catch_up(self, progress: Progress | None = None) -> None:
        """Process until every view has reached the head of the log (or is failing)."""
        while self.run_once():
            if progress is not None:
                views = self.store.views()
                progress(min((v.position for v in views), default=0), self.app.position())

    def _switch_if_caught_up(self, name: str, view_id: str) -> bool:
        view = self.store.view(view_id)
        if view is None or view.failures or view.position < self.app.position():
            return False
        self.store.switch(name, view_id)
        logger.info("view %s is now live", view_id)
        return True

    def rebuild(self, name: str, progress: Progress | None = None) -> ViewInfo:
        """Rebuild one view; see `rebuild_all`."""
        [live] = self.rebuild_all([name], progress)
        return live

    def rebuild_all(
        self, names: Sequence[str] | None = None, progress: Progress | None = None
    ) -> list[ViewInfo]:
        """Build a new generation of each view from position 0 beside the live one, in one
        pass over the log (each event read and decoded once for all of them), then switch
        readers to each and drop the old ones. Readers never see a half-built view.

        The documents being built stay in memory for `rebuild_window` events and are written
        once per window, instead of once per batch: a family's timeline grows with every
        entry, and rewriting it at every batch made a rebuild quadratic in its length."""
        chosen = list(self.projections) if names is None else list(names)
        self.store.setup(row_tables(self.projections.values()))
        building: dict[str, ViewInfo] = {}
        for name in chosen:
            for old in self.store.views(name):
                if old.state == "building":  # left by a rebuild that did not finish
                    self.store.drop(old.view_id)
            building[name] = self.store.create(
                name, self.projections[name].version, state="building"
            )
        with fewer_collections():
            self._rebuild_pass(building, progress)
        for name, view in building.items():
            self.store.switch(name, view.view_id)
            logger.info("view %s is now live", view.view_id)
        rebuilt = [self.store.live(name) for name in chosen]
        return [view for view in rebuilt if view is not None]

    def _rebuild_pass(self, building: dict[str, ViewInfo], progress: Progress | None) -> None:
        """The pass of `rebuild_all`: every event into the views being built, written once
        per window; `building` follows each view's position."""
        working = {name: MemoryDocuments() for name in building}
        position = written = 0
        while True:
            notes = self.app.recorder.select_notifications(
                start=position + 1, limit=self.rebuild_batch_size
            )
            if notes:
                self._rebuild_batch(building, working, notes)
                position = notes[-1].id
            if not notes or position - written >= self.rebuild_window:
                for name, view in building.items():
                    changed = working[name].changed
                    self.store.commit(
                        view.view_id, expected=view.position, position=position, changed=changed
                    )
                    building[name] = replace(view, position=position)
                    working[name] = MemoryDocuments()
                written = position
            if progress is not None:
                progress(position, self.app.position())
            if not notes:
                break

    def _rebuild_batch(
        self,
        building: dict[str, ViewInfo],
        working: dict[str, MemoryDocuments],
        notes: Sequence[Notification],
    ) -> None:
        decoded: dict[int, Event] = {}
        for name, view in building.items():
            projection = self.projections[name]
            wanted = [n for n in notes if projection.wants(n.topic)]
            events = [
                decoded[n.id] if n.id in decoded else decoded.setdefault(n.id, self._decode(n))
                for n in wanted
            ]
            keys = list(dict.fromkeys(projection.key(e) for e in events))
            try:
                self._apply(projection, view, keys, events, working[name])
            except _EventFailedError as failed:
                failing = wanted[failed.index]
                error = (
                    f"{type(failed.cause).__name__} applying "
                    f"{type(events[failed.index]).__qualname__} at position {failing.id}"
                )
                self.store.record_failure(view.view_id, error=error, retry_at=time.time())
                raise RuntimeError(f"rebuild of {name} stopped: {error}") from None

    # -- running in the background (infra.following) ----------------------------------------

    def setup(self) -> None:
        self.ensure_views()

    # -- status ----------------------------------------------------------------------------

    def status(self) -> list[ViewStatus]:
        """Every view generation, and every projection no runner has made a view for yet
        (state `none`, not started)."""
        head = self.app.position()
        views = self.store.views()
        found = [self._status(view, head) for view in views]
        made = {view.name for view in views}
        missing = [
            ViewStatus(
                name=name, version=projection.version, generation=0, state="none", position=0,
                head=head, lag_events=head, lag_seconds=None if head else 0.0, failures=0,
                last_error=None,
            )
            for name, projection in self.projections.items()
            if name not in made
        ]  # fmt: skip
        return found + missing

    def _status(self, view: ViewInfo, head: int) -> ViewStatus:
        status = ViewStatus(
            name=view.name,
            version=view.version,
            generation=view.generation,
            state=view.state,
            position=view.position,
            head=head,
            lag_events=max(0, head - view.position),
            lag_seconds=0.0,
            failures=view.failures,
            last_error=view.last_error,
        )
        if not status.started:
            # The age of the store's first event would be no lag at all: none is known yet.
            return replace(status, lag_seconds=None)
        if not status.lag_events:
            return status
        notes = self.app.recorder.select_notifications(start=view.position + 1, limit=1)
        if not notes:
            return status
        event: Any = self.app.mapper.to_domain_event(notes[0])
        recorded: datetime = event.timestamp
        lag = max(0.0, (datetime.now(UTC) - recorded).total_seconds())
        return replace(status, lag_seconds=round(lag, 3))


@contextmanager
def fewer_collections() -> Iterator[None]:
    """Run the cyclic garbage collector far less often meanwhile. A rebuild keeps a window
    of documents in memory, millions of small dicts and lists that are never garbage, and
    every full collection walks them all: at 1M events that was a third of the rebuild's
    time. Reference counting still frees everything at once; only cycles wait longer."""
    before = gc.get_threshold()
    gc.set_threshold(100_000, 50, 100)
    try:
        yield
    finally:
        gc.set_threshold(*before)
