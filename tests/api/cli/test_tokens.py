"""`journeys token`: tokens that verify, and clear refusals of unknown roles and agencies."""

from __future__ import annotations

from infra.settings import Settings
from infra.tokens import Tokens
from tests.support.cli import run


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
