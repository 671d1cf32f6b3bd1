"""Provides the write side of the hub's catalog copy: change-feed entries as the rows they
write (`PreparedChange`) and `apply_prepared`, which writes a page of them.

Applying a change is an idempotent upsert of the product snapshot it carries, and a product is
never moved back to an older version, so replaying a page changes nothing. The writes are shaped
for chain scale: one prepared statement per table run through `executemany`; a product that was
not stored before the page is inserted with its online stock straight away; for a product
already stored, the upsert leaves the columns that secondary indexes cover (name, brand,
category, ... found from the schema) alone and a second statement sets them only on the rows
where they really changed, and online stock is upserted in place, so a price change rewrites
one products row and one stock row instead of re-filing every index entry of the product.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from operator import itemgetter

import orjson
from sqlite_utils import Database

from contracts.catalog import CatalogProduct, Change, Review
from hub.db.codec import to_db_time, to_json

PRODUCT_COLUMNS = (
    "gtin, name, brand, category, subcategory, description, image_url, currency, price_cents,"
    " online_price_cents, attributes, complements, age_min_months, age_max_months,"
    " rating_average, rating_count, version, updated_at, as_of"
)
PRODUCT_NAMES = [name.strip() for name in PRODUCT_COLUMNS.split(",")]
_INSERT_PRODUCT = (
    f"INSERT INTO products ({PRODUCT_COLUMNS}) VALUES ({','.join('?' * len(PRODUCT_NAMES))})"
)
_INSERT_STOCK = (
    "INSERT INTO warehouse_stock (gtin, warehouse, name, quantity, delivery_days, as_of)"
    " VALUES (?, ?, ?, ?, ?, ?)"
)
_UPSERT_STOCK = (
    _INSERT_STOCK + " ON CONFLICT (gtin, warehouse) DO UPDATE SET name = excluded.name,"
    " quantity = excluded.quantity, delivery_days = excluded.delivery_days,"
    " as_of = excluded.as_of"
)
_DELETE_OTHER_STOCK = (
    "DELETE FROM warehouse_stock WHERE gtin = ?"
    " AND warehouse NOT IN (SELECT value FROM json_each(?))"
)
_UPSERT_REVIEW = (
    "INSERT INTO reviews (id, gtin, rating, title, text, helpful_votes, created_at, as_of)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET"
    " rating = excluded.rating, title = excluded.title, text = excluded.text,"
    " helpful_votes = excluded.helpful_votes, as_of = excluded.as_of"
)
_IN_CHUNK = 500

Row = tuple[object, ...]


@dataclass(frozen=True, slots=True)
class PreparedChange:
    """One change-feed entry as the rows it writes: built where the page was parsed (the sync's
    fetch thread), applied where the database is.

    Attributes:
        cursor: the change's feed position.
        gtin: the product.
        version: the product snapshot's version.
        product: the products row (`PRODUCT_NAMES` order).
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
    """Turns change-feed entries (contract models) into the rows they write."""
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


def _indexed_columns(db: Database) -> set[str] | None:
    """Columns of products that a secondary index covers (None: an expression index)."""
    columns: set[str] = set()
    for index in db.execute("PRAGMA index_list(products)").fetchall():
        for info in db.execute(f"PRAGMA index_info('{index[1]}')").fetchall():
            if info[2] is None:
                return None
            columns.add(str(info[2]))
    return columns


def _update_products(db: Database, changes: Sequence[PreparedChange]) -> None:
    """Updates stored products: columns no index covers always, indexed ones where changed."""
    found = _indexed_columns(db)
    names = PRODUCT_NAMES[1:]
    indexed = [i for i, n in enumerate(PRODUCT_NAMES) if i and (found is None or n in found)]
    plain = [i for i in range(1, len(PRODUCT_NAMES)) if i not in indexed]
    if len(indexed) < len(names):
        pick = itemgetter(*plain, 0)  # values, then the gtin
        db.conn.executemany(
            "UPDATE products SET "
            + ", ".join(f"{PRODUCT_NAMES[i]} = ?" for i in plain)
            + " WHERE gtin = ?",
            [pick(c.product) for c in changes],
        )
    if indexed:
        pick = itemgetter(*[*indexed, 0, *indexed])  # values, gtin, values again to compare
        sets = ", ".join(f"{PRODUCT_NAMES[i]} = ?" for i in indexed)
        differs = " OR ".join(f"{PRODUCT_NAMES[i]} IS NOT ?" for i in indexed)
        db.conn.executemany(
            f"UPDATE products SET {sets} WHERE gtin = ? AND ({differs})",
            [pick(c.product) for c in changes],
        )


def _replace_stock(db: Database, changes: Sequence[PreparedChange]) -> None:
    """Upserts the online stock of stored products and drops warehouses they no longer list."""
    db.conn.executemany(_UPSERT_STOCK, [row for c in changes for row in c.stock])
    db.conn.executemany(
        _DELETE_OTHER_STOCK,
        [(c.gtin, orjson.dumps([row[1] for row in c.stock])) for c in changes],
    )


def apply_prepared(db: Database, changes: Sequence[PreparedChange]) -> None:
    """Writes prepared changes (call inside a write transaction).

    Each product ends as the newest snapshot among the stored one and those in `changes`
    (never moved back to an older version), with that snapshot's online stock; reviews are
    upserted in page order. Only the newest snapshot of a product in `changes` is written: each
    one replaces the whole product, so the earlier ones would be overwritten anyway.
    """
    newest: dict[str, PreparedChange] = {}
    for change in changes:
        seen = newest.get(change.gtin)
        if seen is None or change.version >= seen.version:
            newest[change.gtin] = change
    stored = _stored_versions(db, list(newest))
    new = [c for c in newest.values() if c.gtin not in stored]
    db.conn.executemany(_INSERT_PRODUCT, [c.product for c in new])
    db.conn.executemany(_INSERT_STOCK, [row for c in new for row in c.stock])
    newer = [c for c in newest.values() if c.gtin in stored and c.version >= stored[c.gtin]]
    if newer:
        _update_products(db, newer)
        _replace_stock(db, newer)
    db.conn.executemany(_UPSERT_REVIEW, [c.review for c in changes if c.review is not None])


def apply_changes(db: Database, changes: Sequence[Change], as_of: datetime) -> None:
    """Applies change-feed entries (see `apply_prepared`)."""
    apply_prepared(db, prepare_changes(changes, as_of))


def apply_change(db: Database, change: Change, as_of: datetime) -> None:
    """Applies one change-feed entry (see `apply_changes`)."""
    apply_changes(db, [change], as_of)
