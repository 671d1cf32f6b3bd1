"""Provides builders of real hub inputs for tests: envelopes, scan payloads, GTINs."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from contracts.catalog import CatalogProduct, Change, Review
from contracts.envelope import Envelope
from contracts.gtin import gs1_check_digit
from contracts.ids import new_ulid

T0 = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
OAT_MILK = "04006381333931"
UNKNOWN_GTIN = "04006381333948"


def gtin14(body13: str) -> str:
    """A GTIN-14 from its first 13 digits (check digit computed)."""
    return f"{body13}{gs1_check_digit(body13)}"


def unique_store() -> str:
    """A store id no other test uses (the session broker keeps sessions and retained state)."""
    return f"s{uuid.uuid4().hex[:10]}"


def scan_payload(gtin: str | None = OAT_MILK, **overrides: Any) -> dict[str, Any]:
    """A valid `scan` payload dict for `gtin`."""
    payload: dict[str, Any] = {
        "text": gtin[1:] if gtin else "HELLO",
        "symbology": "ean13" if gtin else "qr",
        "gtin": gtin,
        "gs1": {},
        "engine": "zxing",
        "frames_confirmed": 3,
        "time_to_scan_ms": 120.5,
    }
    payload.update(overrides)
    return payload


def make_envelope(store: str, device: str, seq: int, **overrides: Any) -> Envelope:
    """A valid scan envelope from `device` with sequence number `seq`."""
    ts = T0 + timedelta(seconds=seq)
    data: dict[str, Any] = {
        "v": 1,
        "id": new_ulid(int(ts.timestamp() * 1000)),
        "store": store,
        "device": device,
        "seq": seq,
        "ts": ts,
        "type": "scan",
        "payload": scan_payload(),
    }
    data.update(overrides)
    return Envelope.model_validate(data)


CEREAL = "05012345678900"
KETTLE = "00036000291452"  # UPC-A 036000291452
SPOON = gtin14("0501234567891")


def catalog_product(gtin: str, **overrides: Any) -> CatalogProduct:
    """A valid central catalog product."""
    data: dict[str, Any] = {
        "gtin": gtin,
        "name": f"Product {gtin[-5:]}",
        "brand": "Northfield",
        "category": "grocery",
        "currency": "EUR",
        "price_cents": 249,
        "online_price_cents": 229,
        "image_url": f"/v1/products/{gtin}/image.png",
        "version": 1,
        "updated_at": T0,
    }
    data.update(overrides)
    return CatalogProduct.model_validate(data)


def review(review_id: int, gtin: str, helpful_votes: int, rating: int = 4) -> Review:
    """A central review."""
    return Review(
        id=review_id,
        gtin=gtin,
        rating=rating,
        title=f"Review {review_id}",
        text="Fine product",
        helpful_votes=helpful_votes,
        created_at=T0,
    )


def change(cursor: int, product: CatalogProduct, review_: Review | None = None) -> Change:
    """A change-feed entry carrying `product` (and a review)."""
    return Change(
        cursor=cursor,
        kind="review" if review_ else "product",
        gtin=product.gtin,
        at=T0,
        product=product,
        review=review_,
    )
