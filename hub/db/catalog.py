"""Provides the hub's local copy of central's catalog: products, online stock, reviews, and the
change-feed sync state (cursor, as_of, central reachability).

Writing changes lives in `hub.db.catalog_write` (re-exported here): applying a change is an
idempotent upsert of the product snapshot it carries, and a product is never moved back to an
older version, so replaying a page changes nothing.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlite_utils import Database

from contracts.catalog import CatalogProduct, Review, WarehouseStockLevel
from hub.db.catalog_write import (
    PRODUCT_COLUMNS,
    PRODUCT_NAMES,
    PreparedChange,
    Row,
    apply_change,
    apply_changes,
    apply_prepared,
    prepare_changes,
)
from hub.db.codec import from_db_time, from_json, optional_time, to_db_time

CATALOG_FEED = "catalog"

__all__ = [
    "PreparedChange",
    "Row",
    "apply_change",
    "apply_changes",
    "apply_prepared",
    "prepare_changes",
]


@dataclass(frozen=True, slots=True)
class ProductRecord:
    """A product of the local copy and when the hub's copy of it was current (`as_of`)."""

    product: CatalogProduct
    as_of: datetime


@dataclass(frozen=True, slots=True)
class SyncState:
    """Where the hub stands in central's change feed, and how the last attempts went.

    Attributes:
        cursor: the last change applied; the next pull asks for changes after it.
        caught_up_as_of: central's time when the hub last had every change (None before that).
    """

    cursor: int
    as_of: datetime | None
    caught_up_as_of: datetime | None
    changes_applied: int
    last_attempt_at: datetime | None
    last_success_at: datetime | None
    last_failure_at: datetime | None
    last_error: str | None

    @property
    def central_reachable(self) -> bool:
        """True when the latest attempt to reach central succeeded."""
        if self.last_success_at is None:
            return False
        return self.last_failure_at is None or self.last_success_at >= self.last_failure_at


_PRODUCT_COLUMNS = PRODUCT_COLUMNS
_PRODUCT_NAMES = PRODUCT_NAMES


def _product(row: tuple[Any, ...], online_stock: list[WarehouseStockLevel]) -> ProductRecord:
    names = _PRODUCT_NAMES
    data = dict(zip(names, row, strict=True))
    as_of = from_db_time(data.pop("as_of"))
    data["attributes"] = from_json(data["attributes"])
    data["complements"] = from_json(data["complements"])
    data["updated_at"] = optional_time(data["updated_at"])
    data["online_stock"] = online_stock
    return ProductRecord(CatalogProduct.model_validate(data), as_of)


def online_stock(db: Database, gtin: str) -> list[WarehouseStockLevel]:
    """Online stock of a product per warehouse, fastest delivery first."""
    rows = db.execute(
        "SELECT warehouse, name, quantity, delivery_days FROM warehouse_stock WHERE gtin = ?"
        " ORDER BY delivery_days, warehouse",
        [gtin],
    ).fetchall()
    return [
        WarehouseStockLevel(warehouse=r[0], name=r[1], quantity=r[2], delivery_days=r[3])
        for r in rows
    ]


def get_product(db: Database, gtin: str) -> ProductRecord | None:
    """A product of the local copy with its online stock, or None if the hub does not have it."""
    row = db.execute(f"SELECT {_PRODUCT_COLUMNS} FROM products WHERE gtin = ?", [gtin]).fetchone()
    return None if row is None else _product(tuple(row), online_stock(db, gtin))


def get_products(db: Database, gtins: Iterable[str]) -> dict[str, ProductRecord]:
    """Products of the local copy by GTIN (missing GTINs are left out)."""
    found = {}
    for gtin in dict.fromkeys(gtins):
        record = get_product(db, gtin)
        if record is not None:
            found[gtin] = record
    return found


def product_exists(db: Database, gtin: str) -> bool:
    """Whether the local copy holds this GTIN-14."""
    return db.execute("SELECT 1 FROM products WHERE gtin = ?", [gtin]).fetchone() is not None


def top_reviews(db: Database, gtin: str, *, limit: int) -> list[Review]:
    """The most helpful reviews of a product (ties: newest first)."""
    rows = db.execute(
        "SELECT id, gtin, rating, title, text, helpful_votes, created_at FROM reviews"
        " WHERE gtin = ? ORDER BY helpful_votes DESC, created_at DESC LIMIT ?",
        [gtin, limit],
    ).fetchall()
    return [
        Review(
            id=r[0],
            gtin=r[1],
            rating=r[2],
            title=r[3],
            text=r[4],
            helpful_votes=r[5],
            created_at=from_db_time(r[6]),
        )
        for r in rows
    ]


def load_sync_state(db: Database, feed: str = CATALOG_FEED) -> SyncState:
    """The sync state of a feed (a fresh state at cursor 0 if the feed was never pulled)."""
    row = db.execute(
        "SELECT cursor, as_of, caught_up_as_of, changes_applied, last_attempt_at,"
        " last_success_at, last_failure_at, last_error FROM sync_state WHERE name = ?",
        [feed],
    ).fetchone()
    if row is None:
        return SyncState(0, None, None, 0, None, None, None, None)
    return SyncState(
        cursor=int(row[0]),
        as_of=optional_time(row[1]),
        caught_up_as_of=optional_time(row[2]),
        changes_applied=int(row[3]),
        last_attempt_at=optional_time(row[4]),
        last_success_at=optional_time(row[5]),
        last_failure_at=optional_time(row[6]),
        last_error=row[7],
    )


def _ensure_feed(db: Database, feed: str) -> None:
    db.execute("INSERT OR IGNORE INTO sync_state (name) VALUES (?)", [feed])


def save_sync_progress(
    db: Database, *, cursor: int, as_of: datetime, caught_up: bool, applied: int, now: datetime
) -> None:
    """Stores the cursor after a page (call inside the page's transaction) and marks success."""
    _ensure_feed(db, CATALOG_FEED)
    stamp = to_db_time(as_of)
    db.execute(
        "UPDATE sync_state SET cursor = ?, as_of = ?, changes_applied = changes_applied + ?,"
        " caught_up_as_of = CASE WHEN ? THEN ? ELSE caught_up_as_of END,"
        " last_attempt_at = ?, last_success_at = ? WHERE name = ?",
        [
            cursor,
            stamp,
            applied,
            int(caught_up),
            stamp,
            to_db_time(now),
            to_db_time(now),
            CATALOG_FEED,
        ],
    )


def record_sync_failure(db: Database, error: str, now: datetime) -> None:
    """Marks a failed attempt to reach central, with the reason."""
    _ensure_feed(db, CATALOG_FEED)
    db.execute(
        "UPDATE sync_state SET last_attempt_at = ?, last_failure_at = ?, last_error = ?"
        " WHERE name = ?",
        [to_db_time(now), to_db_time(now), error, CATALOG_FEED],
    )
