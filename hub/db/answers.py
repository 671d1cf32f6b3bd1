"""Provides the reads behind a glasses answer: the device's profile, the scan, the product facts."""

from __future__ import annotations

import json
from dataclasses import dataclass

from sqlite_utils import Database

from hub.db import catalog, pricing, stock
from hub.domain.answers import AnswerFacts


@dataclass(frozen=True, slots=True)
class ScannedEvent:
    """An applied scan event, as the answer needs it.

    Attributes:
        gtin: the GTIN-14 the code carries, or None for a code that carries none.
    """

    event_id: str
    store: str
    device: str
    gtin: str | None


def device_profile(db: Database, device: str) -> str | None:
    """The profile (kiosk, glasses) a device last reported, or None before any state."""
    row = db.execute("SELECT profile FROM devices WHERE id = ?", [device]).fetchone()
    return None if row is None or row[0] is None else str(row[0])


def scanned_event(db: Database, event_id: str) -> ScannedEvent | None:
    """The applied scan with this id, or None when there is none (or it is not a scan)."""
    row = db.execute(
        "SELECT store, device, payload FROM events WHERE id = ? AND type = 'scan'", [event_id]
    ).fetchone()
    if row is None:
        return None
    gtin = json.loads(row[2]).get("gtin")
    return ScannedEvent(event_id, str(row[0]), str(row[1]), None if gtin is None else str(gtin))


def answer_facts(db: Database, gtin: str) -> AnswerFacts | None:
    """What the answer says about a product; None when the catalog does not hold it."""
    record = catalog.get_product(db, gtin)
    if record is None:
        return None
    product = record.product
    return AnswerFacts(
        name=product.name,
        store_price_cents=pricing.store_prices_of(db, [gtin]).get(gtin, product.price_cents),
        online_price_cents=product.online_price_cents,
        on_hand=stock.on_hand(db, gtin),
        shelf_location=stock.shelf_location(db, gtin),
    )
