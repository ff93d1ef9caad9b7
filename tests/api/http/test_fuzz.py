"""Every operation of the OpenAPI, fuzzed with schemathesis on a SQLite store: whatever is
sent, no answer is a server error, and every answer has a status code, content type and
body that the OpenAPI documents for that operation.

Bounded and repeatable: schemathesis' boundary values (coverage phase), then a few random
examples per operation, valid and invalid, derandomized, so the run takes well under two
minutes on one core and finds the same thing every time. Paths name a real family (the
examples would otherwise stop at 404); the cases are sent with the tokens of several
roles, mostly ones that may use the operation, so they reach the rules behind the access
check.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from itertools import cycle
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, Phase, settings
from schemathesis import Case
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from api.app import create_app
from infra.settings import Settings
from tests.support.api import REGISTRATION, Auth, auth_for, sqlite_settings

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
# The erasure and legal holds are an admin's; reads go in turn to every reading role (a QA
# officer reads every family; the others see less, or are refused), every other command in
# turn to a lead practitioner and a practitioner. The order of the cases is fixed, so the
# turns are too.
ADMIN_PATHS = ("/erasure", "/legal-hold")
READERS = cycle(
    [
        ("qa_officer", "early_help"),
        ("lead_practitioner", "early_help"),
        ("partner", "police"),
        ("panel_member", "early_help"),
        ("researcher", "early_help"),
    ]
)
RECORDERS = cycle([("lead_practitioner", "early_help"), ("practitioner", "school")])

# The app's own OpenAPI. Building the app opens nothing: the store is opened at start-up,
# in the `fuzzed` fixture below.
schema = schemathesis.openapi.from_dict(
    create_app(Settings(sqlite_path=Path(":memory:"), database_url=None)).openapi()
)


@dataclass(frozen=True)
class Fuzzed:
    client: TestClient
    auth: Auth
    family_id: str


@pytest.fixture(scope="module")
def fuzzed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Fuzzed]:
    app = create_app(sqlite_settings(tmp_path_factory.mktemp("fuzz")))
    # Server errors become answers (500) for the checks to see, rather than raising here.
    with TestClient(app, raise_server_exceptions=False) as client:
        auth = auth_for(client.app.state.journeys)  # type: ignore[attr-defined]
        registered = client.post("/families", json=REGISTRATION, headers=auth("practitioner"))
        assert registered.status_code == 201, registered.text
        yield Fuzzed(client, auth, registered.json()["family_id"])


def sender_of(case: Case[Any]) -> tuple[str, str]:
    """(role, agency) of the token the case is sent with."""
    if case.method.upper() == "GET":
        return next(READERS)
    if any(part in case.path for part in ADMIN_PATHS):
        return ("admin", "early_help")
    return next(RECORDERS)


@schema.parametrize()
@settings(
    max_examples=25,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    phases=[Phase.explicit, Phase.generate],  # no shrinking: report, do not minimise
)
def test_no_operation_answers_a_server_error_or_an_undocumented_answer(
    case: Case[Any], fuzzed: Fuzzed
) -> None:
    if case.path_parameters and "family_id" in case.path_parameters:
        case.path_parameters["family_id"] = fuzzed.family_id
    headers = fuzzed.auth(*sender_of(case))

    response = fuzzed.client.request(**case.as_transport_kwargs(headers=headers))

    case.validate_response(response, checks=CHECKS, headers=headers)
