"""Views as the record stood at a past instant, for reports asked `as_recorded_at=`.

The live views hold the record as it stands now (every correction and retraction applied).
For a report as it stood at T, each family's events stored by T (projections.reads.
recorded_by: entries, corrections and retractions alike, the timeline's bitemporal rule)
are replayed into a view store of its own, a temporary SQLite file, which the report's
usual reader then sums in the database: the same SQL, over the rows as they were then.
Every family's stream is read, so such a report costs a replay of the store.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from tempfile import TemporaryDirectory

from domain.application import JourneysApplication
from infra.views.sqlite import SQLiteViewStore
from infra.views.store import ViewStore
from projections.base import Doc, Projection, replay
from projections.reads import recorded_by


@contextmanager
def view_as_recorded(
    app: JourneysApplication, projection: Projection, at: datetime
) -> Iterator[ViewStore]:
    """A view store whose live `projection` view is built from the events stored by `at`."""
    assert projection.table is not None
    changed: dict[str, tuple[str, Doc]] = {}
    for family_id in app.iter_family_ids():
        events = recorded_by(app.family_events(family_id), at)
        changed.update(replay(projection, events).changed)
    with TemporaryDirectory() as directory:
        store = SQLiteViewStore(Path(directory) / "views.sqlite")
        try:
            store.setup({projection.name: projection.table})
            view = store.create(projection.name, projection.version, state="live")
            store.commit(view.view_id, expected=0, position=app.position(), changed=changed)
            yield store
        finally:
            store.close()
