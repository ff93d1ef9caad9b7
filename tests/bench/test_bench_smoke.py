"""The benchmark runs and reports what it claims to compare (not how fast: no timings are
asserted). SQLite, with a handful of families or a few thousand events; the copy of a
generated store into PostgreSQL, and the protect part (on both backends), are checked on a
real server."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console

from bench.__main__ import main
from bench.bare import BASE_FIELDS, BareApplication, bare_ops, drive_bare, stored_notifications
from bench.evidence import ANSWERS
from bench.library import app_events, compare, journeys_app
from bench.protect import run_backend as run_protect
from bench.sizes import QUICK
from bench.store_cache import cached_store
from bench.store_load import postgres_copy, sqlite_copy
from bench.stores import sqlite_stores
from bench.workload import drive, scripts
from domain.application import JourneysApplication
from tests.support.postgres import DATABASE_URL_ENV, PostgresServer


def test_both_modes_report_positive_ratios_over_the_same_work() -> None:
    with sqlite_stores() as stores:
        result = compare(stores, families=2, seed=3, batch_size=10, rounds=1, profile=True)

    assert [mode.mode for mode in result.modes] == ["single", "batched"]
    assert result.modes[1].commands_per_transaction == 10
    for mode in result.modes:
        assert mode.commands == result.events > 20
        assert mode.app_commands_per_s > 0
        assert mode.bare_commands_per_s > 0
        assert math.isfinite(mode.ratio)
        assert mode.ratio > 0
    assert sum(result.mix.values()) == result.events
    assert {"Registered", "ContactRecorded", "PlanAgreed", "EpisodeClosed"} <= set(result.mix)
    assert set(result.profiles) == {"single", "batched"}
    assert result.profiles["single"]["app"].areas


def test_the_bare_library_stores_the_same_events_as_the_application() -> None:
    with sqlite_stores() as stores:
        with stores.fresh() as handle, journeys_app(handle) as app:
            drive(app, scripts(families=2, seed=5), batch_size=None)
            events = app_events(app)
            app_stored = list(stored_notifications(app))
        with stores.fresh() as handle, BareApplication(env=handle.env) as bare:
            drive_bare(bare, bare_ops(events), batch_size=4)
            bare_stored = list(stored_notifications(bare))
            decoded = [bare.mapper.to_domain_event(n) for n in bare_stored]

    assert len(bare_stored) == len(app_stored) == len(events)

    # Batched saves group events by aggregate, so compare each aggregate's events in turn.
    def in_streams(stream: list[Any]) -> list[Any]:
        return sorted(stream, key=lambda e: (str(e.originator_id), e.originator_version))

    for app_event, bare_event in zip(in_streams(events), in_streams(decoded), strict=True):
        assert type(bare_event).__name__ == type(app_event).__name__
        assert bare_event.originator_id == app_event.originator_id
        assert bare_event.originator_version == app_event.originator_version
        fields = set(vars(app_event)) - BASE_FIELDS
        assert set(vars(bare_event)) - BASE_FIELDS == fields


def test_quick_run_writes_the_results_as_json(tmp_path: Path) -> None:
    target = tmp_path / "last.json"

    assert main(["--quick", "--only", "sqlite", "--json", str(target)]) == 0

    document = json.loads(target.read_text())
    [sqlite] = document["library"]
    assert sqlite["store"] == "sqlite"
    assert [mode["mode"] for mode in sqlite["modes"]] == ["single", "batched"]
    assert all(mode["ratio"] > 0 for mode in sqlite["modes"])
    assert "http" not in document


def test_quick_views_run_reports_every_figure_on_a_store_it_makes(tmp_path: Path) -> None:
    target = tmp_path / "last.json"
    arguments = ["--quick", "--only", "views", "--views-on", "sqlite", "--profile"]

    assert main([*arguments, "--store-dir", str(tmp_path), "--json", str(target)]) == 0

    views = json.loads(target.read_text())["views"]
    info = views["store_info"]
    assert info["events"] == QUICK.view_events == sum(info["events_by_class"].values())
    assert info["simulations"] >= 2  # made by simulations side by side, then merged
    [sqlite] = views["backends"]
    assert sqlite["store"] == "sqlite"
    assert sqlite["events"] == info["events"]
    assert {"families", "timeline"} <= set(sqlite["views"]) == set(sqlite["rebuild"])
    passes = [
        sqlite["bare_read"],
        sqlite["bare_read_decode"],
        sqlite["bare_read_decode_fast"],
        sqlite["rebuild_all"],
    ]
    for one in [*passes, *sqlite["rebuild"].values()]:
        assert one["events"] == info["events"]
        assert one["events_per_s"] > 0
    assert sqlite["ratio_to_bare_read"] > 0
    assert sqlite["ratio_to_read_decode"] > 0
    assert sqlite["ratio_to_read_decode_fast"] > 0
    assert sqlite["transcoder"] == "OrjsonTranscoder"
    rebuilt = sqlite["rebuild_all"]
    assert 0 < rebuilt["rss_before_mb"] <= rebuilt["peak_rss_mb"]
    for name in ("timeline", "as_recorded_at", "http_timeline", "http_as_recorded_at"):
        assert sqlite[name]["samples"] == QUICK.view_queries
        assert sqlite[name]["failures"] == 0
        assert 0 < sqlite[name]["p50_ms"] <= sqlite[name]["p99_ms"]
    assert sqlite["read_your_writes"]["samples"] == QUICK.view_commands
    assert sqlite["read_your_writes"]["failures"] == 0
    assert set(sqlite["goals_met"]) == {
        "rebuild_events_per_s",
        "rebuild_ratio_to_read_decode",
        "timeline_p99_ms",
        "as_recorded_at_p99_ms",
        "evidence",
    }  # read-your-writes is judged on PostgreSQL only
    evidence = sqlite["evidence"]
    assert evidence["episodes"] > 0
    assert [t["answer"] for t in evidence["timings"]] == list(ANSWERS)
    assert all(t["ratio"] > 0 for t in evidence["timings"])  # both sides timed (JSON rounds)
    assert sqlite["profile"]["areas"]
    assert sqlite["profile_events"] == info["events"]


def test_a_made_store_is_kept_and_reused(tmp_path: Path) -> None:
    made = cached_store(tmp_path, events=400, seed=3, workers=2, console=Console(quiet=True))
    again = cached_store(tmp_path, events=400, seed=3, workers=2, console=Console(quiet=True))

    assert not made.reused
    assert again.reused
    assert again.path == made.path == tmp_path / "store-400-seed3.sqlite"
    assert again.info == made.info
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "store-400-seed3.json",
        "store-400-seed3.sqlite",
    ]  # nothing left of the simulations it was merged from


@pytest.mark.postgres
def test_postgresql_gets_the_same_log_as_the_sqlite_store(
    tmp_path: Path, postgres_server: PostgresServer
) -> None:
    store = cached_store(tmp_path, events=400, seed=3, workers=2, console=Console(quiet=True))

    with sqlite_copy(store.path) as on_sqlite, postgres_copy(store.path, postgres_server) as on_pg:
        logs = []
        for loaded in (on_sqlite, on_pg):
            app = JourneysApplication(env=loaded.settings.eventsourcing_env())
            logs.append(
                [
                    (n.id, str(n.originator_id), n.originator_version, n.topic, n.state)
                    for n in stored_notifications(app)
                ]
            )
            app.close()

    assert on_sqlite.events == on_pg.events == 400
    assert logs[0] == logs[1]
    assert [row[0] for row in logs[1]] == list(range(1, 401))


def test_protection_on_and_off_do_the_same_work_and_the_on_store_is_sealed_and_chained() -> None:
    with sqlite_stores() as stores:
        result = run_protect(
            stores, families=2, store_families=3, seed=3, batch_size=10, rounds=1, passes=1,
            profile=True, say=lambda _text: None,
        )  # fmt: skip

    assert result.error is None
    assert result.throughput is not None
    assert result.rebuild is not None
    assert result.verify is not None
    assert result.throughput.commands > 20
    assert result.throughput.on_commands_per_s > 0
    assert result.throughput.off_commands_per_s > 0
    assert result.throughput.ratio > 0
    assert result.rebuild.events > 40
    assert result.rebuild.ratio > 0
    # Members' names and notes were sealed on one side, in clear on the other.
    assert result.rebuild.sealed_events == result.rebuild.clear_events > 0
    assert result.verify.events == result.rebuild.events
    assert result.verify.verified == result.verify.streams >= 3
    assert set(result.goals_met) == {"command_ratio", "rebuild_ratio"}
    assert set(result.profiles) == {"commands", "rebuild"}
    assert set(result.profiles["rebuild"]) == {"on", "off"}


@pytest.mark.postgres
def test_quick_protect_run_reports_both_backends_as_json(
    tmp_path: Path, postgres_server: PostgresServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The session's server, rather than a second embedded one started by the run.
    monkeypatch.setenv(DATABASE_URL_ENV, postgres_server.url(postgres_server.admin_dbname))
    target = tmp_path / "last.json"

    assert main(["--quick", "--only", "protect", "--json", str(target)]) == 0

    document = json.loads(target.read_text())
    assert set(document) == {"environment", "sizes", "quick", "library", "protect"}
    protect = document["protect"]
    assert protect["rounds"] == QUICK.protect_rounds
    assert protect["passes"] == QUICK.protect_passes
    assert protect["goals"] == {"command_ratio": 0.8, "rebuild_ratio": 0.8}
    assert [backend["store"] for backend in protect["backends"]] == ["sqlite", "postgres"]
    for backend in protect["backends"]:
        assert backend["error"] is None
        commands, rebuilt, verified = backend["throughput"], backend["rebuild"], backend["verify"]
        assert commands["families"] == QUICK.protect_families
        assert commands["commands"] > 0
        for side in ("on", "off"):
            assert commands[f"{side}_commands_per_s"] > 0
            assert len(commands[f"{side}_rounds_per_s"]) == QUICK.protect_rounds
            assert rebuilt[f"{side}_events_per_s"] > 0
        assert commands["ratio"] > 0
        assert rebuilt["families"] == QUICK.protect_store_families
        assert rebuilt["ratio"] > 0
        assert {"families", "timeline"} <= set(rebuilt["views"])
        assert rebuilt["sealed_events"] == rebuilt["clear_events"] > 0
        assert set(rebuilt["write_seconds"]) == {"on", "off"}
        assert verified["events"] == rebuilt["events"]
        assert verified["events_per_s"] > 0
        assert len(verified["rounds_per_s"]) == QUICK.protect_passes
        assert verified["verified"] == verified["streams"] == QUICK.protect_store_families
        assert set(backend["goals_met"]) == {"command_ratio", "rebuild_ratio"}
