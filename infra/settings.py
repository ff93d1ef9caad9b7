"""Settings: one frozen, typed object read once from JOURNEYS_* environment variables.

Build it with `Settings()` at start-up (CLI, server, tests) and pass it down explicitly;
nothing else reads the environment.
"""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Literal
from urllib.parse import parse_qs, unquote, urlsplit

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from domain.standards import CURRENT, RULE_SETS

DEVELOPMENT_SECRET = "journeys-development-secret-do-not-use-in-production"
DEVELOPMENT_PSEUDONYM_SECRET = "journeys-development-pseudonyms-do-not-use-in-production"
DEVELOPMENT_BLIND_INDEX_KEY = "journeys-development-blind-index-do-not-use-in-production"
# base64 of a fixed 32-byte Ed25519 seed: anyone can sign with it, so production refuses it.
DEVELOPMENT_SIGNING_KEY = "31kHc1agpm692cCDGcickRPXteozAmtR8A0bl5hSYv4="
# The application recorders that write each event's hash-chain row in its transaction.
CHAINED_RECORDERS = {
    "sqlite": "infra.store.chain_sqlite:ChainedSQLiteApplicationRecorder",
    "postgres": "infra.store.chain_postgres:ChainedPostgresApplicationRecorder",
}


class SettingsError(ValueError):
    """Settings that cannot be used (e.g. a default secret in production)."""


# base64 of a fixed 32-byte key: anyone could unwrap the data keys, so production refuses it.
DEVELOPMENT_MASTER_KEY = "am91cm5leXMtZGV2ZWxvcG1lbnQtbWFzdGVyLWtleSE="


class EpisodeRetention(BaseModel):
    """How long the record of a family that had an episode of early help is kept."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    until_youngest_child_age: int = Field(
        25, ge=1, le=120, description="Kept until the youngest child's birthday at this age."
    )
    else_years_after_last_entry: int = Field(
        25,
        ge=1,
        le=120,
        description="When a child's date of birth is not recorded: this many years after "
        "the last entry (25 covers a child of any age at the last entry).",
    )


class ContactOnlyRetention(BaseModel):
    """How long the record of a family that never had an episode (contacts only) is kept."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    years_after_last_entry: int = Field(
        6, ge=1, le=120, description="Kept this many years after the last entry."
    )


class RetentionSchedule(BaseModel):
    """The retention schedule, per kind of record (`journeys retention run` applies it)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    episode: EpisodeRetention = Field(default_factory=EpisodeRetention)
    contact_only: ContactOnlyRetention = Field(default_factory=ContactOnlyRetention)


class Settings(BaseSettings):
    """Everything configurable about a Journeys process."""

    # hide_input_in_errors: a refused value may be a secret (or nearly one, mistyped).
    model_config = SettingsConfigDict(
        env_prefix="JOURNEYS_", frozen=True, extra="ignore", hide_input_in_errors=True
    )

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
    transcoder: Literal["orjson", "json"] = Field(
        "orjson",
        description="How events are turned into stored JSON and back: orjson, or the "
        "library's json module. Both write and read the same bytes; orjson is faster.",
    )
    practice_standards: dict[str, dict[str, int]] = Field(
        default_factory=dict,
        description="Local parameters of the practice standards (domain.standards), as JSON: "
        '{"rule id": {"parameter": days}}, e.g. {"lead-assigned": {"working_days": 3}}.',
    )
    former_lead_grace_days: int = Field(
        90,
        ge=0,
        le=3650,
        description="Days a former lead practitioner may still read (not write) a family's "
        "record after their lead ended (domain.access).",
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
    blind_index_key: SecretStr = Field(
        SecretStr(DEVELOPMENT_BLIND_INDEX_KEY),
        description="Key of the keyed hashes (HMAC-SHA256) that let a family be found by a "
        "member's name or date of birth (infra.privacy.blind_index); a key of its own, never the "
        "master key nor the pseudonym secret. Changing it needs `journeys search-index "
        "rebuild`.",
    )
    kafka_bootstrap: str | None = Field(
        None, description="Kafka bootstrap servers; publishing is off when unset."
    )
    kafka_events_partitions: int = Field(
        12, ge=1, description="Partitions of journeys.events.v1 (keyed by family id)."
    )
    kafka_escalations_partitions: int = Field(
        6, ge=1, description="Partitions of journeys.escalations.v1 (keyed by family id)."
    )
    kafka_deadletter_partitions: int = Field(
        1, ge=1, description="Partitions of journeys.deadletter.v1."
    )
    kafka_inbound_contacts_partitions: int = Field(
        3, ge=1, description="Partitions of journeys.inbound.contacts.v1 (keyed by family id)."
    )
    relay_batch_size: int = Field(
        500, ge=1, description="Events the Kafka relay reads, publishes and acknowledges at once."
    )
    relay_backoff_max_seconds: float = Field(
        30.0, gt=0, description="Longest wait of the relay between retries while the broker fails."
    )
    relay_lag_alert_seconds: float = Field(
        120.0,
        gt=0,
        description="An event unpublished for longer makes /health `degraded`: partners are "
        "not hearing of escalations.",
    )
    kafka_session_timeout_ms: int = Field(
        45000,
        ge=100,
        description="Consumer-group session of `journeys project --from kafka` workers "
        "(kafka-python's default; tests use 2000: tansu holds every join for half of it).",
    )
    kafka_heartbeat_interval_ms: int = Field(
        3000, ge=10, description="Heartbeat of the Kafka-fed projection workers."
    )
    kafka_fetch_max_wait_ms: int = Field(
        500, ge=1, description="Longest fetch wait of the Kafka-fed projection workers."
    )
    public_url: str = Field(
        "http://127.0.0.1:8000",
        description="Where partners reach this API: the base of the shared-view links that "
        "escalation messages carry instead of the details.",
    )
    master_key: SecretStr = Field(
        SecretStr(DEVELOPMENT_MASTER_KEY),
        description="base64 of 32 random bytes: the key that wraps each family's data key. "
        "Lose it and no personal data can be read; keep it out of the database's backups.",
    )
    encrypt_personal_data: bool = Field(
        True,
        description="Seal personal data in events under per-family keys (crypto-shredding). "
        "Off only to measure what it costs; production refuses false.",
    )
    key_cache_seconds: float = Field(
        60.0,
        ge=0,
        le=3600,
        description="How long a process uses a family's unwrapped key before looking at its "
        "row again: another process's erasure is heeded within this time.",
    )
    retention: RetentionSchedule = Field(
        default_factory=RetentionSchedule,
        description="The retention schedule as JSON, e.g. "
        '{"episode": {"until_youngest_child_age": 25}, "contact_only": '
        '{"years_after_last_entry": 6}}.',
    )
    hash_chain: bool = Field(
        True,
        description="Hash-chain every stored event in its own transaction (tamper evidence). "
        "Off only to measure what it costs; production refuses false.",
    )
    signing_key: SecretStr = Field(
        SecretStr(DEVELOPMENT_SIGNING_KEY),
        description="base64 of the 32-byte Ed25519 seed that signs integrity checkpoints "
        "(`journeys checkpoint`); `journeys checkpoint --public-key` prints its public key.",
    )

    @field_validator("signing_key")
    @classmethod
    def signing_key_is_an_ed25519_seed(cls, value: SecretStr) -> SecretStr:
        seed = value.get_secret_value()
        try:
            decoded = base64.b64decode(seed, validate=True)
        except ValueError:
            raise ValueError("not base64 (of a 32-byte Ed25519 seed)") from None
        if len(decoded) != 32:
            raise ValueError(f"decodes to {len(decoded)} bytes; an Ed25519 seed has 32")
        return value

    @field_validator("practice_standards")
    @classmethod
    def practice_standards_are_known(
        cls, value: dict[str, dict[str, int]]
    ) -> dict[str, dict[str, int]]:
        RULE_SETS[CURRENT].with_overrides(value)  # refuses unknown rules and parameters
        return value

    @field_validator("master_key")
    @classmethod
    def master_key_is_32_bytes(cls, value: SecretStr) -> SecretStr:
        master_key_bytes(value)
        return value

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
        if self.mode == "production" and not self.hash_chain:
            raise SettingsError("JOURNEYS_HASH_CHAIN cannot be false in production")
        if (
            self.mode == "production"
            and self.signing_key.get_secret_value() == DEVELOPMENT_SIGNING_KEY
        ):
            raise SettingsError(
                "JOURNEYS_SIGNING_KEY must be set to a key of your own in production"
            )
        if self.mode == "production" and len(self.jwt_secret.get_secret_value()) < 32:
            raise SettingsError("JOURNEYS_JWT_SECRET must be at least 32 characters in production")
        if self.mode == "production" and not self.encrypt_personal_data:
            raise SettingsError("JOURNEYS_ENCRYPT_PERSONAL_DATA cannot be false in production")
        if (
            self.mode == "production"
            and self.master_key.get_secret_value() == DEVELOPMENT_MASTER_KEY
        ):
            raise SettingsError(
                "JOURNEYS_MASTER_KEY must be set to a key of your own in production"
            )
        if (
            self.mode == "production"
            and self.blind_index_key.get_secret_value() == DEVELOPMENT_BLIND_INDEX_KEY
        ):
            raise SettingsError(
                "JOURNEYS_BLIND_INDEX_KEY must be set to a secret of your own in production"
            )
        # Its own key: one leaked secret must not open two doors (and a hash of a name under
        # the pseudonym secret could be matched against research extracts).
        if self.blind_index_key.get_secret_value() in {
            self.master_key.get_secret_value(),
            self.pseudonym_secret.get_secret_value(),
            self.jwt_secret.get_secret_value(),
        }:
            raise SettingsError(
                "JOURNEYS_BLIND_INDEX_KEY must be a key of its own, not the master key, the "
                "pseudonym secret or the token secret"
            )
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
        env = {"AGGREGATE_CACHE_FASTFORWARD": "y", "TRANSCODER": self.transcoder}
        if self.aggregate_cache_size:
            env["AGGREGATE_CACHE_MAXSIZE"] = str(self.aggregate_cache_size)
        if self.hash_chain:
            backend = "postgres" if self.database_url else "sqlite"
            env["APPLICATION_RECORDER_TOPIC"] = CHAINED_RECORDERS[backend]
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


def master_key_bytes(value: SecretStr) -> bytes:
    """The master key's 32 bytes; ValueError for anything else."""
    try:
        key = base64.b64decode(value.get_secret_value(), validate=True)
    except ValueError:
        raise ValueError("not base64 (of 32 random bytes)") from None
    if len(key) != 32:
        raise ValueError(f"decodes to {len(key)} bytes; the master key has 32")
    return key


def ensure_sqlite_folder(settings: Settings) -> None:
    if not settings.database_url:
        settings.sqlite_path.parent.mkdir(parents=True, exist_ok=True)
