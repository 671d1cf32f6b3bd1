"""Tests delivery orders end to end over HTTP: kiosk request -> hub API -> outbox -> the real
central, and central's answer mirrored back; central down, then back."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hub_harness import utc_now
from hub_tokens import api_headers
from outbox_harness import BARISTA_OAT, CentralOnPort
from sqlite_utils import Database

from contracts.orders import DeliveryOrder
from hub.api.app import create_app
from hub.catalog.client import CentralClient
from hub.catalog.sync import CatalogSync
from hub.config import HubSettings
from hub.outbox.sender import OutboxSender
from hub.workers import build_outbox_sender

SKYR_NOT_ONLINE = "07613208003587"
COLD_BREW_NO_ONLINE_STOCK = "00073416006331"


@dataclass
class Relay:
    """A hub app and its outbox sender, in front of central on a fixed port."""

    client: TestClient
    sender: OutboxSender
    central: CentralOnPort
    central_db: Path

    def order(self, key: str, gtin: str = BARISTA_OAT, quantity: int = 2) -> Any:
        """POSTs a delivery order from kiosk-1."""
        body = {"device": "kiosk-1", "lines": [{"gtin": gtin, "quantity": quantity}]}
        return self.client.post("/api/v1/orders", json=body, headers={"Idempotency-Key": key})

    def get(self, order_id: str) -> DeliveryOrder:
        """The order as the shopper sees it."""
        return DeliveryOrder.model_validate(self.client.get(f"/api/v1/orders/{order_id}").json())

    def central_orders(self) -> list[tuple[str, str]]:
        """(order id, idempotency key) of every order central stored."""
        with sqlite3.connect(self.central_db) as conn:
            return list(conn.execute("SELECT id, idempotency_key FROM orders").fetchall())


@pytest.fixture
def relay(
    central_on_port: CentralOnPort, hub_db: Database, db_path: Path, store_id: str, tmp_path: Path
) -> Iterator[Relay]:
    """A hub synced from the demo central, with its outbox sender (not running: tests drive it)."""
    central_on_port.start()
    client = CentralClient(central_on_port.base_url, timeout_s=5)
    CatalogSync(client, hub_db, clock=utc_now, page_limit=500).run_once()
    settings = HubSettings(
        store_id=store_id,
        db_path=db_path,
        central_url=central_on_port.base_url,
        outbox_retry_base_s=0.01,
        outbox_retry_max_s=0.01,
    )
    sender = build_outbox_sender(settings)
    app = create_app(settings, hub_db, outbox_wake=sender.wake)
    with TestClient(app, headers=api_headers(hub_db)) as test_client:
        yield Relay(test_client, sender, central_on_port, tmp_path / "central.db")


def test_an_order_is_queued_then_accepted_at_central_once(relay: Relay) -> None:
    placed = relay.order("kiosk-1-0001")
    assert placed.status_code == 202, placed.text
    order = DeliveryOrder.model_validate(placed.json())
    assert (order.state, order.attempts, order.central_reachable) == ("queued", 0, True)
    assert order.lines[0].name == "Barista oat drink 1 l"
    assert relay.sender.run_once().sent == 1
    accepted = relay.get(order.id)
    assert accepted.state == "accepted" and accepted.central_order_id is not None
    assert (accepted.total_cents, accepted.currency, accepted.attempts) == (2 * 229, "EUR", 1)
    again = relay.order("kiosk-1-0001")
    assert again.status_code == 200 and again.json()["id"] == order.id
    assert relay.sender.run_once().attempted == 0
    assert relay.central_orders() == [
        (accepted.central_order_id, f"{relay_store(relay)}.kiosk-1-0001")
    ]
    staff = relay.client.get("/api/v1/orders", params={"state": "accepted"}).json()
    assert [o["id"] for o in staff] == [order.id]


def relay_store(relay: Relay) -> str:
    """The hub's store id."""
    return str(relay.client.get("/api/v1/health").json()["store"])


def test_orders_wait_while_central_is_down_and_go_once_when_back(relay: Relay) -> None:
    relay.central.stop()
    ids = [relay.order(f"down-{n}").json()["id"] for n in range(3)]
    report = relay.sender.run_once()
    assert (report.attempted, report.paused) == (1, True)  # one probe, then a pause
    waiting = relay.get(ids[0])
    assert (waiting.state, waiting.attempts) == ("queued", 1)
    outbox = relay.client.get("/api/v1/outbox").json()
    assert outbox["counts"]["pending"] == 3 and outbox["rows"][-1]["last_error"]
    relay.central.start()
    assert relay.client.post("/api/v1/outbox/retry").json() == {"rescheduled": 3}
    assert relay.sender.run_once().sent == 3
    assert [relay.get(i).state for i in ids] == ["accepted"] * 3
    assert len(relay.central_orders()) == 3


@pytest.mark.parametrize(
    ("gtin", "quantity", "status", "code"),
    [
        (SKYR_NOT_ONLINE, 1, 409, "not_sold_online"),
        ("05909876695486", 1, 422, "unknown_gtin"),
    ],
)
def test_the_hub_refuses_what_cannot_be_delivered(
    relay: Relay, gtin: str, quantity: int, status: int, code: str
) -> None:
    response = relay.order("refused", gtin, quantity)
    assert (response.status_code, response.json()["code"]) == (status, code)
    assert relay.client.get("/api/v1/outbox").json()["counts"]["pending"] == 0


def test_central_refusing_an_order_marks_it_failed_with_the_reason(relay: Relay) -> None:
    order_id = relay.order("no-stock", COLD_BREW_NO_ONLINE_STOCK, 1).json()["id"]
    assert relay.sender.run_once().failed == 1
    failed = relay.get(order_id)
    assert failed.state == "failed" and failed.is_final
    assert failed.failure_reason is not None
    assert failed.failure_reason.startswith("insufficient_stock")
    assert relay.central_orders() == []
