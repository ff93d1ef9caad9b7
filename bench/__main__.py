"""`python -m bench` (`make bench`): run every benchmark once, print a table, write JSON.

Usage: `python -m bench` for the full run; `--quick` for tiny sizes, to check that it works;
`--only sqlite|postgres|http|views|protect|import` (repeatable) for some parts only. The views part
("Read the journey") rebuilds every view from a store of `--size` events (default 1,000,000)
on each backend of `--views-on`; it makes that store once (about 10 minutes on 2 cores for 1M
events) under `--store-dir` and reuses it; after that it takes some minutes per backend. The
protect part ("Protect the journey", bench.protect) times commands and rebuilds with
encryption and hash chaining on against both off, and verification, on both backends.
"""

from __future__ import annotations

import argparse
import os
import platform
import signal
import sys
import warnings
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, ExitStack, contextmanager
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path
from typing import Any

from rich.console import Console

from bench.http import http_table, run_http
from bench.importing import import_table, run_import
from bench.library import StoreResult, Stores, compare
from bench.protect import ProtectPart, protect_table
from bench.protect import run_backend as run_protect_backend
from bench.read_journey import ReadJourney, profile_backend, run_backend, views_table
from bench.report import library_table, mix_line, write_json
from bench.sizes import FULL, QUICK, Sizes
from bench.store_cache import cached_store
from bench.store_load import LoadedStore, postgres_copy, sqlite_copy
from bench.stores import PostgresStores, postgres_stores, sqlite_stores

ROOT = Path(__file__).resolve().parent.parent
PARTS = ("sqlite", "postgres", "http", "views", "protect", "import")
BACKENDS = ("sqlite", "postgres")


def arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="tiny sizes: a smoke test")
    parser.add_argument("--only", action="append", choices=PARTS, help="run only this part")
    parser.add_argument(
        "--profile", action="store_true", help="profile every mode, and a rebuild of all views"
    )
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--json", type=Path, default=ROOT / "var" / "bench" / "last.json")
    parser.add_argument(
        "--size", type=int, help="events in the views part's store (default: 1,000,000)"
    )
    parser.add_argument(
        "--views-on", action="append", choices=BACKENDS, help="run the views part on this only"
    )
    parser.add_argument(
        "--rebuild-window",
        type=int,
        help="the views part's rebuild window in events (default: the settings' default)",
    )
    parser.add_argument(
        "--store-dir",
        type=Path,
        default=ROOT / "var" / "bench",
        help="where the views part keeps its generated stores, to reuse them",
    )
    return parser.parse_args(argv)


def environment() -> dict[str, Any]:
    return {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "python": platform.python_version(),
        "eventsourcing": version("eventsourcing"),
        "cpus": os.cpu_count(),
        "machine": platform.machine(),
        "database_url_from_env": bool(os.environ.get("JOURNEYS_DATABASE_URL")),
    }


@contextmanager
def postgres_if_needed(
    parts: tuple[str, ...], views_on: tuple[str, ...]
) -> Iterator[PostgresStores | None]:
    views = "views" in parts and "postgres" in views_on
    if not {"postgres", "http", "protect"} & set(parts) and not views:
        yield None
        return
    with postgres_stores() as stores:
        yield stores


def main(argv: list[str] | None = None) -> int:
    args = arguments(argv)
    sizes = QUICK if args.quick else FULL
    parts = tuple(args.only or PARTS)
    views_on = tuple(args.views_on or BACKENDS)
    # The embedded server's platformdirs complains about XDG_RUNTIME_DIR in containers.
    warnings.filterwarnings("ignore", message=".*XDG_RUNTIME_DIR.*")
    document: dict[str, Any] = {"environment": environment(), "sizes": sizes, "quick": args.quick}
    print(f"Journeys benchmark ({'quick' if args.quick else 'full'}): {document['environment']}")
    results: list[StoreResult] = []
    with ExitStack() as stack:
        postgres = stack.enter_context(postgres_if_needed(parts, views_on))
        if "sqlite" in parts:
            sqlite = stack.enter_context(sqlite_stores())
            results.append(run_library(sqlite, sizes, args))
        if "postgres" in parts:
            assert postgres is not None
            results.append(run_library(postgres, sizes, args))
        if results:
            print(mix_line(results[0].mix))
            print(library_table(results, rounds=sizes.rounds))
        document["library"] = results
        status = 0
        if "http" in parts:
            assert postgres is not None
            server = postgres
            status |= run_part(document, "http", lambda: run_http(server, sizes), http_table)
        if "views" in parts:
            status |= run_part(
                document, "views", lambda: run_views(args, sizes, views_on, postgres), views_table
            )
        if "protect" in parts:
            assert postgres is not None
            server = postgres
            status |= run_part(
                document, "protect", lambda: run_protect(args, sizes, server, stack), protect_table
            )
        if "import" in parts:
            status |= run_part(
                document,
                "import",
                lambda: run_import(families=sizes.families, seed=args.seed),
                import_table,
            )
    write_json(args.json, document)
    print(f"\nResults written to {args.json}")
    return status


def run_part(
    document: dict[str, Any], part: str, run: Callable[[], Any], table: Callable[[Any], str]
) -> int:
    """Run one part after the library comparison; its failure (or a failed backend of it) is
    reported and makes the exit status 1, but never loses the figures of the other parts."""
    try:
        result = run()
    except Exception as error:
        print(f"\n{part} part failed: {type(error).__name__}: {error}")
        document[part] = {"error": f"{type(error).__name__}: {error}"}
        return 1
    print(table(result))
    document[part] = result
    return 1 if any(backend.error for backend in getattr(result, "backends", ())) else 0


def run_library(stores: Stores, sizes: Sizes, args: argparse.Namespace) -> StoreResult:
    print(f"... {stores.name}: {sizes.families} families, {sizes.rounds} round(s)", flush=True)
    return compare(
        stores,
        families=sizes.families,
        seed=args.seed,
        batch_size=sizes.batch_size,
        rounds=sizes.rounds,
        profile=args.profile,
    )


def run_views(
    args: argparse.Namespace,
    sizes: Sizes,
    views_on: tuple[str, ...],
    postgres: PostgresStores | None,
) -> ReadJourney:
    console = Console()
    events = args.size or sizes.view_events
    store = cached_store(args.store_dir, events=events, seed=args.seed, console=console)
    part = ReadJourney(store.path.name, store.info, store.reused)

    def copy(backend: str, path: Path) -> AbstractContextManager[LoadedStore]:
        if backend == "sqlite":
            return sqlite_copy(path, rebuild_window=args.rebuild_window)
        assert postgres is not None  # started by postgres_if_needed
        return postgres_copy(path, postgres.server, rebuild_window=args.rebuild_window)

    for backend in views_on:
        server = postgres if backend == "postgres" else None
        part.backends.append(
            run_backend(
                backend,
                server.description if server else "SQLite file (WAL), a copy in a temporary folder",
                copy(backend, store.path),
                queries=sizes.view_queries,
                commands=sizes.view_commands,
                seed=args.seed,
                postmaster=server.postmaster_pid if server else None,
                say=lambda text: print(text, flush=True),
            )
        )
    if args.profile:
        smaller = min(events, sizes.view_profile_events)
        profiled = cached_store(args.store_dir, events=smaller, seed=args.seed, console=console)
        for result in part.backends:
            print(f"... views on {result.store}: profiling a rebuild of {smaller:,} events")
            profile_backend(copy(result.store, profiled.path), result)
    return part


def run_protect(
    args: argparse.Namespace, sizes: Sizes, postgres: PostgresStores, stack: ExitStack
) -> ProtectPart:
    """Protection on against off, on a SQLite file and on PostgreSQL (bench.protect)."""
    part = ProtectPart(rounds=sizes.protect_rounds, passes=sizes.protect_passes)
    for stores in (stack.enter_context(sqlite_stores()), postgres):
        part.backends.append(
            run_protect_backend(
                stores,
                families=sizes.protect_families,
                store_families=sizes.protect_store_families,
                seed=args.seed,
                batch_size=sizes.batch_size,
                rounds=sizes.protect_rounds,
                passes=sizes.protect_passes,
                profile=args.profile,
                say=lambda text: print(text, flush=True),
            )
        )
    return part


def exit_on_sigterm() -> None:
    """A terminated run unwinds like an interrupted one: the PostgreSQL server it started is
    stopped and its copies of the store are removed."""
    signal.signal(signal.SIGTERM, lambda _signal, _frame: sys.exit(128 + signal.SIGTERM))


if __name__ == "__main__":
    exit_on_sigterm()
    sys.exit(main())
