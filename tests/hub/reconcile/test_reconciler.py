"""Tests reconciliation against the real central app over HTTP: every kind of discrepancy is
reported with cause and action, the ledger reaches central through the hub outbox once per
ledger state, drift at central is corrected, central down still yields a local report, and the
report is served by the hub API."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from hub_builders import UNKNOWN_GTIN, make_envelope, scan_payload
from hub_harness import ServedApp, utc_now
from hub_tokens import api_headers
from sqlite_utils import Database

from hub.api.app import create_app
from hub.catalog.client import CentralClient
from hub.catalog.sync import CatalogSync
from hub.config import HubSettings
from hub.db.connection import open_database
from hub.domain.retry import RetryPolicy
from hub.ingest.processor import EventProcessor
from hub.outbox.sender import OutboxSender
from hub.reconcile.runner import Reconciler

OAT = "04012734004359"  # Barista oat drink, 249 cents at central
GRANOLA = "05014521002622"
STORE = "recon"


@dataclass
class Hub:
    """A hub's reconciler, outbox sender and event input on one database file."""

    reconciler: Reconciler
    sender: OutboxSender
    processor: EventProcessor
    db: Database

    def feed(self, device: str, seq: int, kind: str, payload: dict[str, object]) -> None:
        envelope = make_envelope(STORE, device, seq, type=kind, payload=payload)
        topic = f"aisle/{STORE}/dev/{device}/events"
        self.processor.handle_batch([(topic, envelope.to_json_bytes())])


@pytest.fixture
def hub(db_path: Path, central: ServedApp) -> Iterator[Hub]:
    def client() -> CentralClient:
        return CentralClient(central.base_url, timeout_s=2)

    def db() -> Database:
        return open_database(db_path, run_migrations=False)

    sync = CatalogSync(client(), db(), clock=utc_now, page_limit=500)
    reconciler = Reconciler(db(), client=client(), sync=sync, store_id=STORE, clock=utc_now)
    sender = OutboxSender(client(), db(), clock=utc_now, policy=RetryPolicy(0.1, 1.0))
    yield Hub(reconciler, sender, EventProcessor(db(), store_id=STORE, clock=utc_now), db())


def _stock(kind: str, gtin: str, quantity: int, **extra: object) -> dict[str, object]:
    return {"kind": kind, "gtin": gtin, "quantity": quantity, **extra}


def _sale(gtin: str, quantity: int) -> dict[str, object]:
    line = {"gtin": gtin, "quantity": quantity, "unit_price_cents": 249}
    return {"till": "pos-1", "receipt": "r1", "lines": [line]}


def test_a_run_reports_every_discrepancy_and_pushes_the_ledger_once(
    hub: Hub, central: ServedApp
) -> None:
    hub.feed("staff-1", 1, "stock", _stock("receipt", OAT, 12))
    hub.feed("pos-1", 1, "sale", _sale(GRANOLA, 2))  # sold before any receipt: negative
    hub.feed("pos-1", 3, "sale", _sale(OAT, 1))  # seq 2 never arrives
    hub.feed("kiosk-1", 1, "scan", scan_payload(UNKNOWN_GTIN))
    hub.feed("glasses-1", 1, "stock", _stock("sighting", GRANOLA, 3, shelf_price_cents=199))

    first = hub.reconciler.run_once()
    kinds = {(f.kind, f.key) for f in first.findings}
    assert {
        ("availability_mismatch", OAT),
        ("availability_mismatch", GRANOLA),
        ("unknown_gtin", UNKNOWN_GTIN),
        ("price_mismatch", GRANOLA),
        ("seq_gap", "pos-1:2-2"),
        ("negative_stock", GRANOLA),
        ("shelf_without_stock", GRANOLA),
    } == kinds
    assert first.summary.central_reachable and first.summary.changes_applied > 0
    assert first.summary.availability_key is not None
    assert all(f.cause and f.action for f in first.findings)
    oat = next(f for f in first.findings if f.key == OAT)
    assert oat.action_taken and "hub owns store on hand" in oat.cause

    assert hub.sender.run_once().sent == 1
    at_central = CentralClient(central.base_url, timeout_s=2).store_availability(STORE)
    assert {row.gtin: row.on_hand for row in at_central} == {OAT: 11, GRANOLA: 0}

    second = hub.reconciler.run_once()
    assert second.summary.availability_key is None  # same ledger: nothing queued again
    assert not [f for f in second.findings if f.kind == "availability_mismatch"]


def test_drift_at_central_is_corrected_from_the_ledger(hub: Hub, central: ServedApp) -> None:
    hub.feed("staff-1", 1, "stock", _stock("receipt", OAT, 5))
    hub.reconciler.run_once()
    hub.sender.run_once()
    drifted = {"as_of": "2099-01-01T00:00:00Z", "items": [{"gtin": OAT, "on_hand": 40}]}
    httpx.put(f"{central.base_url}/v1/stores/{STORE}/availability", json=drifted).raise_for_status()

    run = hub.reconciler.run_once()
    (finding,) = [f for f in run.findings if f.kind == "availability_mismatch"]
    assert "central's copy differs" in finding.cause
    assert finding.detail == {"ledger": 5, "central": 40}
    assert run.summary.availability_key is not None
    assert run.summary.availability_key.endswith(f"-r{run.run_id}")


def test_central_down_still_reports_what_the_hub_can_see(hub: Hub, central: ServedApp) -> None:
    hub.feed("kiosk-1", 1, "scan", scan_payload(UNKNOWN_GTIN))
    hub.feed("kiosk-1", 4, "scan", scan_payload(UNKNOWN_GTIN))
    central.stop()
    run = hub.reconciler.run_once()
    assert not run.summary.central_reachable
    assert run.summary.error is not None and "central not reached" in run.summary.error
    assert {f.kind for f in run.findings} == {"unknown_gtin", "seq_gap"}


def test_the_report_is_served_by_the_hub_api(hub: Hub, db_path: Path) -> None:
    api_db = open_database(db_path, run_migrations=False)
    settings = HubSettings(store_id=STORE, db_path=db_path)
    with TestClient(create_app(settings, api_db), headers=api_headers(api_db)) as client:
        assert client.get("/api/v1/reconciliation/reports/latest").status_code == 404
        hub.feed("kiosk-1", 1, "scan", scan_payload(UNKNOWN_GTIN))
        run = hub.reconciler.run_once()
        listed = client.get("/api/v1/reconciliation/reports").json()
        latest = client.get("/api/v1/reconciliation/reports/latest").json()
        by_id = client.get(f"/api/v1/reconciliation/reports/{run.run_id}").json()
        missing = client.get("/api/v1/reconciliation/reports/999")
    assert [r["id"] for r in listed] == [run.run_id]
    assert latest == by_id
    assert latest["by_kind"] == {"unknown_gtin": 1}
    (item,) = latest["items"]
    assert item["id"] == f"unknown_gtin:{UNKNOWN_GTIN}"
    assert item["cause"].startswith("not in central's catalog") and not item["action_taken"]
    assert missing.status_code == 404
