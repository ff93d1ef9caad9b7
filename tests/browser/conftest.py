"""The browser tests' session: the app served by uvicorn with the late history recorded,
and one headless Chromium (how, in tests/support/browser.py)."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from typing import TYPE_CHECKING

import httpx
import pytest
import uvicorn

from api.app import create_app
from infra.bootstrap import bootstrap
from tests.support.api import sqlite_settings
from tests.support.browser import (
    Clock,
    Served,
    chromium,
    record_late_history,
    require_browser,
    wait_for_views,
)

if TYPE_CHECKING:
    from selenium.webdriver.remote.webdriver import WebDriver


@pytest.fixture(scope="session")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """The app on a free loopback port, in a thread, with the late history recorded."""
    require_browser()
    clock = Clock()
    settings = sqlite_settings(tmp_path_factory.mktemp("browser"))
    journeys = bootstrap(settings, clock=clock)
    server = uvicorn.Server(
        uvicorn.Config(create_app(settings, journeys=journeys), log_level="warning")
    )
    listening = socket.socket()
    listening.bind(("127.0.0.1", 0))
    base_url = f"http://127.0.0.1:{listening.getsockname()[1]}"
    thread = threading.Thread(target=server.run, kwargs={"sockets": [listening]}, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 10
        while not server.started:
            if not thread.is_alive() or time.monotonic() > deadline:
                pytest.fail("the server did not start")
            time.sleep(0.02)

        with httpx.Client(base_url=base_url, timeout=10) as client:
            history = record_late_history(client, clock, journeys.tokens)
        wait_for_views(journeys, history.position)
        yield Served(base_url, journeys.tokens, history)
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        listening.close()
        journeys.close()


@pytest.fixture(scope="session")
def browser(served: Served, tmp_path_factory: pytest.TempPathFactory) -> Iterator[WebDriver]:
    driver = chromium(tmp_path_factory)
    try:
        yield driver
    finally:
        driver.quit()
