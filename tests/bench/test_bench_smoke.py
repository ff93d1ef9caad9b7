"""The benchmark runs and reports what it claims to compare (not how fast: no timings are
asserted). SQLite only, with a handful of families."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

from bench.__main__ import main
from bench.bare import BASE_FIELDS, BareApplication, bare_ops, drive_bare, stored_notifications
from bench.library import app_events, compare, journeys_app
from bench.stores import sqlite_stores
from bench.workload import drive, scripts


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
