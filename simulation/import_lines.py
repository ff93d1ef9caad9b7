"""Commands written as lines of an import file (`journeys import`; the format is described in
the README, "Bulk import"), and a simulation written as such a file.

A line is one JSON object: `command` (the command's class name), `id` (the line's key: the
command's idempotency key), `actor` (who recorded it), then the command's fields as its HTTP
body gives them (api.common.schemas.derive: personal details as fields of their own, a
decision as a word...), plus the ids the request's path would give (`family_id`,
`member_id`...). An id made by an earlier line is written as a reference to it:
`"@<line id>.<name>"`, `<name>` one of the ids that line's command answers (`family_id`,
`member_id_0`, `episode_id`, `entry_id`...); the import puts in the id it got.

`write_simulation(out, ...)` runs a seeded simulation on an application (an in-memory one
will do) and writes every command it sends, in the order it sent them.
"""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Callable, Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import IO, Any
from uuid import UUID

from domain.application import CommandResult, JourneysApplication
from domain.commands import Command
from domain.values import PersonalData
from simulation.simulator import Simulation, SimulationReport

# A line's id: letters, digits and `_ : -` (no `.` or `@`, which references use).
LINE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_:-]{0,199}$")
# A reference to an id an earlier line made: "@<line id>.<name>".
REFERENCE = re.compile(r"^@([A-Za-z0-9][A-Za-z0-9_:-]{0,199})\.([a-z][a-z0-9_]{0,63})$")
# The fields of a command a line gives in its own keys, not as the command's fields.
SENDER = ("actor", "idempotency_key")


def reference(line_id: str, name: str) -> str:
    return f"@{line_id}.{name}"


class LineWriter:
    """Writes commands as import lines, each id made by an earlier line as a reference."""

    def __init__(self, out: IO[str], *, prefix: str) -> None:
        self.out = out
        self.prefix = prefix
        self.lines = 0
        self.made: dict[UUID, str] = {}

    def write(self, command: Command, result: CommandResult) -> None:
        self.lines += 1
        line_id = f"{self.prefix}-{self.lines:08d}"
        line = {"command": type(command).__name__, "id": line_id, **self.encode(command)}
        self.out.write(json.dumps(line, separators=(",", ":")) + "\n")
        for name, made in result.ids.items():
            self.made.setdefault(made, reference(line_id, name))

    def encode(self, command: Command) -> dict[str, Any]:
        actor = command.actor
        line: dict[str, Any] = {
            "actor": {"user_id": actor.user_id, "role": actor.role, "agency": actor.agency}
        }
        for spec in dataclasses.fields(command):
            if spec.name in SENDER or not spec.metadata.get("fingerprint", True):
                continue
            self._field(spec.name, getattr(command, spec.name), spec.metadata, line)
        return line

    def _field(self, name: str, value: Any, meta: Mapping[str, Any], out: dict[str, Any]) -> None:
        if value is None:
            return
        if "personal" in meta:
            assert isinstance(value, PersonalData)
            for detail in meta["personal"]:
                given = getattr(value, detail)
                if given is not None:
                    out[detail] = self._value(given)
        elif "choices" in meta:
            [word] = [word for word, means in meta["choices"].items() if means == value]
            out[meta.get("body_name", name)] = word
        elif meta.get("as_object"):
            out[name] = {change.field: change.value for change in value}
        elif "items" in meta:
            items = []
            for item in value:
                part: dict[str, Any] = {}
                for (part_name, part_meta), part_value in zip(meta["items"], item, strict=True):
                    self._field(part_name, part_value, part_meta, part)
                items.append(part)
            out[name] = items
        else:
            out[meta.get("body_name", name)] = self._value(value)

    def _value(self, value: Any) -> Any:
        if isinstance(value, UUID):
            return self.made.get(value, str(value))
        if isinstance(value, datetime | date):
            return value.isoformat()
        if isinstance(value, Decimal):
            return str(value)
        if isinstance(value, tuple):
            return [self._value(item) for item in value]
        if dataclasses.is_dataclass(value) and not isinstance(value, type):
            part: dict[str, Any] = {}
            for spec in dataclasses.fields(value):
                self._field(spec.name, getattr(value, spec.name), spec.metadata, part)
            return part
        return value


def write_simulation(
    out: IO[str],
    app: JourneysApplication,
    simulation: Simulation,
    *,
    families: int,
    years: float,
    progress: Callable[[Any], None] | None = None,
) -> SimulationReport:
    """Run `simulation` on `app` (bootstrapped with its clock and ids) and write each command
    it sends as an import line, line ids `sim<seed>-<n>`."""
    writer = LineWriter(out, prefix=f"sim{simulation.seed}")
    return simulation.run(
        app, families=families, years=years, progress=progress, record=writer.write
    )
