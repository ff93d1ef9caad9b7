"""The one composition root: `bootstrap(settings)` builds everything a process needs.

The API (through its lifespan), the CLI, the consumers and the tests all call it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID, uuid4

from domain.application import JourneysApplication
from infra.audit.access_log import AccessLog
from infra.audit.access_log_postgres import PostgresAccessLog
from infra.audit.access_log_sqlite import SQLiteAccessLog
from infra.kafka.positions import RelayPositions
from infra.privacy.blind_index import BlindIndex, Hasher
from infra.privacy.blind_index_postgres import PostgresBlindIndex
from infra.privacy.blind_index_sqlite import SQLiteBlindIndex
from infra.privacy.keys import DataKeys, KeyTable, sweep
from infra.privacy.keys_postgres import PostgresKeyTable
from infra.privacy.keys_sqlite import SQLiteKeyTable
from infra.privacy.pseudonyms import Pseudonyms
from infra.settings import Settings, ensure_sqlite_folder, master_key_bytes
from infra.tokens import Tokens
from infra.views.postgres import PostgresViewStore
from infra.views.projection_runner import ProjectionRunner
from infra.views.sqlite import SQLiteViewStore
from infra.views.store import ViewStore
from infra.webhooks.subscriptions import Subscriptions
from projections.catalogue import all_projections
from projections.rows import row_tables


@dataclass
class Journeys:
    """Everything built from one Settings: the application service, the views and the
    runner that keeps them up to date, and token handling. Nothing runs in the background
    until `runner.start()` (the API does so when settings say `in-process`)."""

    settings: Settings
    app: JourneysApplication
    views: ViewStore
    runner: ProjectionRunner
    tokens: Tokens
    access_log: AccessLog
    pseudonyms: Pseudonyms
    """Research ids: a keyed hash of the family id (research extracts carry only these)."""
    blind_index: BlindIndex
    """Finding a family by a member's name or date of birth: keyed hashes only."""
    keys: DataKeys | None = None  # None: personal data stored in clear (benchmarks only)
    relay_positions: RelayPositions | None = None
    """How far the Kafka relay has published the store (infra.kafka.positions)."""
    webhooks: Subscriptions | None = None
    """The webhook bridge's subscriptions (infra.webhooks.subscriptions)."""

    def start(self, *, projections: bool) -> None:
        """Listen for other processes' changes and, if asked, keep the views up to date."""
        self.views.start()
        if projections:
            self.runner.start()

    def close(self) -> None:
        self.runner.stop()
        self.views.close()
        self.blind_index.close()
        if self.keys is not None:
            self.keys.table.close()
        self.app.close()


def view_store(settings: Settings, app: JourneysApplication) -> ViewStore:
    """Views live in the event store's own database, so a view's changes and its position
    commit in one transaction there."""
    if settings.database_url:
        return PostgresViewStore(
            app.recorder.datastore,  # type: ignore[attr-defined]
            events_channel=app.recorder.channel_name,  # type: ignore[attr-defined]
        )
    return SQLiteViewStore(settings.sqlite_path)


def access_log(views: ViewStore, app: JourneysApplication) -> AccessLog:
    """Who read which family's record: in the event store's database, like the views, and
    written through the view store's connections; timed by the application's clock."""
    kind = PostgresAccessLog if isinstance(views, PostgresViewStore) else SQLiteAccessLog
    # Looked up at each read: simulations and tests set `app.clock` after bootstrap.
    return kind(views.transaction, clock=lambda: app.clock())  # noqa: PLW0108


def data_keys(settings: Settings) -> DataKeys | None:
    """The sealer of personal data, unless settings turn encryption off."""
    if not settings.encrypt_personal_data:
        return None
    return DataKeys(master_key_bytes(settings.master_key), cache_seconds=settings.key_cache_seconds)


def key_table(settings: Settings, app: JourneysApplication) -> KeyTable:
    """The wrapped data keys live in the event store's own database, beside the events."""
    if settings.database_url:
        return PostgresKeyTable(app.recorder.datastore)  # type: ignore[attr-defined]
    return SQLiteKeyTable(settings.sqlite_path)


def blind_index(settings: Settings, app: JourneysApplication) -> BlindIndex:
    """The blind index lives in the event store's own database, beside the data keys it is
    erased with."""
    hasher = Hasher(settings.blind_index_key.get_secret_value().encode("utf-8"))
    if settings.database_url:
        return PostgresBlindIndex(app.recorder.datastore, hasher)  # type: ignore[attr-defined]
    return SQLiteBlindIndex(settings.sqlite_path, hasher)


def bootstrap(
    settings: Settings,
    *,
    clock: Callable[[], datetime] | None = None,
    new_id: Callable[[], UUID] = uuid4,
) -> Journeys:
    ensure_sqlite_folder(settings)
    keys = data_keys(settings)
    app = JourneysApplication(
        env=settings.eventsourcing_env(), clock=clock, new_id=new_id, sealer=keys
    )
    index = blind_index(settings, app)
    index.setup()
    if keys is not None:
        keys.attach(key_table(settings, app))
        keys.table.setup()
        keys.companions.append(index)  # erased with the keys, before the sweep below
        sweep(app, keys)  # keys of erasures stored by a process that stopped before destroying
    tokens = Tokens(
        secret=settings.jwt_secret.get_secret_value(),
        issuer=settings.jwt_issuer,
        minutes=settings.token_minutes,
    )
    projections = all_projections()
    views = view_store(settings, app)
    views.setup(row_tables(projections))  # like the event store's tables: made when first opened
    runner = ProjectionRunner(
        app,
        views,
        projections,
        batch_size=settings.projection_batch_size,
        rebuild_window=settings.rebuild_window,
    )
    app.on_saved.append(runner.wake)
    if isinstance(views, PostgresViewStore):
        views.on_events(runner.wake)  # events stored by other processes
    accesses = access_log(views, app)
    accesses.setup()
    relay_positions = RelayPositions(views)
    relay_positions.setup()
    webhooks = Subscriptions(views)
    webhooks.setup()
    return Journeys(
        settings=settings,
        app=app,
        views=views,
        runner=runner,
        tokens=tokens,
        access_log=accesses,
        pseudonyms=Pseudonyms(settings.pseudonym_secret.get_secret_value()),
        blind_index=index,
        keys=keys,
        relay_positions=relay_positions,
        webhooks=webhooks,
    )
