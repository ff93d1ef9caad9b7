"""The view store's paged read, on SQLite and on PostgreSQL: documents in the order their
keys were first stored, filtered by tag and by a predicate, page after page, with a document
changed later keeping its place; a documents table made before `seq` existed gains it, and
a row table made by an earlier version of its view gains the columns it lacks; and
a view's position is tracked per source, a database that kept it beside the view moving it
there when opened."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest

from infra.bootstrap import bootstrap
from infra.settings import Settings
from infra.views.store import ViewMovedError, ViewStore

# journeys_views as it was made while a view's position was one of its columns.
OLD_VIEWS = (
    "CREATE TABLE journeys_views (view_id TEXT PRIMARY KEY, name TEXT NOT NULL, "
    "version INTEGER NOT NULL, generation INTEGER NOT NULL, state TEXT NOT NULL, "
    "position BIGINT NOT NULL, updated_at DOUBLE PRECISION NOT NULL, "
    "failures INTEGER NOT NULL DEFAULT 0, last_error TEXT, retry_at DOUBLE PRECISION)"
)
OLD_ROW = (
    "INSERT INTO journeys_views VALUES ('pages.v1.g1', 'pages', 1, 1, 'live', 7, 0, 0, NULL, NULL)"
)


def doc(key: str, colour: str) -> dict[str, Any]:
    return {"key": key, "colour": colour}


class ViewPagesContract:
    """Subclassed once per database."""

    @pytest.fixture
    def views(self, settings: Settings) -> Iterator[ViewStore]:
        journeys = bootstrap(settings)
        try:
            yield journeys.views
        finally:
            journeys.close()

    def stored(self, views: ViewStore) -> None:
        """Keys a..f, two batches; b changed (and moved to another tag) in a third."""
        info = views.create("pages", 1, state="live")
        first = {k: ("north", doc(k, c)) for k, c in (("c", "red"), ("a", "blue"), ("b", "red"))}
        views.commit(info.view_id, expected=0, position=3, changed=first)
        second = {k: ("south", doc(k, c)) for k, c in (("f", "red"), ("d", "blue"), ("e", "red"))}
        views.commit(info.view_id, expected=3, position=6, changed=second)
        views.commit(
            info.view_id, expected=6, position=7, changed={"b": ("south", doc("b", "red"))}
        )

    def keys(self, page: list[tuple[int, dict[str, Any]]]) -> list[str]:
        return [found["key"] for _, found in page]

    def test_pages_follow_the_order_keys_were_first_stored(self, views: ViewStore) -> None:
        self.stored(views)

        position, first, more = views.read_page("pages", tag=None, after=None, limit=4)
        _, rest, at_end = views.read_page("pages", tag=None, after=first[-1][0], limit=4)

        assert (position, self.keys(first), more) == (7, ["c", "a", "b", "f"], True)
        assert (self.keys(rest), at_end) == (["d", "e"], False)

    def test_a_tag_and_a_predicate_filter_and_the_last_page_says_so(self, views: ViewStore) -> None:
        self.stored(views)

        def red(found: dict[str, Any]) -> bool:
            return bool(found["colour"] == "red")

        _, south, _ = views.read_page("pages", tag="south", after=None, limit=10)
        _, first, more = views.read_page("pages", tag=None, after=None, limit=2, where=red)
        _, rest, at_end = views.read_page("pages", tag=None, after=first[-1][0], limit=2, where=red)
        _, exact, _ = views.read_page("pages", tag="south", after=None, limit=3, where=red)

        assert self.keys(south) == ["b", "f", "d", "e"]
        assert (self.keys(first), more, self.keys(rest), at_end) == (
            ["c", "b"],
            True,
            ["f", "e"],
            False,
        )
        assert self.keys(exact) == ["b", "f", "e"]

    def test_a_view_tracks_each_source_apart_with_compare_and_set(self, views: ViewStore) -> None:
        info = views.create("pages", 1, state="live")
        views.commit(info.view_id, expected=0, position=4, changed={})
        views.commit(info.view_id, expected=0, position=2, changed={}, source="topic:1")

        with pytest.raises(ViewMovedError):
            views.commit(info.view_id, expected=0, position=9, changed={}, source="topic:1")
        with pytest.raises(ViewMovedError):
            views.commit(
                info.view_id, expected=0, position=9, changed={"a": ("n", doc("a", "red"))}
            )

        assert views.tracking(info.view_id) == {"store": 4, "topic:1": 2}
        assert views.read("pages", "a") == (4, None)
        views.drop(info.view_id)
        assert views.tracking(info.view_id) == {}

    def old_database_opens_at_its_position(self, settings: Settings) -> None:
        """A view of an old-shape database (made by the caller) is read, and moves on,
        from the position it had."""
        journeys = bootstrap(settings)
        try:
            views = journeys.views
            live = views.live("pages")
            assert live is not None
            assert live.position == 7
            assert views.tracking("pages.v1.g1") == {"store": 7}
            views.commit("pages.v1.g1", expected=7, position=8, changed={"a": ("n", doc("a", "x"))})
            assert views.read("pages", "a") == (8, doc("a", "x"))
        finally:
            journeys.close()
        again = bootstrap(settings)  # opening it again moves nothing twice
        try:
            assert again.views.tracking("pages.v1.g1") == {"store": 8}
        finally:
            again.close()

    def test_an_empty_view_answers_its_position(self, views: ViewStore) -> None:
        info = views.create("pages", 1, state="live")
        views.commit(info.view_id, expected=0, position=5, changed={})

        assert views.read_page("pages", tag=None, after=None, limit=3) == (5, [], False)
        assert views.read_page("nothing", tag=None, after=None, limit=3) == (0, [], False)


class TestWithSQLite(ViewPagesContract):
    @pytest.fixture
    def settings(self, tmp_path: Path) -> Settings:
        return Settings(sqlite_path=tmp_path / "j.sqlite", database_url=None, mode="development")

    def test_a_table_made_before_seq_gains_it(self, tmp_path: Path) -> None:
        path = tmp_path / "old.sqlite"
        with sqlite3.connect(path) as old:
            old.execute(
                "CREATE TABLE journeys_view_docs (view_id TEXT NOT NULL, key TEXT NOT NULL, "
                "tag TEXT NOT NULL, doc TEXT NOT NULL, PRIMARY KEY (view_id, key))"
            )
        old.close()
        settings = Settings(sqlite_path=path, database_url=None, mode="development")
        journeys = bootstrap(settings)
        try:
            self.stored(journeys.views)
            _, page, _ = journeys.views.read_page("pages", tag=None, after=None, limit=2)
        finally:
            journeys.close()

        assert self.keys(page) == ["c", "a"]

    def test_an_episode_facts_table_of_an_earlier_version_gains_the_new_columns(
        self, tmp_path: Path
    ) -> None:
        path = tmp_path / "old.sqlite"
        with sqlite3.connect(path) as old:
            old.execute(
                "CREATE TABLE journeys_episode_facts (view_id TEXT NOT NULL, doc_key TEXT NOT "
                "NULL, episode_id TEXT, closed_at TEXT, PRIMARY KEY (view_id, doc_key, episode_id))"
            )
        old.close()
        journeys = bootstrap(Settings(sqlite_path=path, database_url=None, mode="development"))
        journeys.close()
        with sqlite3.connect(path) as now:
            columns = {row[1] for row in now.execute("PRAGMA table_info(journeys_episode_facts)")}
        now.close()
        assert {"needs", "needs_achieved", "regressed_after_closure_at", "area"} <= columns

    def test_a_database_with_positions_beside_its_views_keeps_them(self, tmp_path: Path) -> None:
        path = tmp_path / "old.sqlite"
        with sqlite3.connect(path) as old:
            old.execute(OLD_VIEWS)
            old.execute(OLD_ROW)
        old.close()
        self.old_database_opens_at_its_position(
            Settings(sqlite_path=path, database_url=None, mode="development")
        )


@pytest.mark.postgres
class TestWithPostgreSQL(ViewPagesContract):
    @pytest.fixture
    def settings(self, postgres_url: str) -> Settings:
        return Settings(database_url=postgres_url, mode="development")

    def test_a_database_with_positions_beside_its_views_keeps_them(self, postgres_url: str) -> None:
        with psycopg.connect(postgres_url, autocommit=True) as old:
            old.execute(OLD_VIEWS)
            old.execute(OLD_ROW)
        self.old_database_opens_at_its_position(
            Settings(database_url=postgres_url, mode="development")
        )
