"""Provides `aisle hub`: runs one store's hub (MQTT ingest, catalog sync, HTTP API) in one process.

Composition root only: arguments -> settings -> database -> ingest, sync and API, then serve
until SIGINT or SIGTERM, and stop everything in order.
"""

from __future__ import annotations

import argparse
import json
import logging
import signal
import sys
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from types import FrameType
from typing import Any

import uvicorn
from fastapi import FastAPI
from sqlite_utils import Database

from hub.api.app import create_app
from hub.api.routes.device_commands import install_device_command_api
from hub.api.routes.index import install_index_api
from hub.api.routes.tryon import install_tryon_api
from hub.config import (
    BrokerAddress,
    HubSettings,
    build_settings,
    environment,
    load_settings,
    read_settings_file,
    resolve_broker,
)
from hub.db.connection import open_database
from hub.errors import ConfigInvalid, SeedStockInvalid
from hub.index.wiring import start_index
from hub.price_admin import propose_prices_main
from hub.staff_admin import add_user_main
from hub.stock.seed import apply_stock_seed, load_stock_seed
from hub.token_admin import add_token_main, revoke_token_main
from hub.tryon.wiring import start_tryon
from hub.workers import start_workers, stop_workers, utc_now

logger = logging.getLogger("hub")
ADMIN_COMMANDS: dict[str, Callable[[Sequence[str]], int]] = {
    "add-user": add_user_main,
    "add-token": add_token_main,
    "revoke-token": revoke_token_main,
    "propose-prices": propose_prices_main,
}

GRACEFUL_SHUTDOWN_S = 2
EXIT_OK = 0
EXIT_BAD_INPUT = 2
# flag dest -> key path in HubSettings
_FLAG_KEYS: dict[str, tuple[str, ...]] = {
    "store": ("store_id",),
    "db": ("db_path",),
    "central_url": ("central_url",),
    "sync_interval_s": ("catalog_sync_interval_s",),
    "seed_stock": ("seed_stock_path",),
    "tryon_photos": ("tryon", "seed_photos_path"),
    "broker_url": ("broker", "url"),
    "broker_username": ("broker", "username"),
    "broker_password_env": ("broker", "password_env"),
    "host": ("http", "host"),
    "port": ("http", "port"),
}


def build_parser() -> argparse.ArgumentParser:
    """Returns the argument parser of `aisle hub`."""
    parser = argparse.ArgumentParser(prog="aisle hub", description=__doc__)
    parser.add_argument("--config", type=Path, help="hub TOML file (flags override its values)")
    parser.add_argument(
        "--validate-config", type=Path, metavar="PATH", help="check a hub TOML file and exit"
    )
    parser.add_argument("--schema", action="store_true", help="print the settings JSON Schema")
    parser.add_argument("--store", help="store id")
    parser.add_argument("--db", type=Path, help="hub database file")
    parser.add_argument("--broker-url", help="mqtt://[user[:password]@]host[:port]")
    parser.add_argument("--broker-username", help="broker username")
    parser.add_argument("--broker-password-env", help="env var holding the broker password")
    parser.add_argument("--central-url", help="central catalog base URL")
    parser.add_argument("--sync-interval-s", type=float, help="seconds between catalog syncs")
    parser.add_argument("--seed-stock", type=Path, help="initial store stock JSON, applied once")
    parser.add_argument("--tryon-photos", type=Path, help="garment photos (<style>.jpg) to import")
    parser.add_argument("--host", help="HTTP interface")
    parser.add_argument("--port", type=int, help="HTTP port (0: a free one)")
    parser.add_argument("--log-level", default="INFO", help="DEBUG, INFO, WARNING, ...")
    return parser


def settings_from_args(args: argparse.Namespace) -> HubSettings:
    """Merges the config file (if any) with the flags given, flags winning.

    Raises:
        ConfigInvalid: if the file or the merged settings do not validate.
    """
    data: dict[str, Any] = read_settings_file(args.config) if args.config else {}
    for dest, keys in _FLAG_KEYS.items():
        value = getattr(args, dest)
        if value is None:
            continue
        section = data
        for key in keys[:-1]:
            section = section.setdefault(key, {})
        section[keys[-1]] = str(value) if isinstance(value, Path) else value
    source = f"{args.config} + flags" if args.config else "flags"
    return build_settings(data, source=source)


def validate_config(path: Path) -> int:
    """Checks a hub TOML file: prints `ok` or each problem, returns the exit code."""
    try:
        load_settings(path)
    except ConfigInvalid as exc:
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        return EXIT_BAD_INPUT
    print(f"{path}: ok")
    return EXIT_OK


def _install_stop_handlers(on_stop: Callable[[], None]) -> None:
    def handle(signum: int, frame: FrameType | None) -> None:
        logger.info("signal %s: stopping", signal.Signals(signum).name)
        on_stop()

    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, handle)


def apply_seed(db: Database, settings: HubSettings) -> None:
    """Applies the initial store stock file, if configured (idempotent across restarts).

    Raises:
        SeedStockInvalid: if the file is unreadable, invalid, or for another store.
    """
    if settings.seed_stock_path is None:
        return
    seed = load_stock_seed(settings.seed_stock_path)
    report = apply_stock_seed(db, seed, store_id=settings.store_id, now=utc_now())
    logger.info(
        "stock seed %s: %d new receipts, %d new shelf locations",
        settings.seed_stock_path,
        report.receipts,
        report.locations,
    )


def serve(app: FastAPI, settings: HubSettings) -> None:
    """Serves the API until SIGINT or SIGTERM."""
    config = uvicorn.Config(
        app,
        host=settings.http.host,
        port=settings.http.port,
        log_level="warning",
        timeout_graceful_shutdown=GRACEFUL_SHUTDOWN_S,
    )
    server = uvicorn.Server(config)
    stopping = threading.Event()

    def request_stop() -> None:
        stopping.set()
        server.should_exit = True

    # uvicorn swaps in its own handlers while serving, then restores these and re-raises the
    # signal it caught into them: they only record the request, so the hub stops in order.
    _install_stop_handlers(request_stop)
    logger.info(
        "hub %s: dashboard http://%s:%d/dashboard",
        settings.store_id,
        settings.http.host,
        settings.http.port,
    )
    if not stopping.is_set():
        server.run()


def run_hub(settings: HubSettings, broker: BrokerAddress) -> int:
    """Runs the hub until SIGINT/SIGTERM; returns the exit code.

    Raises:
        SeedStockInvalid: if the configured stock seed cannot be applied.
    """
    db = open_database(settings.db_path)
    try:
        apply_seed(db, settings)
        workers = start_workers(settings, broker)
        index = start_index(settings, broker, clock=utc_now) if settings.index.enabled else None
        tryon = start_tryon(settings) if settings.tryon.enabled else None
        try:
            app = create_app(
                settings,
                db,
                notifier=workers.notifier,
                broker_connected=workers.ingest.is_connected,
                outbox_wake=workers.outbox.wake,
            )
            install_device_command_api(app, workers.answers.publisher.publish)
            if index is not None:
                install_index_api(app, index.service)
            if tryon is not None:
                install_tryon_api(app, tryon)
            serve(app, settings)
        finally:
            if tryon is not None:
                tryon.stop()
            if index is not None:
                index.stop()
            stop_workers(workers, join_timeout_s=settings.central_timeout_s + 1)
    finally:
        db.close()
    logger.info("hub %s stopped", settings.store_id)
    return EXIT_OK


def main(argv: Sequence[str] | None = None) -> int:
    """Runs `aisle hub`.

    `aisle hub add-user|add-token|revoke-token|propose-prices ...` run an `ADMIN_COMMANDS` entry.

    Args:
        argv: arguments after `aisle hub`; defaults to `sys.argv[1:]`.

    Returns:
        0 after a clean stop, 2 for bad configuration or seed input.
    """
    arguments = list(sys.argv[1:] if argv is None else argv)
    admin = ADMIN_COMMANDS.get(arguments[0]) if arguments else None
    if admin is not None:
        return admin(arguments[1:])
    args = build_parser().parse_args(arguments)
    logging.basicConfig(
        level=args.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    if args.schema:
        print(json.dumps(HubSettings.model_json_schema(), indent=2))
        return EXIT_OK
    if args.validate_config is not None:
        return validate_config(args.validate_config)
    try:
        settings = settings_from_args(args)
        broker = resolve_broker(settings.broker, environment())
        return run_hub(settings, broker)
    except ConfigInvalid as exc:
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        return EXIT_BAD_INPUT
    except SeedStockInvalid as exc:
        print(f"aisle hub: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT


if __name__ == "__main__":
    raise SystemExit(main())
