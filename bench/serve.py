"""What the HTTP benchmark's uvicorn serves: `uvicorn bench.serve:create --factory`.

Settings come from the JOURNEYS_* environment the benchmark gives the server process. When
JOURNEYS_BENCH_PROFILE names a file, every thread of the process (the event loop and the
worker threads that run the routes) is profiled by CPU time, and the merged profile is
written there when the process exits.
"""

from __future__ import annotations

import atexit
import cProfile
import os
import pstats
import threading
import time
from types import FrameType
from typing import Any

from fastapi import FastAPI

PROFILE_ENV = "JOURNEYS_BENCH_PROFILE"


class ThreadProfiles:
    """One cProfile per thread (cProfile sees only the thread that enabled it), timed by
    per-thread CPU time, so threads waiting for work or for the database cost nothing."""

    def __init__(self) -> None:
        self.profiles: list[cProfile.Profile] = []
        self.lock = threading.Lock()

    def start(self) -> None:
        threading.setprofile(self._first_event_in_thread)
        self._enable_here()

    def _enable_here(self) -> None:
        profile = cProfile.Profile(time.thread_time_ns, 1e-9)
        with self.lock:
            self.profiles.append(profile)
        profile.enable()  # replaces this thread's hook, so it is called only once

    def _first_event_in_thread(self, _frame: FrameType, _event: str, _arg: Any) -> None:
        self._enable_here()

    def dump(self, path: str) -> None:
        threading.setprofile(None)
        with self.lock:
            profiles = list(self.profiles)
        stats = pstats.Stats(profiles[0])
        for profile in profiles[1:]:
            stats.add(profile)
        stats.dump_stats(path)


def create() -> FastAPI:
    from api.app import create_app
    from infra.settings import Settings

    path = os.environ.get(PROFILE_ENV)
    if path:
        profiles = ThreadProfiles()
        profiles.start()
        atexit.register(profiles.dump, path)
    return create_app(Settings())
