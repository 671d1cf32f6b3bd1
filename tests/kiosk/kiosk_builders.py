"""Provides kiosk test builders: cards, scans, envelopes, a seeded hub catalog, a served hub."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
import uvicorn
from fastapi import FastAPI
from hub_tokens import api_token
from sqlite_utils import Database

from contracts.cards import Complement, ProductCard, ReviewSnippet, WarehouseStock
from contracts.catalog import CatalogProduct, Change, Review
from contracts.envelope import ENVELOPE_VERSION, Envelope
from contracts.ids import new_ulid
from contracts.payloads import ScanPayload, payload_dict
from hub.db import catalog, stock
from hub.db.stock import Movement
from kiosk.hub_client import HubClient

AS_OF = datetime(2026, 11, 21, 11, 0, tzinfo=UTC)
OAT_MILK_GTIN = "04006381333931"
WAIT_S = 10.0
KIOSK_DEVICE = "kiosk-1"


def build_card(**overrides: Any) -> ProductCard:
    """A complete product card; any field can be overridden."""
    fields: dict[str, Any] = {
        "gtin": OAT_MILK_GTIN,
        "name": "Oat milk 1 l",
        "brand": "Oatly",
        "category": "grocery",
        "description": "Oat drink, chilled.",
        "image_url": None,
        "currency": "EUR",
        "store_price_cents": 249,
        "online_price_cents": 229,
        "on_hand": 14,
        "shelf_location": "Aisle 5, bay 2",
        "online_stock": [
            WarehouseStock(warehouse="w2", name="South DC", quantity=0, delivery_days=1),
            WarehouseStock(warehouse="w1", name="North DC", quantity=120, delivery_days=2),
        ],
        "rating_average": 4.3,
        "rating_count": 128,
        "top_reviews": [
            ReviewSnippet(rating=5, title="Creamy", text="Great in coffee.", helpful_votes=12)
        ],
        "complements": [
            Complement(gtin="04006381333948", name="Granola", store_price_cents=399, on_hand=6),
            Complement(gtin="04006381333955", name="Cold brew", store_price_cents=299, on_hand=0),
        ],
        "catalog_as_of": AS_OF,
        "central_reachable": True,
    }
    fields.update(overrides)
    return ProductCard.model_validate(fields)


def build_scan(**overrides: Any) -> ScanPayload:
    """A confirmed EAN-13 scan of the oat milk; any field can be overridden."""
    fields: dict[str, Any] = {
        "text": OAT_MILK_GTIN[1:],
        "symbology": "ean13",
        "gtin": OAT_MILK_GTIN,
        "engine": "zxing",
        "frames_confirmed": 3,
        "time_to_scan_ms": 80.0,
    }
    fields.update(overrides)
    return ScanPayload.model_validate(fields)


def build_envelope(
    scan: ScanPayload, *, store: str, device: str, seq: int = 1, event_type: str = "scan"
) -> Envelope:
    """A scan envelope as the kiosk's edge agent publishes it."""
    now = datetime.now(UTC)
    return Envelope(
        v=ENVELOPE_VERSION,
        id=new_ulid(int(now.timestamp() * 1000)),
        store=store,
        device=device,
        seq=seq,
        ts=now,
        type=event_type,
        payload=payload_dict(scan),
    )


# --- a real hub over a seeded SQLite catalog -------------------------------------------------

HUB_STORE = "kiosk-test-store"
GRANOLA_GTIN = "05012345678900"
KETTLE_GTIN = "00036000291452"
UNSTOCKED_GTIN = "04006381333948"  # valid check digit, not in the catalog
HUB_AS_OF = datetime(2026, 11, 21, 9, 30, tzinfo=UTC)


def _product(gtin: str, **overrides: Any) -> CatalogProduct:
    data: dict[str, Any] = {
        "gtin": gtin,
        "name": f"Product {gtin[-5:]}",
        "brand": "Northfield",
        "category": "grocery",
        "currency": "EUR",
        "price_cents": 249,
        "online_price_cents": 229,
        "version": 1,
        "updated_at": HUB_AS_OF,
    }
    data.update(overrides)
    return CatalogProduct.model_validate(data)


def _oat_milk() -> CatalogProduct:
    return _product(
        OAT_MILK_GTIN,
        name="Oat drink 1 l",
        brand="Oatly",
        complements=[GRANOLA_GTIN, KETTLE_GTIN],
        online_stock=[
            {"warehouse": "wh-south", "name": "South DC", "quantity": 40, "delivery_days": 3},
            {"warehouse": "wh-north", "name": "North DC", "quantity": 5, "delivery_days": 1},
        ],
        rating_average=4.5,
        rating_count=2,
    )


def _catalog_changes() -> list[Change]:
    oat = _oat_milk()
    review = Review(
        id=1,
        gtin=OAT_MILK_GTIN,
        rating=5,
        title="Creamy",
        text="Great in coffee.",
        helpful_votes=9,
        created_at=HUB_AS_OF,
    )
    products = [
        oat,
        _product(GRANOLA_GTIN, name="Granola", price_cents=399),
        _product(KETTLE_GTIN, name="Kettle", price_cents=2999, online_price_cents=2999),
    ]
    changes = [
        Change(cursor=cursor, kind="product", gtin=product.gtin, at=HUB_AS_OF, product=product)
        for cursor, product in enumerate(products, start=1)
    ]
    changes.append(
        Change(cursor=4, kind="review", gtin=oat.gtin, at=HUB_AS_OF, product=oat, review=review)
    )
    return changes


def seed_hub_catalog(db: Database) -> None:
    """Oat milk (stocked, shelf, two warehouses, a review, complements), granola, a kettle."""
    with db.atomic():
        for change in _catalog_changes():
            catalog.apply_change(db, change, HUB_AS_OF)
        for gtin, quantity in ((OAT_MILK_GTIN, 14), (GRANOLA_GTIN, 6)):
            stock.record_movement(db, Movement(gtin, "receipt", quantity, "seed:kiosk"), HUB_AS_OF)
        stock.set_shelf_location(db, OAT_MILK_GTIN, "Aisle 5, bay 2", source="seed", now=HUB_AS_OF)


@dataclass
class SeededHub:
    """The real hub app over a seeded database file."""

    app: FastAPI
    db: Database

    def client(self, *, timeout_s: float = 2.0) -> HubClient:
        """A kiosk hub client that reaches this app in process (httpx ASGITransport)."""
        transport = httpx.ASGITransport(app=self.app)
        return HubClient(
            "http://hub.test",
            timeout_s=timeout_s,
            device_id=KIOSK_DEVICE,
            token=self.kiosk_token(),
            transport=transport,
        )

    def kiosk_token(self) -> str:
        """A fresh live kiosk token of this hub (`tests/hub_tokens.py`)."""
        return api_token(self.db, device=KIOSK_DEVICE, role="kiosk")

    def mark_central_reachable(self, as_of: datetime) -> None:
        """Records a successful catalog sync, as the hub's sync loop would."""
        with self.db.atomic():
            catalog.save_sync_progress(
                self.db, cursor=4, as_of=as_of, caught_up=True, applied=4, now=as_of
            )


class ServedHub:
    """An ASGI app served by uvicorn in a thread on a given loopback port."""

    def __init__(self, app: FastAPI, port: int) -> None:
        config = uvicorn.Config(
            app, host="127.0.0.1", port=port, log_level="warning", timeout_graceful_shutdown=1
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, name="kiosk-test-hub", daemon=True)
        self._thread.start()
        deadline = time.monotonic() + WAIT_S
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                pytest.fail(f"uvicorn did not start on port {port}")
            time.sleep(0.01)

    def stop(self) -> None:
        """Asks uvicorn to exit and waits for its thread."""
        self._server.should_exit = True
        self._thread.join(WAIT_S)
        assert not self._thread.is_alive(), "uvicorn did not stop"
