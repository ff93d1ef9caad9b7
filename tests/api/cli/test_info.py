"""`journeys info`: where the store is and what it holds."""

from __future__ import annotations

from tests.support.cli import info, run


def test_info_describes_the_store_and_counts_families_and_events(env: dict[str, str]) -> None:
    code, _, _ = run(env, "demo", "--families", "5", "--years", "0.5", "--seed", "9")
    assert code == 0

    described = info(env)
    assert described["store"] == f"SQLite {env['JOURNEYS_SQLITE_PATH']}"
    assert described["families"] == "5"
    assert int(described["events"].split()[0]) > int(described["families"])
    assert described["code lists"] == "2025-3"
