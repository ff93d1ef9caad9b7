"""What every command shares: bad settings are one line on stderr and exit code 2."""

from __future__ import annotations

from tests.support.cli import run


def test_bad_settings_are_one_line_and_exit_code_two(env: dict[str, str]) -> None:
    for command in (
        ["info"], ["token", "--role", "admin"], ["serve"], ["demo"], ["projections", "status"]
    ):  # fmt: skip
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
