"""Fault test with central: central down for a while, with delivery orders, pickup reservations
and sales made meanwhile, then back. Ends with an exact accounting: every order reaches central
exactly once and is final at the hub, every reservation is final, the ledger equals what the
sales, receipts and reservations say, and central's view of the store equals the ledger."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import uvicorn
from fastapi.testclient import TestClient
from fault_harness import Accounting, utc_now, wait_until
from hub_tokens import api_headers, staff_headers
from sqlite_utils import Database

from aisle.broker import free_port
from central.app import create_app as create_central_app
from central.repository import CentralRepository
from central.seed import DEMO_CATALOG_PATH, read_seed
from contracts.envelope import ENVELOPE_VERSION, Envelope
from contracts.ids import new_ulid
from contracts.topics import events_topic
from hub.api.app import create_app
from hub.catalog.client import CentralClient
from hub.catalog.sync import CatalogSync
from hub.config import HubSettings
from hub.db import orders, stock
from hub.db.connection import open_database
from hub.domain.retry import RetryPolicy
from hub.ingest.processor import EventProcessor
from hub.outbox.sender import OutboxSender
from hub.reconcile.runner import Reconciler

STORE = "faults"
OAT, GRANOLA, SNEAKERS = "04012734004359", "05014521002622", "04066217008815"
RECEIVED = {OAT: 40, GRANOLA: 30, SNEAKERS: 10}


class Central:
    """The real central app on a fixed port, stopped and started by the test."""

    def __init__(self, repository: CentralRepository) -> None:
        self.repository = repository
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        config = uvicorn.Config(
            create_central_app(self.repository),
            host="127.0.0.1",
            port=self.port,
            log_level="warning",
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, daemon=True)
        self._thread.start()
        wait_until(lambda: self._server is not None and self._server.started, what="central up")

    def stop(self) -> None:
        if self._server is not None and self._thread is not None:
            self._server.should_exit = True
            self._thread.join(10)
            self._server = None


@pytest.fixture
def central(tmp_path: Path) -> Iterator[Central]:
    repository = CentralRepository.from_path(tmp_path / "central.db")
    repository.load_seed(read_seed(DEMO_CATALOG_PATH))
    served = Central(repository)
    served.start()
    yield served
    served.stop()


def _feed(
    processor: EventProcessor, device: str, seq: int, kind: str, payload: dict[str, object]
) -> None:
    envelope = Envelope(
        v=ENVELOPE_VERSION,
        id=new_ulid(int(time.time() * 1000)),
        store=STORE,
        device=device,
        seq=seq,
        ts=utc_now(),
        type=kind,
        payload=payload,
    )
    processor.handle_batch([(events_topic(STORE, device), envelope.to_json_bytes())])


EXPECTED_LEDGER = {OAT: 40 - 3, GRANOLA: 30 - 2 - 2, SNEAKERS: 10 - 3}
FINAL_RESERVATIONS = {"picked_up", "expired", "cancelled"}


def _account(
    api: TestClient, central: Central, placed: list[str], held: list[str], db: Database
) -> Accounting:
    result = Accounting("central_down")
    auth = api_headers(db)
    hub_orders = [api.get(f"/api/v1/orders/{oid}", headers=auth).json() for oid in placed]
    reservations = [api.get(f"/api/v1/reservations/{rid}", headers=auth).json() for rid in held]
    with central.repository.database.read() as tx:
        at_central = int(tx.scalar("SELECT COUNT(*) FROM orders") or 0)
    ledger = stock.on_hand_all(db)
    view = CentralClient(central.base_url, timeout_s=2).store_availability(STORE)
    result.sent = result.applied = len(placed)
    result.ledger_ok = ledger == EXPECTED_LEDGER
    result.extra.update(
        orders_at_central=at_central,
        orders_final=sum(o["state"] in ("accepted", "failed") for o in hub_orders),
        reservations_final=sum(r["state"] in FINAL_RESERVATIONS for r in reservations),
        central_view_equals_ledger={r.gtin: r.on_hand for r in view}
        == {g: max(0, u) for g, u in ledger.items()},
    )
    return result


@dataclass
class StoreHub:
    """The hub's parts this test drives: sync, reconciler, outbox sender, ingest, API."""

    reconciler: Reconciler
    sender: OutboxSender
    processor: EventProcessor
    api: TestClient
    db_path: Path

    def db(self) -> Database:
        return open_database(self.db_path, run_migrations=False)


@pytest.fixture
def store_hub(central: Central, hub_db_path: Path) -> StoreHub:
    def client() -> CentralClient:
        return CentralClient(central.base_url, timeout_s=2)

    def db() -> Database:
        return open_database(hub_db_path, run_migrations=False)

    sync = CatalogSync(client(), db(), clock=utc_now, page_limit=500)
    sync.run_once()
    handlers = {orders.ORDER_KIND: orders.apply_central_result}
    policy = RetryPolicy(0.05, 0.2)
    hub = StoreHub(
        Reconciler(db(), client=client(), sync=sync, store_id=STORE, clock=utc_now),
        OutboxSender(client(), db(), clock=utc_now, policy=policy, handlers=handlers),
        EventProcessor(db(), store_id=STORE, clock=utc_now),
        TestClient(create_app(HubSettings(store_id=STORE, db_path=hub_db_path), db())),
        hub_db_path,
    )
    for seq, (gtin, units) in enumerate(RECEIVED.items(), start=1):
        receipt = {"kind": "receipt", "gtin": gtin, "quantity": units}
        _feed(hub.processor, "staff-1", seq, "stock", receipt)
    return hub


def _business_while_down(hub: StoreHub) -> tuple[list[str], list[str]]:
    placed, held = [], []
    kiosk = api_headers(hub.db_path, device="kiosk-1", role="kiosk")
    for n in range(5):
        body = {"device": "kiosk-1", "lines": [{"gtin": OAT, "quantity": 1 + n % 2}]}
        for _ in range(2):  # the kiosk retries: the same key is the same order
            answer = hub.api.post(
                "/api/v1/orders", json=body, headers={**kiosk, "Idempotency-Key": f"o-{n}"}
            )
            assert answer.status_code in (200, 202), answer.text
        placed.append(answer.json()["id"])
    for n in range(4):
        body = {"gtin": GRANOLA, "quantity": 2, "device": "kiosk-1"}
        key = {**kiosk, "Idempotency-Key": f"r-{n}"}
        answer = hub.api.post("/api/v1/reservations", json=body, headers=key)
        assert answer.status_code == 201, answer.text
        held.append(answer.json()["id"])
    for seq in range(1, 7):
        line = {"gtin": SNEAKERS if seq % 2 else OAT, "quantity": 1}
        sale = {"till": "pos-1", "receipt": str(seq), "lines": [line]}
        _feed(hub.processor, "pos-1", seq, "sale", sale)
    return placed, held


def _settle(hub: StoreHub, held: list[str]) -> None:
    plan = (["picked-up"], ["ready", "picked-up"], ["cancel"], ["cancel"])
    staff = staff_headers(hub.db_path)  # pickup moves are staff actions
    for rid, moves in zip(held, plan, strict=True):
        for move in moves:
            answer = hub.api.post(f"/api/v1/reservations/{rid}/{move}", headers=staff)
            assert answer.status_code == 200, answer.text
    hub.sender.wake()
    deadline = time.monotonic() + 30
    while hub.sender.run_once().attempted and time.monotonic() < deadline:
        continue


def test_central_down_with_orders_and_reservations_meanwhile(
    central: Central, store_hub: StoreHub, capsys: pytest.CaptureFixture[str]
) -> None:
    central.stop()
    placed, held = _business_while_down(store_hub)
    assert store_hub.sender.run_once().paused  # central down: the outbox waits, nothing lost
    down = store_hub.reconciler.run_once()
    assert not down.summary.central_reachable

    central.start()
    _settle(store_hub, held)
    back = store_hub.reconciler.run_once()
    store_hub.sender.wake()
    store_hub.sender.run_once()
    after = store_hub.reconciler.run_once()

    result = _account(store_hub.api, central, placed, held, store_hub.db())
    result.extra["push"] = back.summary.availability_key
    result.extra["availability_mismatches_after"] = sum(
        f.kind == "availability_mismatch" for f in after.findings
    )
    with capsys.disabled():
        print(f"\n{result.line()}")
    assert result.extra["orders_at_central"] == 5 and result.extra["orders_final"] == 5
    assert result.extra["reservations_final"] == 4
    assert result.ledger_ok and result.extra["central_view_equals_ledger"]
    assert result.extra["availability_mismatches_after"] == 0
