"""`python -m bench` (`make bench`): run every benchmark once, print a table, write JSON.

Usage: `python -m bench` for the full run (about three minutes); `--quick` for tiny sizes,
to check that it works; `--only sqlite|postgres|http` (repeatable) for some parts only.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import warnings
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path
from typing import Any

from bench.http import http_table, run_http
from bench.library import StoreResult, Stores, compare
from bench.report import library_table, mix_line, write_json
from bench.sizes import FULL, QUICK, Sizes
from bench.stores import PostgresStores, postgres_stores, sqlite_stores

ROOT = Path(__file__).resolve().parent.parent
PARTS = ("sqlite", "postgres", "http")


def arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="tiny sizes: a smoke test")
    parser.add_argument("--only", action="append", choices=PARTS, help="run only this part")
    parser.add_argument("--profile", action="store_true", help="profile every mode")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--json", type=Path, default=ROOT / "var" / "bench" / "last.json")
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
def postgres_if_needed(parts: tuple[str, ...]) -> Iterator[PostgresStores | None]:
    if "postgres" not in parts and "http" not in parts:
        yield None
        return
    with postgres_stores() as stores:
        yield stores


def main(argv: list[str] | None = None) -> int:
    args = arguments(argv)
    sizes = QUICK if args.quick else FULL
    parts = tuple(args.only or PARTS)
    # The embedded server's platformdirs complains about XDG_RUNTIME_DIR in containers.
    warnings.filterwarnings("ignore", message=".*XDG_RUNTIME_DIR.*")
    document: dict[str, Any] = {"environment": environment(), "sizes": sizes, "quick": args.quick}
    print(f"Journeys benchmark ({'quick' if args.quick else 'full'}): {document['environment']}")
    results: list[StoreResult] = []
    with ExitStack() as stack:
        postgres = stack.enter_context(postgres_if_needed(parts))
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
            try:
                http = run_http(postgres, sizes)
            except Exception as error:  # a broken API must not lose the figures above
                print(f"\nHTTP part failed: {type(error).__name__}: {error}")
                document["http"] = {"error": f"{type(error).__name__}: {error}"}
                status = 1
            else:
                print(http_table(http))
                document["http"] = http
    write_json(args.json, document)
    print(f"\nResults written to {args.json}")
    return status


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


if __name__ == "__main__":
    sys.exit(main())
