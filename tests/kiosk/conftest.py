"""Provides kiosk test builders: real product cards, scan payloads and scan envelopes."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest

from contracts.cards import Complement, ProductCard, ReviewSnippet, WarehouseStock
from contracts.envelope import ENVELOPE_VERSION, Envelope
from contracts.ids import new_ulid
from contracts.payloads import ScanPayload, payload_dict

AS_OF = datetime(2026, 11, 21, 11, 0, tzinfo=UTC)
OAT_MILK_GTIN = "04006381333931"


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


@pytest.fixture
def make_card() -> Callable[..., ProductCard]:
    """The `build_card` builder."""
    return build_card


@pytest.fixture
def make_scan() -> Callable[..., ScanPayload]:
    """The `build_scan` builder."""
    return build_scan


@pytest.fixture
def make_envelope() -> Callable[..., Envelope]:
    """The `build_envelope` builder."""
    return build_envelope
