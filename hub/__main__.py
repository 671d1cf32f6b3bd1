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
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from types import FrameType
from typing import Any

import uvicorn
from fastapi import FastAPI
from sqlite_utils import Database

from hub.answers.service import AnswerService, start_answer_service
from hub.api.app import create_app
from hub.api.notifier import EventNotifier
from hub.api.routes.device_commands import install_device_command_api
from hub.api.routes.index import install_index_api
from hub.api.routes.tryon import install_tryon_api
from hub.catalog.client import CentralClient
from hub.catalog.sync import CatalogSync
from hub.config import (
    BrokerAddress,
    HubSettings,
    build_settings,
    environment,
    load_settings,
    read_settings_file,
    resolve_broker,
)
from hub.db import orders
from hub.db.connection import open_database
from hub.domain.retry import RetryPolicy
from hub.errors import ConfigInvalid, SeedStockInvalid
from hub.index.wiring import start_index
from hub.ingest.mqtt_ingest import MqttIngest
from hub.ingest.processor import EventProcessor
from hub.outbox.sender import OutboxSender
from hub.pickup.sweeper import ReservationSweeper
from hub.price_admin import propose_prices_main
from hub.reconcile.runner import Reconciler
from hub.staff_admin import add_user_main
from hub.stock.seed import apply_stock_seed, load_stock_seed
from hub.token_admin import add_token_main, revoke_token_main
from hub.tryon.wiring import start_tryon

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


def utc_now() -> datetime:
    """The process clock, UTC."""
    return datetime.now(UTC)


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


@dataclass(frozen=True, slots=True)
class Workers:
    """The hub's background parts, stopped in order by `stop_workers`."""

    ingest: MqttIngest
    sync_thread: threading.Thread
    stop: threading.Event
    notifier: EventNotifier
    outbox: OutboxSender
    outbox_thread: threading.Thread
    sweeper_thread: threading.Thread
    answers: AnswerService
    reconcile_thread: threading.Thread | None = None


def build_outbox_sender(settings: HubSettings) -> OutboxSender:
    """The central-outbox sender, on its own database connection and central client."""
    base_s = settings.outbox_retry_base_s
    return OutboxSender(
        CentralClient(settings.central_url, timeout_s=settings.central_timeout_s),
        open_database(settings.db_path, run_migrations=False),
        clock=utc_now,
        policy=RetryPolicy(base_s, max(base_s, settings.outbox_retry_max_s)),
        handlers={orders.ORDER_KIND: orders.apply_central_result},
    )


def _thread(target: Callable[..., None], name: str, **kwargs: Any) -> threading.Thread:
    thread = threading.Thread(target=target, kwargs=kwargs, name=name, daemon=True)
    thread.start()
    return thread


def start_pickup_and_outbox(
    settings: HubSettings, stop: threading.Event, notifier: EventNotifier
) -> tuple[OutboxSender, threading.Thread, threading.Thread]:
    """Starts the central-outbox sender and the reservation expiry sweeper (a thread each)."""
    sender = build_outbox_sender(settings)
    sweeper = ReservationSweeper(
        open_database(settings.db_path, run_migrations=False),
        clock=utc_now,
        on_change=notifier.notify,
    )
    outbox_thread = _thread(
        sender.run_forever, "central-outbox", stop=stop, idle_s=settings.outbox_idle_s
    )
    sweeper_thread = _thread(
        sweeper.run_forever,
        "reservation-sweeper",
        stop=stop,
        interval_s=settings.reservation_sweep_interval_s,
    )
    return sender, outbox_thread, sweeper_thread


def start_workers(settings: HubSettings, broker: BrokerAddress) -> Workers:
    """Starts glasses answers, ingest (paho's thread), catalog sync, the central outbox and the
    reservation sweeper (a thread each), each with its own database connection."""
    notifier = EventNotifier()
    answers = start_answer_service(
        broker,
        store_id=settings.store_id,
        db=open_database(settings.db_path, run_migrations=False),
        keepalive_s=settings.broker.keepalive_s,
    )
    processor = EventProcessor(
        open_database(settings.db_path, run_migrations=False),
        store_id=settings.store_id,
        clock=utc_now,
        on_applied=notifier.notify,
        on_committed=answers.answerer.on_committed,
    )
    ingest = MqttIngest(
        broker,
        store_id=settings.store_id,
        processor=processor,
        keepalive_s=settings.broker.keepalive_s,
    )
    ingest.start()
    sync = CatalogSync(
        CentralClient(settings.central_url, timeout_s=settings.central_timeout_s),
        open_database(settings.db_path, run_migrations=False),
        clock=utc_now,
        page_limit=settings.catalog_page_limit,
    )
    stop = threading.Event()
    thread = _thread(
        sync.run_forever, "catalog-sync", stop=stop, interval_s=settings.catalog_sync_interval_s
    )
    sender, outbox_thread, sweeper_thread = start_pickup_and_outbox(settings, stop, notifier)
    reconcile = start_reconciler(settings, stop, on_push=sender.wake)
    return Workers(
        ingest, thread, stop, notifier, sender, outbox_thread, sweeper_thread, answers, reconcile
    )


def start_reconciler(
    settings: HubSettings, stop: threading.Event, *, on_push: Callable[[], None]
) -> threading.Thread:
    """Starts reconciliation with central (its own thread, connection, client and sync)."""

    def client() -> CentralClient:
        return CentralClient(settings.central_url, timeout_s=settings.central_timeout_s)

    reconciler = Reconciler(
        open_database(settings.db_path, run_migrations=False),
        client=client(),
        sync=CatalogSync(
            client(),
            open_database(settings.db_path, run_migrations=False),
            clock=utc_now,
            page_limit=settings.catalog_page_limit,
        ),
        store_id=settings.store_id,
        clock=utc_now,
        on_push=on_push,
    )
    return _thread(
        reconciler.run_forever, "reconcile", stop=stop, interval_s=settings.reconcile_interval_s
    )


def stop_workers(workers: Workers, *, join_timeout_s: float) -> None:
    """Stops live streams, catalog sync, the outbox, the sweeper, ingest and answers."""
    workers.notifier.close()
    workers.stop.set()
    workers.outbox.wake()
    workers.sync_thread.join(join_timeout_s)
    workers.outbox_thread.join(join_timeout_s)
    workers.sweeper_thread.join(join_timeout_s)
    if workers.reconcile_thread is not None:
        workers.reconcile_thread.join(join_timeout_s)
    workers.ingest.stop()
    workers.answers.stop(join_timeout_s)


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
