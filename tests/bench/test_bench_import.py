"""The import row of the benchmark: `journeys import` against a raw insert of its rows."""

from __future__ import annotations

import json
from pathlib import Path

from bench.__main__ import main


def test_quick_import_run_reports_both_rates_and_their_ratio(tmp_path: Path) -> None:
    target = tmp_path / "last.json"

    assert main(["--quick", "--only", "import", "--json", str(target)]) == 0

    part = json.loads(target.read_text())["import"]
    assert part["lines"] > 20
    assert part["rows"] > part["lines"]  # each line's events and its receipt
    assert part["import_rate"] > 0
    assert part["raw_rate"] > part["import_rate"]
    assert 0 < part["ratio"] < 1
