"""Provides the write side of the hub's catalog copy: change-feed entries as the rows they
write (`PreparedChange`) and `apply_prepared`, which writes a page of them.

Applying a change is an idempotent upsert of the product snapshot it carries, and a product is
never moved back to an older version, so replaying a page changes nothing. The writes are shaped
for chain scale: one prepared statement per table run through `executemany`; a product that was
not stored before the page is inserted with its online stock straight away; for a product
already stored, its version, the columns that secondary indexes cover (name, brand, category,
... found from the schema) and its stock rows are read first: a product whose indexed columns
did not change is updated without them (its index entries stay where they are), and only the
stock rows that changed are written (a warehouse no longer listed is dropped). So a price
change rewrites one products row and nothing else. A stock row's `as_of` is the central time of
the page that last changed it; the product's `as_of` (what the hub shows) moves with every
change.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from operator import itemgetter
from typing import Any

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
_UPSERT_REVIEW = (
    "INSERT INTO reviews (id, gtin, rating, title, text, helpful_votes, created_at, as_of)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET"
    " rating = excluded.rating, title = excluded.title, text = excluded.text,"
    " helpful_votes = excluded.helpful_votes, as_of = excluded.as_of"
)
_IN_CHUNK = 500
_VERSION = PRODUCT_NAMES.index("version")

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


def _select_in(db: Database, head: str, keys: Sequence[str]) -> list[tuple[Any, ...]]:
    """Runs `{head} IN (keys)` in chunks and returns every row."""
    rows: list[tuple[Any, ...]] = []
    for start in range(0, len(keys), _IN_CHUNK):
        chunk = list(keys[start : start + _IN_CHUNK])
        rows += db.execute(f"{head} IN ({','.join('?' * len(chunk))})", chunk).fetchall()
    return rows


def _indexed_positions(db: Database) -> tuple[int, ...]:
    """Positions (in `PRODUCT_NAMES`) of the product columns a secondary index covers; every
    column when an index is on an expression."""
    columns: set[str] = set()
    for index in db.execute("PRAGMA index_list(products)").fetchall():
        for info in db.execute(f"PRAGMA index_info('{index[1]}')").fetchall():
            if info[2] is None:
                return tuple(range(1, len(PRODUCT_NAMES)))
            columns.add(str(info[2]))
    return tuple(i for i, name in enumerate(PRODUCT_NAMES) if i and name in columns)


def _stored_products(
    db: Database, gtins: Sequence[str], indexed: tuple[int, ...]
) -> dict[str, tuple[Any, ...]]:
    """`(version, *indexed column values)` of the stored products among `gtins`."""
    columns = ", ".join(PRODUCT_NAMES[i] for i in (_VERSION, *indexed))
    rows = _select_in(db, f"SELECT gtin, {columns} FROM products WHERE gtin", gtins)
    return {str(row[0]): tuple(row[1:]) for row in rows}


def _update_products(
    db: Database,
    changes: Sequence[PreparedChange],
    stored: dict[str, tuple[Any, ...]],
    indexed: tuple[int, ...],
) -> None:
    """Updates stored products: a product whose indexed columns did not change keeps its index
    entries (only the other columns are set); one whose did is rewritten whole."""
    refile = [c for c in changes if tuple(c.product[i] for i in indexed) != stored[c.gtin][1:]]
    moved = {c.gtin for c in refile}
    in_place = [c for c in changes if c.gtin not in moved]
    plain = [i for i in range(1, len(PRODUCT_NAMES)) if i not in indexed]
    if in_place and plain:
        pick = itemgetter(*plain, 0)  # values, then the gtin
        sets = ", ".join(f"{PRODUCT_NAMES[i]} = ?" for i in plain)
        rows = [pick(c.product) for c in in_place]
        db.conn.executemany(f"UPDATE products SET {sets} WHERE gtin = ?", rows)
    if refile:
        sets = ", ".join(f"{name} = ?" for name in PRODUCT_NAMES[1:])
        rows = [(*c.product[1:], c.gtin) for c in refile]
        db.conn.executemany(f"UPDATE products SET {sets} WHERE gtin = ?", rows)


def _replace_stock(db: Database, changes: Sequence[PreparedChange]) -> None:
    """Brings the online stock of stored products to their snapshots: rows that changed are
    upserted, warehouses no longer listed dropped, unchanged rows left as they are."""
    head = "SELECT gtin, warehouse, name, quantity, delivery_days FROM warehouse_stock WHERE gtin"
    old = {(r[0], r[1]): tuple(r[2:]) for r in _select_in(db, head, [c.gtin for c in changes])}
    rows = [row for c in changes for row in c.stock]
    db.conn.executemany(_UPSERT_STOCK, [r for r in rows if old.get((r[0], r[1])) != r[2:5]])
    listed = {(row[0], row[1]) for row in rows}
    gone = [key for key in old if key not in listed]
    db.conn.executemany("DELETE FROM warehouse_stock WHERE gtin = ? AND warehouse = ?", gone)


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
    indexed = _indexed_positions(db)
    stored = _stored_products(db, list(newest), indexed)
    new = [c for c in newest.values() if c.gtin not in stored]
    db.conn.executemany(_INSERT_PRODUCT, [c.product for c in new])
    db.conn.executemany(_INSERT_STOCK, [row for c in new for row in c.stock])
    newer = [c for c in newest.values() if c.gtin in stored and c.version >= stored[c.gtin][0]]
    if newer:
        _update_products(db, newer, stored, indexed)
        _replace_stock(db, newer)
    db.conn.executemany(_UPSERT_REVIEW, [c.review for c in changes if c.review is not None])


def apply_changes(db: Database, changes: Sequence[Change], as_of: datetime) -> None:
    """Applies change-feed entries (see `apply_prepared`)."""
    apply_prepared(db, prepare_changes(changes, as_of))


def apply_change(db: Database, change: Change, as_of: datetime) -> None:
    """Applies one change-feed entry (see `apply_changes`)."""
    apply_changes(db, [change], as_of)
