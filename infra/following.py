"""A loop in a background thread that follows the store's notification log: woken when
events are stored (`wake`), else looking every `poll_interval` seconds; errors of the store
are logged and retried. The projection runner and the Kafka relay are both one."""

from __future__ import annotations

import logging
import threading

logger = logging.getLogger(__name__)


class Follower:
    """Subclasses say what one pass does (`run_once`: how much work it did; 0 when there
    was none) and what to do before the first (`setup`)."""

    thread_name = "journeys-follower"

    def __init__(self, *, poll_interval: float) -> None:
        self.poll_interval = poll_interval
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    def setup(self) -> None:
        """Before the first pass (retried until it succeeds)."""

    def run_once(self) -> int:
        raise NotImplementedError

    def wake(self) -> None:
        """New events were stored: look at once instead of at the next poll."""
        self._wake.set()

    def run_forever(self) -> None:
        """Follow the log until stop(); errors of the store are logged and retried."""
        ready = False
        while not self._stopping.is_set():
            self._wake.clear()
            try:
                if not ready:
                    self.setup()
                    ready = True
                busy = self.run_once()
            except Exception as error:  # the store is unreachable: keep trying, say so
                logger.warning("%s: %s; retrying", self.thread_name, type(error).__name__)
                busy = 0
                self._stopping.wait(1.0)
            if not busy:
                self._wake.wait(self.poll_interval)

    def start(self) -> None:
        if self._thread is None:
            self._stopping.clear()
            self._thread = threading.Thread(
                target=self.run_forever, name=self.thread_name, daemon=True
            )
            self._thread.start()

    def stop(self) -> None:
        """Stop the background loop. Once its thread has ended the follower can be driven in
        the foreground again (a relay's `drain` after `stop` publishes what the loop had not)."""
        self._stopping.set()
        self._wake.set()
        thread, self._thread = self._thread, None
        if thread is not None:
            thread.join(timeout=15)
        if thread is None or not thread.is_alive():
            self._stopping.clear()
