"""Tests the central outbox against the real central app over HTTP: central down, then back."""

from __future__ import annotations

import sqlite3
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hub_harness import wait_until
from outbox_harness import CentralOnPort, SetClock, order_write
from sqlite_utils import Database

from contracts.catalog import Order
from hub.catalog.client import CentralClient
from hub.db.connection import open_database, write_transaction
from hub.domain.retry import RetryPolicy
from hub.outbox import store
from hub.outbox.sender import Delivery, OutboxSender
from hub.outbox.store import OutboxRow

POLICY = RetryPolicy(base_delay_s=1.0, max_delay_s=8.0)
NOT_IN_CATALOG = "05909876695486"


def central_orders(tmp_path: Path) -> int:
    """Orders stored by central (read from its own database file)."""
    with sqlite3.connect(tmp_path / "central.db") as conn:
        return int(conn.execute("SELECT COUNT(*) FROM orders").fetchone()[0])


def attempts_of(db: Database, key: str) -> int:
    """Attempts made so far for the row with this key."""
    row = store.by_key(db, key)
    assert row is not None
    return row.attempts


def make_sender(
    central: CentralOnPort, db: Database, clock: SetClock, seen: list[Delivery] | None = None
) -> OutboxSender:
    """A sender whose `order` handler records each final delivery in `seen`."""

    def on_order(db: Database, row: OutboxRow, delivery: Delivery) -> None:
        if seen is not None:
            seen.append(delivery)

    client = CentralClient(central.base_url, timeout_s=2.0)
    return OutboxSender(client, db, clock=clock, policy=POLICY, handlers={"order": on_order})


def queue(db: Database, clock: SetClock, key: str, **kwargs: Any) -> OutboxRow:
    """Queues an order write in its own transaction."""
    with write_transaction(db):
        return store.enqueue(db, order_write(key, **kwargs), now=clock())


def test_enqueue_twice_with_one_key_keeps_one_row(hub_db: Database) -> None:
    clock = SetClock()
    first = queue(hub_db, clock, "kiosk-1:01J0")
    again = queue(hub_db, clock, "kiosk-1:01J0", quantity=5)
    assert again == first
    assert store.count_by_state(hub_db) == {"pending": 1, "sent": 0, "failed_permanent": 0}


def test_queued_while_central_is_down_then_sent_once_when_back(
    hub_db: Database, central_on_port: CentralOnPort, tmp_path: Path
) -> None:
    clock = SetClock()
    seen: list[Delivery] = []
    sender = make_sender(central_on_port, hub_db, clock, seen)
    row = queue(hub_db, clock, "kiosk-1:order-a")
    queue(hub_db, clock, "kiosk-1:order-b")

    report = sender.run_once()
    assert (report.attempted, report.retrying, report.paused) == (1, 1, True)
    first = store.get(hub_db, row.id)
    assert first is not None and first.attempts == 1 and first.state == "pending"
    assert first.last_error is not None and "ConnectError" in first.last_error
    assert sender.run_once().attempted == 0  # paused: one probe per backoff step

    clock.advance(1.0)
    assert sender.run_once().attempted == 1  # probe fails again, backoff doubles
    again = store.get(hub_db, row.id)
    assert again is not None and again.attempts == 2
    assert again.next_attempt_at == clock.now + timedelta(seconds=2)

    central_on_port.start()
    clock.advance(10.0)
    report = sender.run_once()
    assert (report.sent, report.retrying, report.paused) == (2, 0, False)
    assert central_orders(tmp_path) == 2
    assert [d.status_code for d in seen] == [201, 201]
    assert Order.model_validate_json(seen[0].body).status == "accepted"
    assert store.count_by_state(hub_db) == {"pending": 0, "sent": 2, "failed_permanent": 0}


def test_a_retry_after_a_lost_answer_makes_no_second_order(
    hub_db: Database, central_on_port: CentralOnPort, tmp_path: Path
) -> None:
    clock = SetClock()
    central_on_port.start()
    row = queue(hub_db, clock, "kiosk-1:lost-answer")
    # The first attempt reached central, but its answer never came back to the hub.
    client = CentralClient(central_on_port.base_url, timeout_s=2.0)
    lost = client.send(
        "POST", "/v1/orders", body=row.write.body, idempotency_key="kiosk-1:lost-answer"
    )
    assert lost.status_code == 201
    seen: list[Delivery] = []
    assert make_sender(central_on_port, hub_db, clock, seen).run_once().sent == 1
    assert central_orders(tmp_path) == 1
    assert seen[0].status_code == 200  # central's answer to a repeated key
    assert Order.model_validate_json(seen[0].body) == Order.model_validate_json(lost.body)


def test_a_refused_write_is_final_and_handed_to_its_handler(
    hub_db: Database, central_on_port: CentralOnPort
) -> None:
    clock = SetClock()
    central_on_port.start()
    row = queue(hub_db, clock, "kiosk-1:unknown", gtin=NOT_IN_CATALOG)
    seen: list[Delivery] = []
    report = make_sender(central_on_port, hub_db, clock, seen).run_once()
    assert (report.failed, report.paused) == (1, False)
    final = store.get(hub_db, row.id)
    assert final is not None and final.state == "failed_permanent"
    assert final.response_status == 422 and final.last_error is not None
    assert [d.result for d in seen] == ["permanent"]


def test_the_sender_loop_drains_when_central_comes_back(
    hub_db: Database, db_path: Path, central_on_port: CentralOnPort, tmp_path: Path
) -> None:
    sender = OutboxSender(
        CentralClient(central_on_port.base_url, timeout_s=2.0),
        open_database(db_path, run_migrations=False),
        clock=lambda: datetime.now(UTC),
        policy=RetryPolicy(base_delay_s=0.05, max_delay_s=0.2),
    )
    stop = threading.Event()
    thread = threading.Thread(target=sender.run_forever, args=(stop,), kwargs={"idle_s": 5.0})
    thread.start()
    try:
        with write_transaction(hub_db):
            store.enqueue(hub_db, order_write("kiosk-1:loop"), now=datetime.now(UTC))
        sender.wake()
        wait_until(lambda: attempts_of(hub_db, "kiosk-1:loop") >= 2)
        central_on_port.start()
        wait_until(lambda: store.count_by_state(hub_db)["sent"] == 1)
        assert central_orders(tmp_path) == 1
    finally:
        stop.set()
        sender.wake()
        thread.join(5.0)
    assert not thread.is_alive()


@pytest.mark.allow_error_log
def test_a_delivered_write_whose_result_cannot_be_applied_is_never_resent(
    hub_db: Database, central_on_port: CentralOnPort, tmp_path: Path
) -> None:
    def broken(db: Database, row: OutboxRow, delivery: Delivery) -> None:
        raise ValueError("answer not understood")

    clock = SetClock()
    central_on_port.start()
    row = queue(hub_db, clock, "kiosk-1:broken-handler")
    client = CentralClient(central_on_port.base_url, timeout_s=2.0)
    sender = OutboxSender(client, hub_db, clock=clock, policy=POLICY, handlers={"order": broken})
    assert sender.run_once().failed == 1
    final = store.get(hub_db, row.id)
    assert final is not None and final.state == "failed_permanent"
    assert final.last_error == "result not applied: answer not understood"
    assert final.response_status == 201
    clock.advance(100)
    assert sender.run_once().attempted == 0
    assert central_orders(tmp_path) == 1
