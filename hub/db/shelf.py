"""Provides what devices and tills saw at the shelf: sightings (units seen, label price) and the
latest shelf price per product.

A sighting is evidence, not a movement: it never changes on-hand. Reconciliation compares it
with the ledger (units seen on a shelf the ledger says is empty) and the shelf price with
central's price.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from sqlite_utils import Database

from hub.db.codec import from_db_time, to_db_time

PriceSource = Literal["sighting", "pos"]


@dataclass(frozen=True, slots=True)
class Sighting:
    """Units of a product seen on the shelf by a device."""

    source_event: str
    gtin: str
    device: str
    location: str | None
    units_seen: int
    shelf_price_cents: int | None
    seen_at: datetime


@dataclass(frozen=True, slots=True)
class ShelfPrice:
    """The latest price seen for a product in the store (shelf label or till)."""

    gtin: str
    price_cents: int
    source: PriceSource
    source_event: str
    seen_at: datetime


def record_sighting(db: Database, sighting: Sighting, now: datetime) -> bool:
    """Stores a sighting once per source event; returns False if it was already there."""
    cursor = db.execute(
        "INSERT OR IGNORE INTO shelf_sightings (source_event, gtin, device, location,"
        " units_seen, shelf_price_cents, seen_at, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        [
            sighting.source_event,
            sighting.gtin,
            sighting.device,
            sighting.location,
            sighting.units_seen,
            sighting.shelf_price_cents,
            to_db_time(sighting.seen_at),
            to_db_time(now),
        ],
    )
    return cursor.rowcount == 1


def latest_sightings(db: Database) -> list[Sighting]:
    """The most recently recorded sighting of each product, by GTIN."""
    rows = db.execute(
        "SELECT source_event, gtin, device, location, units_seen, shelf_price_cents, seen_at"
        " FROM shelf_sightings s WHERE recorded_at = (SELECT MAX(recorded_at)"
        " FROM shelf_sightings t WHERE t.gtin = s.gtin) GROUP BY gtin ORDER BY gtin"
    ).fetchall()
    return [
        Sighting(str(r[0]), str(r[1]), str(r[2]), r[3], int(r[4]), r[5], from_db_time(r[6]))
        for r in rows
    ]


def record_shelf_price(db: Database, price: ShelfPrice) -> None:
    """Keeps the newest price seen for a product (by device time; ties keep the first)."""
    db.execute(
        "INSERT INTO shelf_prices (gtin, price_cents, source, source_event, seen_at)"
        " VALUES (?, ?, ?, ?, ?) ON CONFLICT (gtin) DO UPDATE SET"
        " price_cents = excluded.price_cents, source = excluded.source,"
        " source_event = excluded.source_event, seen_at = excluded.seen_at"
        " WHERE excluded.seen_at > shelf_prices.seen_at",
        [
            price.gtin,
            price.price_cents,
            price.source,
            price.source_event,
            to_db_time(price.seen_at),
        ],
    )


def shelf_prices(db: Database) -> list[ShelfPrice]:
    """The latest shelf price of every product seen, by GTIN."""
    rows = db.execute(
        "SELECT gtin, price_cents, source, source_event, seen_at FROM shelf_prices ORDER BY gtin"
    ).fetchall()
    return [ShelfPrice(str(r[0]), int(r[1]), r[2], str(r[3]), from_db_time(r[4])) for r in rows]
