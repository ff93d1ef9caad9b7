"""Settings: one frozen, typed object read once from JOURNEYS_* environment variables.

Build it with `Settings()` at start-up (CLI, server, tests) and pass it down explicitly;
nothing else reads the environment.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal
from urllib.parse import parse_qs, unquote, urlsplit

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEVELOPMENT_SECRET = "journeys-development-secret-do-not-use-in-production"
DEVELOPMENT_PSEUDONYM_SECRET = "journeys-development-pseudonyms-do-not-use-in-production"


class SettingsError(ValueError):
    """Settings that cannot be used (e.g. a default secret in production)."""


class Settings(BaseSettings):
    """Everything configurable about a Journeys process."""

    model_config = SettingsConfigDict(env_prefix="JOURNEYS_", frozen=True, extra="ignore")

    mode: Literal["development", "production"] = Field(
        "development", description="`production` refuses development defaults such as the secret."
    )
    database_url: str | None = Field(
        None,
        description="PostgreSQL URL (postgresql://user:password@host:port/db, or "
        "postgresql://user@/db?host=/socket/dir). When unset, the SQLite file `sqlite_path`.",
    )
    sqlite_path: Path = Field(Path("var/journeys.sqlite"), description="The embedded store.")
    jwt_secret: SecretStr = Field(
        SecretStr(DEVELOPMENT_SECRET), description="HMAC key that signs bearer tokens."
    )
    jwt_issuer: str = Field("journeys", description="`iss` claim of issued and accepted tokens.")
    token_minutes: int = Field(
        480, ge=1, description="Lifetime of tokens issued by `journeys token`."
    )
    aggregate_cache_size: int = Field(
        2000, ge=0, description="Families kept in memory between commands (0: none)."
    )
    postgres_pool_size: int = Field(10, ge=1, description="PostgreSQL connections per process.")
    postgres_connect_timeout: int = Field(
        2,
        ge=1,
        description="Seconds to wait for a PostgreSQL connection. The library retries a "
        "failing statement ten times, so an outage answers 503 after about ten of these.",
    )
    projections: Literal["in-process", "external"] = Field(
        "in-process",
        description="`in-process`: the API process keeps the views up to date (the embedded "
        "default); `external`: a separate `journeys project` process does.",
    )
    projection_batch_size: int = Field(
        500,
        ge=1,
        le=100_000,
        description="Events a projection applies per transaction while following the log.",
    )
    rebuild_window: int = Field(
        200_000,
        ge=1,
        description="Events a rebuild keeps its documents in memory for before writing them: "
        "larger is faster, and holds more of the view in memory.",
    )
    read_wait_seconds: float = Field(
        10.0,
        gt=0,
        le=60,
        description="Longest a read may wait for its view to reach a given position.",
    )
    pseudonym_secret: SecretStr = Field(
        SecretStr(DEVELOPMENT_PSEUDONYM_SECRET),
        description="Key of the keyed hash that gives families pseudonyms in research "
        "extracts; another secret gives every family a new, unlinkable pseudonym.",
    )
    kafka_bootstrap: str | None = Field(
        None, description="Kafka bootstrap servers; publishing is off when unset."
    )

    @model_validator(mode="after")
    def refuse_development_defaults_in_production(self) -> Settings:
        if self.mode == "production" and self.jwt_secret.get_secret_value() == DEVELOPMENT_SECRET:
            raise SettingsError(
                "JOURNEYS_JWT_SECRET must be set to a secret of your own in production"
            )
        if (
            self.mode == "production"
            and self.pseudonym_secret.get_secret_value() == DEVELOPMENT_PSEUDONYM_SECRET
        ):
            raise SettingsError(
                "JOURNEYS_PSEUDONYM_SECRET must be set to a secret of your own in production"
            )
        if self.mode == "production" and len(self.jwt_secret.get_secret_value()) < 32:
            raise SettingsError("JOURNEYS_JWT_SECRET must be at least 32 characters in production")
        return self

    @property
    def is_development(self) -> bool:
        return self.mode == "development"

    def store_description(self) -> str:
        """Where the events are, without any password."""
        if self.database_url:
            parts = urlsplit(self.database_url)
            host = parts.hostname or parse_qs(parts.query).get("host", ["local socket"])[0]
            return f"PostgreSQL {parts.path.lstrip('/')} on {host}"
        return f"SQLite {self.sqlite_path}"

    def eventsourcing_env(self) -> dict[str, str]:
        """The `env` of the eventsourcing application: persistence and caching."""
        # No AGGREGATE_CACHE_MAXSIZE means no cache (the library reads 0 as "unbounded").
        env = {"AGGREGATE_CACHE_FASTFORWARD": "y"}
        if self.aggregate_cache_size:
            env["AGGREGATE_CACHE_MAXSIZE"] = str(self.aggregate_cache_size)
        if not self.database_url:
            return {
                **env,
                "PERSISTENCE_MODULE": "eventsourcing.sqlite",
                "SQLITE_DBNAME": str(self.sqlite_path),
                "SQLITE_LOCK_TIMEOUT": "10",
            }
        return {
            **env,
            **postgres_env(
                self.database_url,
                pool_size=self.postgres_pool_size,
                connect_timeout=self.postgres_connect_timeout,
            ),
        }


def postgres_env(url: str, *, pool_size: int, connect_timeout: int = 2) -> dict[str, str]:
    """Translate a libpq URL into eventsourcing's POSTGRES_* settings."""
    parts = urlsplit(url)
    if parts.scheme not in {"postgres", "postgresql"}:
        raise SettingsError(
            f"JOURNEYS_DATABASE_URL must start with postgresql://, not {parts.scheme}://"
        )
    query = {k: v[0] for k, v in parse_qs(parts.query).items()}
    host = parts.hostname or query.get("host", "")
    if not host:
        raise SettingsError("JOURNEYS_DATABASE_URL names no host (or ?host=/socket/dir)")
    return {
        "PERSISTENCE_MODULE": "eventsourcing.postgres",
        "POSTGRES_DBNAME": unquote(parts.path.lstrip("/")) or "postgres",
        "POSTGRES_HOST": host,
        "POSTGRES_PORT": str(parts.port or query.get("port", "5432")),
        "POSTGRES_USER": unquote(parts.username or query.get("user", "postgres")),
        "POSTGRES_PASSWORD": unquote(parts.password or query.get("password", "")),
        "POSTGRES_POOL_SIZE": str(pool_size),
        "POSTGRES_MAX_OVERFLOW": str(pool_size),
        "POSTGRES_CONNECT_TIMEOUT": str(connect_timeout),
        # Check a pooled connection before use, so a restarted server is noticed at once.
        "POSTGRES_PRE_PING": "y",
    }


def ensure_sqlite_folder(settings: Settings) -> None:
    if not settings.database_url:
        settings.sqlite_path.parent.mkdir(parents=True, exist_ok=True)
