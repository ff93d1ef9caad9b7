"""What a test needs that a machine may lack: skipped on a developer's machine, with the
reason, but a failure in CI (`CI` set), where a skip would hide that the test never ran."""

from __future__ import annotations

import os
from typing import NoReturn

import pytest


def cannot_run_here(reason: str) -> NoReturn:
    if os.environ.get("CI"):
        pytest.fail(f"{reason}; in CI this is a failure, not a skip")
    pytest.skip(reason)
