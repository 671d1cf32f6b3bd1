"""Provides the hub's local copy of central's catalog: products, online stock, reviews, and the
change-feed sync state (cursor, as_of, central reachability).

Applying a change is an idempotent upsert of the product snapshot it carries, and a product is
never moved back to an older version, so replaying a page changes nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlite_utils import Database

from contracts.catalog import CatalogProduct, Change, Review, WarehouseStockLevel
from hub.db.codec import from_db_time, from_json, optional_time, to_db_time, to_json

CATALOG_FEED = "catalog"


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


_PRODUCT_COLUMNS = (
    "gtin, name, brand, category, subcategory, description, image_url, currency, price_cents,"
    " online_price_cents, attributes, complements, age_min_months, age_max_months,"
    " rating_average, rating_count, version, updated_at, as_of"
)


_PRODUCT_NAMES = [name.strip() for name in _PRODUCT_COLUMNS.split(",")]
_UPSERT_PRODUCT = (
    f"INSERT INTO products ({_PRODUCT_COLUMNS}) VALUES ({','.join('?' * len(_PRODUCT_NAMES))})"
    " ON CONFLICT (gtin) DO UPDATE SET "
    + ", ".join(f"{name} = excluded.{name}" for name in _PRODUCT_NAMES[1:])
    + " WHERE excluded.version >= products.version"
)
_IN_CHUNK = 500


Row = tuple[object, ...]


@dataclass(frozen=True, slots=True)
class PreparedChange:
    """One change-feed entry as the rows it writes: built where the page was parsed (possibly
    another process), applied where the database is.

    Attributes:
        cursor: the change's feed position.
        gtin: the product.
        version: the product snapshot's version.
        product: the products row.
        stock: the product's warehouse_stock rows.
        review: the reviews row, for a review change.
    """

    cursor: int
    gtin: str
    version: int
    product: Row
    stock: tuple[Row, ...]
    review: Row | None


def _product_params(product: CatalogProduct, as_of: str) -> Row:
    return (
        product.gtin,
        product.name,
        product.brand,
        product.category,
        product.subcategory,
        product.description,
        product.image_url,
        product.currency,
        product.price_cents,
        product.online_price_cents,
        to_json(product.attributes),
        to_json(product.complements),
        product.age_min_months,
        product.age_max_months,
        product.rating_average,
        product.rating_count,
        product.version,
        None if product.updated_at is None else to_db_time(product.updated_at),
        as_of,
    )


def _review_params(review: Review, as_of: str) -> Row:
    created = to_db_time(review.created_at)
    return (
        review.id,
        review.gtin,
        review.rating,
        review.title,
        review.text,
        review.helpful_votes,
        created,
        as_of,
    )


def prepare_changes(changes: Sequence[Change], as_of: datetime) -> list[PreparedChange]:
    """Turns change-feed entries into the rows they write (no database needed)."""
    stamp = to_db_time(as_of)
    return [
        PreparedChange(
            c.cursor,
            c.product.gtin,
            c.product.version,
            _product_params(c.product, stamp),
            tuple(
                (c.product.gtin, lvl.warehouse, lvl.name, lvl.quantity, lvl.delivery_days, stamp)
                for lvl in c.product.online_stock
            ),
            None if c.review is None else _review_params(c.review, stamp),
        )
        for c in changes
    ]


def _stored_versions(db: Database, gtins: Sequence[str]) -> dict[str, int]:
    found: dict[str, int] = {}
    for start in range(0, len(gtins), _IN_CHUNK):
        chunk = list(gtins[start : start + _IN_CHUNK])
        rows = db.execute(
            f"SELECT gtin, version FROM products WHERE gtin IN ({','.join('?' * len(chunk))})",
            chunk,
        ).fetchall()
        found.update((str(gtin), int(version)) for gtin, version in rows)
    return found


def apply_prepared(db: Database, changes: Sequence[PreparedChange]) -> None:
    """Writes prepared changes in order (call inside a write transaction).

    A product is never moved back to an older version. Online stock is replaced from the
    newest snapshot of each product in `changes`, when that snapshot is the stored one.
    """
    db.conn.executemany(_UPSERT_PRODUCT, [c.product for c in changes])
    newest = {c.gtin: c for c in changes}
    stored = _stored_versions(db, list(newest))
    current = [c for gtin, c in newest.items() if stored.get(gtin) == c.version]
    db.conn.executemany("DELETE FROM warehouse_stock WHERE gtin = ?", [(c.gtin,) for c in current])
    db.conn.executemany(
        "INSERT INTO warehouse_stock (gtin, warehouse, name, quantity, delivery_days, as_of)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        [row for c in current for row in c.stock],
    )
    db.conn.executemany(
        "INSERT INTO reviews (id, gtin, rating, title, text, helpful_votes, created_at, as_of)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET"
        " rating = excluded.rating, title = excluded.title, text = excluded.text,"
        " helpful_votes = excluded.helpful_votes, as_of = excluded.as_of",
        [c.review for c in changes if c.review is not None],
    )


def apply_changes(db: Database, changes: Sequence[Change], as_of: datetime) -> None:
    """Applies change-feed entries in order (see `apply_prepared`)."""
    apply_prepared(db, prepare_changes(changes, as_of))


def apply_change(db: Database, change: Change, as_of: datetime) -> None:
    """Applies one change-feed entry (see `apply_changes`)."""
    apply_changes(db, [change], as_of)


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
