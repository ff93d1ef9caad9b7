"""Peak resident memory of this process while something runs: a thread reads the RSS from
/proc/self/statm (Linux) every few milliseconds. The process-wide high-water mark
(`ru_maxrss`) would include whatever ran before; this is the peak during the run."""

from __future__ import annotations

import os
import threading
from pathlib import Path
from types import TracebackType

STATM = Path("/proc/self/statm")
PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096
MB = 1024 * 1024


def rss_mb() -> float | None:
    """The resident set size of this process now, in MB (None where /proc is not there)."""
    try:
        resident = int(STATM.read_text().split()[1])
    except OSError:
        return None
    return resident * PAGE / MB


class PeakRss:
    """`with PeakRss() as peak: ...`, then `peak.before_mb` and `peak.peak_mb`."""

    def __init__(self, interval: float = 0.01) -> None:
        self.interval = interval
        self.before_mb: float | None = None
        self.peak_mb: float | None = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, name="bench-rss", daemon=True)

    def __enter__(self) -> PeakRss:
        self.before_mb = self.peak_mb = rss_mb()
        if self.before_mb is not None:
            self._thread.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join()
        self._note(rss_mb())

    def _sample(self) -> None:
        while not self._stop.wait(self.interval):
            self._note(rss_mb())

    def _note(self, now: float | None) -> None:
        if now is not None and (self.peak_mb is None or now > self.peak_mb):
            self.peak_mb = now
