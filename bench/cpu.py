"""CPU time of process trees and of the whole machine, from /proc (Linux), so a load test
can say how the cores were shared: server, database, load generator, idle."""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path

TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


@dataclass(frozen=True)
class Snapshot:
    """CPU seconds used so far by each process, and the machine's busy and total seconds."""

    processes: dict[int, tuple[int, float]]
    """pid -> (parent pid, CPU seconds)."""
    machine_busy: float
    machine_total: float

    def tree_seconds(self, root: int) -> float:
        """CPU seconds of `root` and all its descendants."""
        children: dict[int, list[int]] = {}
        for pid, (parent, _cpu) in self.processes.items():
            children.setdefault(parent, []).append(pid)
        total, todo = 0.0, [root]
        while todo:
            pid = todo.pop()
            total += self.processes.get(pid, (0, 0.0))[1]
            todo.extend(children.get(pid, ()))
        return total


def available() -> bool:
    return Path("/proc/stat").exists()


def snapshot() -> Snapshot:
    processes: dict[int, tuple[int, float]] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            text = Path(entry.path, "stat").read_text()
        except OSError:  # the process ended meanwhile
            continue
        fields = text[text.rindex(")") + 2 :].split()
        # After "pid (comm) ": state, ppid, ..., utime (14th field overall), stime (15th).
        processes[int(entry.name)] = (int(fields[1]), (int(fields[11]) + int(fields[12])) / TICKS)
    cpu = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = cpu[3] + cpu[4]  # idle + iowait
    total = sum(cpu[:8])  # user nice system idle iowait irq softirq steal
    return Snapshot(processes, (total - idle) / TICKS, total / TICKS)


def postmaster_pid(data_dir: Path | None) -> int | None:
    """The PostgreSQL server's pid, when it runs here from `data_dir`."""
    if data_dir is None:
        return None
    try:
        return int((data_dir / "postmaster.pid").read_text().split("\n", 1)[0])
    except (OSError, ValueError):
        return None


class BackgroundMeter:
    """How many cores something other than this process (and its PostgreSQL) kept busy
    while a timed run went on: on a shared machine, a figure to read the others by."""

    def __init__(self, postmaster: int | None) -> None:
        self.postmaster = postmaster
        self.cores: float | None = None
        self._start: Snapshot | None = None
        self._own = 0.0
        self._wall = 0.0

    def __enter__(self) -> BackgroundMeter:
        self._start = snapshot() if available() else None
        self._own = time.process_time()
        self._wall = time.perf_counter()
        return self

    def __exit__(self, *_exc: object) -> None:
        if self._start is None:
            return
        end = snapshot()
        wall = time.perf_counter() - self._wall
        own = time.process_time() - self._own
        database = 0.0
        if self.postmaster is not None:
            database = end.tree_seconds(self.postmaster) - self._start.tree_seconds(self.postmaster)
        busy = end.machine_busy - self._start.machine_busy
        cores = (busy - own - database) / wall if wall > 0 else 0.0
        self.cores = min(max(0.0, cores), float(os.cpu_count() or 1))
