"""The family whose record the access log tests read (tests/support/access_log.py)."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from infra.bootstrap import Journeys
from tests.support.access_log import Story, tell_story
from tests.support.api import Auth


@pytest.fixture
def story(client: TestClient, auth: Auth, journeys: Journeys) -> Story:
    return tell_story(client, auth, journeys)
