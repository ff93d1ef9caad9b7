"""The `journeys` command line: tokens that verify, clear refusals, a demo loaded once, and
a description of the store."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from api.cli import app
from infra.settings import Settings
from infra.tokens import Tokens
from projections.catalogue import all_projections


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    """A store of this test's own, whatever JOURNEYS_* the shell has set."""
    return {
        "JOURNEYS_SQLITE_PATH": str(tmp_path / "journeys.sqlite"),
        "JOURNEYS_DATABASE_URL": "",
        "JOURNEYS_MODE": "development",
    }


def run(env: dict[str, str], *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args), env=env)
    return result.exit_code, result.stdout, result.stderr


def info(env: dict[str, str]) -> dict[str, str]:
    code, out, _ = run(env, "info")
    assert code == 0, out
    return dict(line.split(": ", 1) for line in out.strip().splitlines())


def test_token_prints_a_token_that_verifies_on_its_last_line(env: dict[str, str]) -> None:
    code, out, _ = run(env, "token", "--role", "qa_officer", "--user", "qa-7")

    assert code == 0
    settings = Settings(mode="development")  # the secret and issuer the CLI used
    tokens = Tokens(
        secret=settings.jwt_secret.get_secret_value(),
        issuer=settings.jwt_issuer,
        minutes=settings.token_minutes,
    )
    identity = tokens.verify(out.strip().splitlines()[-1])
    assert (identity.user_id, identity.role, identity.agency) == (
        "qa-7",
        "qa_officer",
        "early_help",
    )


def test_token_refuses_an_unknown_role_or_agency_and_names_the_valid_ones(
    env: dict[str, str],
) -> None:
    code, out, err = run(env, "token", "--role", "boss")
    assert code == 2
    assert "unknown role 'boss'" in err
    assert "qa_officer" in err
    assert out == ""

    code, _, err = run(env, "token", "--role", "partner", "--agency", "polce")
    assert code == 2
    assert "unknown agency 'polce'" in err
    assert "police" in err


def test_bad_settings_are_one_line_and_exit_code_two(env: dict[str, str]) -> None:
    for command in (["info"], ["token", "--role", "admin"], ["serve"], ["demo"]):
        code, out, err = run({**env, "JOURNEYS_MODE": "production"}, *command)
        assert code == 2, command
        assert err.strip().splitlines() == [
            "journeys: settings: JOURNEYS_JWT_SECRET must be set to a secret of your own in "
            "production"
        ]
        assert "Traceback" not in out + err

    code, _, err = run({**env, "JOURNEYS_TOKEN_MINUTES": "0"}, "info")
    assert code == 2
    assert "JOURNEYS_TOKEN_MINUTES" in err


def test_demo_if_empty_loads_the_demo_once(env: dict[str, str]) -> None:
    assert info(env)["events"].startswith("0 ")

    code, out, _ = run(env, "demo", "--families", "12", "--years", "1", "--seed", "3", "--if-empty")
    assert code == 0, out
    assert "Loaded 12 families" in out
    loaded = info(env)

    code, out, _ = run(env, "demo", "--families", "12", "--years", "1", "--seed", "3", "--if-empty")
    assert code == 0
    assert "already loaded" in out
    assert info(env) == loaded

    code, _, err = run(env, "demo", "--families", "12", "--years", "1")
    assert code == 1
    assert "already holds" in err
    assert info(env) == loaded


def test_info_describes_the_store_and_counts_families_and_events(env: dict[str, str]) -> None:
    code, _, _ = run(env, "demo", "--families", "5", "--years", "0.5", "--seed", "9")
    assert code == 0

    described = info(env)
    assert described["store"] == f"SQLite {env['JOURNEYS_SQLITE_PATH']}"
    assert described["families"] == "5"
    assert int(described["events"].split()[0]) > int(described["families"])
    assert described["code lists"] == "2025-2"


def view_statuses(env: dict[str, str]) -> tuple[int, dict[str, dict[str, Any]]]:
    code, out, _ = run(env, "projections", "status", "--json")
    return code, {s["name"]: s for s in json.loads(out)}


def test_projections_status_shows_lag_and_rebuild_catches_every_view_up(
    env: dict[str, str],
) -> None:
    code, _, _ = run(env, "demo", "--families", "8", "--years", "0.5", "--seed", "4")
    assert code == 0
    events = int(info(env)["events"].split()[0])

    code, before = view_statuses(env)
    assert code == 0
    assert set(before) == {p.name for p in all_projections()}
    assert all(s["lag_events"] == events and s["health"] == "behind" for s in before.values())

    code, out, _ = run(env, "projections", "rebuild")
    assert code == 0, out
    assert all(f"{name}: version" in out for name in before)

    code, after = view_statuses(env)
    assert all(s["position"] == events and s["health"] == "caught up" for s in after.values())
    assert all(after[n]["generation"] == before[n]["generation"] + 1 for n in before)


def test_rebuild_of_an_unknown_view_names_the_views(env: dict[str, str]) -> None:
    code, _, err = run(env, "projections", "rebuild", "nonesuch")
    assert code == 2
    assert "no view named 'nonesuch'" in err
    assert "families" in err
