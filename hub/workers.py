"""Provides the hub's background workers: glasses answers, MQTT ingest, catalog sync, the central
outbox, the reservation sweeper and reconciliation, each on its own database connection, started and
stopped in order by the `aisle hub` composition root.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from hub.answers.service import AnswerService, start_answer_service
from hub.api.notifier import EventNotifier
from hub.catalog.client import CentralClient
from hub.catalog.sync import CatalogSync
from hub.config import BrokerAddress, HubSettings
from hub.db import orders
from hub.db.connection import open_database
from hub.domain.retry import RetryPolicy
from hub.ingest.mqtt_ingest import MqttIngest
from hub.ingest.processor import EventProcessor
from hub.outbox.sender import OutboxSender
from hub.pickup.sweeper import ReservationSweeper
from hub.reconcile.runner import Reconciler


def utc_now() -> datetime:
    """The process clock, UTC."""
    return datetime.now(UTC)


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
