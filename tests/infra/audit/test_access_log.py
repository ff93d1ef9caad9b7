"""The access log on SQLite and on PostgreSQL: every entry kept as written, read back newest
first a page at a time, and the database itself refusing to change or remove any entry."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, ClassVar
from uuid import UUID, uuid4

import psycopg
import pytest

from infra.audit.access_log import Access, AccessFilter, AccessLog, LoggedAccess
from infra.bootstrap import Journeys, bootstrap
from infra.settings import Settings

START = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)


class Clock:
    """The application's clock, moved by the test."""

    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime:
        return self.now


def access(family_id: UUID, user_id: str = "qa-1", **changes: Any) -> Access:
    fields: dict[str, Any] = {
        "family_id": family_id,
        "user_id": user_id,
        "role": "qa_officer",
        "agency": "early_help",
        "what": "timeline",
        "detail": {"as_recorded_at": "2025-03-01"},
        "reason": "audit",
        **changes,
    }
    return Access(**fields)


def every_entry(log: AccessLog, family_id: UUID, **filters: Any) -> list[LoggedAccess]:
    """All of a family's entries, page after page, checking the pages join up."""
    entries: list[LoggedAccess] = []
    before: int | None = None
    while True:
        page = log.page(family_id, before=before, limit=3, **filters)
        assert len(page.items) <= 3
        entries += page.items
        if page.next is None:
            return entries
        assert page.next == page.items[-1].access_id
        before = page.next


class AccessLogContract:
    """Subclassed once per database."""

    settings: ClassVar[Any]
    refused: ClassVar[type[Exception]]  # what the database raises for a refused change

    def execute(self, settings: Settings, sql: str) -> None:
        """Run one statement directly in the database, outside the application."""
        raise NotImplementedError

    @pytest.fixture
    def clock(self) -> Clock:
        return Clock()

    @pytest.fixture
    def journeys(self, settings: Settings, clock: Clock) -> Iterator[Journeys]:
        journeys = bootstrap(settings, clock=clock)
        yield journeys
        journeys.close()

    def test_entries_come_back_newest_first_as_written(
        self, journeys: Journeys, clock: Clock
    ) -> None:
        family = uuid4()
        first = journeys.access_log.append(access(family))
        clock.now += timedelta(minutes=5)
        second = journeys.access_log.append(
            access(
                family,
                "lp-7",
                role="lead_practitioner",
                agency="school",
                what="journey picture",
                detail={},
                reason=None,
                outcome="refused",
            )
        )

        page = journeys.access_log.page(family)

        assert page.items == [second, first]
        assert page.next is None
        assert second.access_id > first.access_id
        assert (first.at, second.at) == (START, START + timedelta(minutes=5))
        assert first.at.utcoffset() == timedelta(0)
        assert (second.user_id, second.role, second.agency) == (
            "lp-7",
            "lead_practitioner",
            "school",
        )
        assert (second.what, second.detail, second.reason) == ("journey picture", {}, None)
        assert (first.detail, first.reason, second.outcome) == (
            {"as_recorded_at": "2025-03-01"},
            "audit",
            "refused",
        )

    def test_pages_join_up_without_gaps_or_repeats(self, journeys: Journeys) -> None:
        family = uuid4()
        written = [journeys.access_log.append(access(family)) for _ in range(7)]

        read = every_entry(journeys.access_log, family)

        assert read == written[::-1]
        assert len({entry.access_id for entry in read}) == 7

    def test_only_the_family_asked_for_and_the_filters_given(
        self, journeys: Journeys, clock: Clock
    ) -> None:
        family, other = uuid4(), uuid4()
        log = journeys.access_log
        early = [log.append(access(family, "qa-1")), log.append(access(family, "qa-2"))]
        log.append(access(other, "qa-1"))
        clock.now += timedelta(days=1)
        late = [log.append(access(family, "qa-1")), log.append(access(family, "qa-2"))]

        assert every_entry(log, family) == [*late[::-1], *early[::-1]]
        assert every_entry(log, family, user_id="qa-2") == [late[1], early[1]]
        assert every_entry(log, family, start=clock.now) == late[::-1]
        assert every_entry(log, family, end=START) == early[::-1]
        assert every_entry(log, family, start=clock.now, end=clock.now, user_id="qa-1") == [late[0]]
        assert every_entry(log, uuid4()) == []

    def test_across_families_each_filter_narrows_the_match(
        self, journeys: Journeys, clock: Clock
    ) -> None:
        family, other = uuid4(), uuid4()
        log = journeys.access_log
        early = [
            log.append(access(family, "qa-1")),
            log.append(access(other, "lp-2", role="lead_practitioner", agency="school")),
        ]
        clock.now += timedelta(days=2)
        late = [
            log.append(access(other, "qa-1", outcome="refused")),
            log.append(access(family, "pr-3", role="practitioner", agency="police")),
        ]

        def find(**given: Any) -> list[LoggedAccess]:
            return [e for e in log.each(AccessFilter(**given)) if e.family_id in (family, other)]

        assert find() == [*late[::-1], *early[::-1]]
        assert find(user_id="qa-1") == [late[0], early[0]]
        assert find(role="lead_practitioner") == [early[1]]
        assert find(agency="police") == [late[1]]
        assert find(family_id=other) == [late[0], early[1]]
        assert find(outcome="refused") == [late[0]]
        assert find(start=clock.now) == late[::-1]
        assert find(end=START) == early[::-1]
        assert find(start=START, end=START, agency="school", user_id="lp-2") == [early[1]]
        assert find(user_id="nobody") == []

    def test_every_match_is_read_past_one_batch_newest_first(self, journeys: Journeys) -> None:
        family = uuid4()
        written = [journeys.access_log.append(access(family)) for _ in range(1203)]

        assert list(journeys.access_log.each(AccessFilter(family_id=family))) == written[::-1]

    def test_a_read_amended_as_invalid_says_so_once_and_a_refusal_stays_refused(
        self, journeys: Journeys, settings: Settings
    ) -> None:
        family = uuid4()
        log = journeys.access_log
        read, refused, kept = (
            log.append(access(family)),
            log.append(access(family, outcome="refused")),
            log.append(access(family)),
        )

        log.amend_invalid([read.access_id, refused.access_id])
        log.amend_invalid([read.access_id])  # a second amendment changes nothing

        entries = every_entry(log, family)
        assert [e.outcome for e in entries] == ["read", "refused", "invalid"]
        assert entries[2] == LoggedAccess(**{**vars(read), "outcome": "invalid"})
        assert entries[0] == kept
        assert every_entry(log, family, user_id="qa-1") == entries
        assert [e.access_id for e in log.each(AccessFilter(outcome="invalid"))] == [read.access_id]
        with pytest.raises(self.refused, match="append-only"):
            self.execute(settings, "DELETE FROM journeys_access_outcome")
        with pytest.raises(self.refused, match="append-only"):
            self.execute(settings, "UPDATE journeys_access_outcome SET outcome = 'invalid'")

    def test_the_database_refuses_to_change_an_entry(
        self, journeys: Journeys, settings: Settings
    ) -> None:
        family = uuid4()
        kept = journeys.access_log.append(access(family))

        with pytest.raises(self.refused, match="append-only"):
            self.execute(settings, "UPDATE journeys_access_log SET user_id = 'someone-else'")
        with pytest.raises(self.refused, match="append-only"):
            self.execute(
                settings,
                f"UPDATE journeys_access_log SET reason = NULL WHERE id = {kept.access_id}",
            )

        assert journeys.access_log.page(family).items == [kept]

    def test_the_database_refuses_to_delete_an_entry(
        self, journeys: Journeys, settings: Settings
    ) -> None:
        family = uuid4()
        kept = journeys.access_log.append(access(family))

        with pytest.raises(self.refused, match="append-only"):
            self.execute(settings, f"DELETE FROM journeys_access_log WHERE id = {kept.access_id}")
        with pytest.raises(self.refused, match="append-only"):
            self.execute(settings, "DELETE FROM journeys_access_log")

        assert journeys.access_log.page(family).items == [kept]

    def test_the_log_outlives_the_process_and_stays_append_only(
        self, journeys: Journeys, settings: Settings
    ) -> None:
        family = uuid4()
        written = [journeys.access_log.append(access(family)) for _ in range(4)]
        journeys.close()

        again = bootstrap(settings)  # opening it again sets nothing up twice
        try:
            assert every_entry(again.access_log, family) == written[::-1]
            with pytest.raises(self.refused, match="append-only"):
                self.execute(settings, "DELETE FROM journeys_access_log")
            assert again.access_log.append(access(family)).access_id > written[-1].access_id
        finally:
            again.close()

    def test_appends_from_many_threads_all_land(self, journeys: Journeys) -> None:
        family = uuid4()
        ids: list[int] = []

        def read_many(user: str) -> None:
            for _ in range(20):
                ids.append(journeys.access_log.append(access(family, user)).access_id)

        threads = [threading.Thread(target=read_many, args=(f"qa-{n}",)) for n in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

        entries = every_entry(journeys.access_log, family)
        assert sorted(e.access_id for e in entries) == sorted(ids)
        assert len(set(ids)) == 80
        assert {e.user_id for e in entries} == {f"qa-{n}" for n in range(4)}


class TestWithSQLite(AccessLogContract):
    refused = sqlite3.IntegrityError

    @pytest.fixture
    def settings(self, tmp_path: Path) -> Settings:
        return Settings(sqlite_path=tmp_path / "j.sqlite", database_url=None, mode="development")

    def execute(self, settings: Settings, sql: str) -> None:
        conn = sqlite3.connect(settings.sqlite_path, isolation_level=None)
        try:
            conn.execute(sql)
        finally:
            conn.close()

    def test_the_database_refuses_to_replace_an_entry(
        self, journeys: Journeys, settings: Settings
    ) -> None:
        # INSERT OR REPLACE deletes the row it collides with without a DELETE trigger firing.
        family = uuid4()
        kept = journeys.access_log.append(access(family))

        with pytest.raises(self.refused, match="append-only"):
            self.execute(
                settings,
                "INSERT OR REPLACE INTO journeys_access_log (id, family_id, at, user_id, role, "
                f"agency, what, detail, reason, outcome) VALUES ({kept.access_id}, "
                f"'{family}', '2025-01-01T00:00:00.000000Z', 'x', 'x', 'x', 'x', '{{}}', NULL, "
                "'read')",
            )

        assert journeys.access_log.page(family).items == [kept]


@pytest.mark.postgres
class TestWithPostgreSQL(AccessLogContract):
    refused = psycopg.errors.InsufficientPrivilege

    @pytest.fixture
    def settings(self, postgres_url: str) -> Settings:
        return Settings(database_url=postgres_url, mode="development")

    def execute(self, settings: Settings, sql: str) -> None:
        assert settings.database_url is not None
        with psycopg.connect(settings.database_url, autocommit=True) as conn:
            conn.execute(sql.encode())  # a statement of the test's own, not user input

    def test_the_database_refuses_to_truncate_the_log(
        self, journeys: Journeys, settings: Settings
    ) -> None:
        family = uuid4()
        kept = journeys.access_log.append(access(family))

        with pytest.raises(self.refused, match="append-only: TRUNCATE"):
            self.execute(settings, "TRUNCATE journeys_access_log")

        assert journeys.access_log.page(family).items == [kept]
