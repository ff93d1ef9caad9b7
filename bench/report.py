"""The printed table and the JSON file of one benchmark run."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

from bench.library import GOAL, StoreResult
from bench.profiling import render


def _n(value: float) -> str:
    return f"{value:,.0f}"


def library_table(results: list[StoreResult], *, rounds: int) -> str:
    lines = [
        "",
        "Application service vs bare eventsourcing library: commands/s "
        f"(best of {rounds} round{'s' if rounds > 1 else ''}; goal ratio >= {GOAL:.2f})",
        f"  {'store':<10}{'mode':<18}{'commands':>9}{'app cmd/s':>11}{'bare cmd/s':>12}"
        f"{'app/bare':>10}  goal   other load",
    ]
    for result in results:
        for mode in result.modes:
            label = f"{mode.mode} ({mode.commands_per_transaction}/tx)"
            verdict = "met" if mode.ratio >= GOAL else "BELOW"
            load = "n/a" if mode.background_cores is None else f"{mode.background_cores:.2f} cores"
            lines.append(
                f"  {result.store:<10}{label:<18}{mode.commands:>9,}"
                f"{_n(mode.app_commands_per_s):>11}{_n(mode.bare_commands_per_s):>12}"
                f"{mode.ratio:>10.2f}  {verdict:<7}{load:>10}"
            )
    lines.append(
        "  other load: the most CPU that processes outside this benchmark used during any of "
        "its timed runs (a shared machine makes every figure noisier)"
    )
    for result in results:
        lines.append(
            f"  {result.store}: {result.description}; {result.families} families, "
            f"{result.events:,} events; mean stored event {result.app_bytes_per_event:,.0f} B "
            f"(app) vs {result.bare_bytes_per_event:,.0f} B (bare)"
        )
    for result in results:
        for mode_name, profiles in result.profiles.items():
            lines.append("")
            lines.append(
                f"Where the time goes: {result.store}, {mode_name} (cProfile, app vs bare)"
            )
            lines.append(render(profiles["app"], profiles["bare"]))
    return "\n".join(lines)


def mix_line(mix: dict[str, int]) -> str:
    total = sum(mix.values()) or 1
    parts = [f"{name} {count * 100 / total:.0f}%" for name, count in mix.items()]
    return "Command mix: " + ", ".join(parts)


def to_jsonable(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, dict):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [to_jsonable(v) for v in value]
    if isinstance(value, float):
        return round(value, 3)
    return value


def write_json(path: Path, document: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(to_jsonable(document), indent=2) + "\n", encoding="utf-8")
