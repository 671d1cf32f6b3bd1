"""Provides the change-feed statements: append a change, read a page after a cursor."""

from __future__ import annotations

import json
from datetime import datetime

from central.db.connection import Row, Tx, iso_utc
from contracts.catalog import CatalogProduct, Change, ChangeKind, Review


def next_cursor(tx: Tx) -> int:
    """Allocates the next feed cursor inside the caller's write transaction.

    The counter row's update holds a row lock until commit (PostgreSQL) or runs under the database
    write lock (SQLite), so cursors become visible in commit order and a reader never skips one.
    """
    value = tx.scalar("UPDATE feed_counter SET value = value + 1 WHERE id = 1 RETURNING value")
    return int(value)


def append_change(
    tx: Tx,
    kind: ChangeKind,
    product: CatalogProduct,
    *,
    at: datetime,
    review: Review | None = None,
) -> int:
    """Appends one change carrying the product snapshot (stamped with its cursor and time).

    Returns:
        The new change's cursor.
    """
    cursor = next_cursor(tx)
    stamped = product.model_copy(update={"version": cursor, "updated_at": at})
    tx.execute(
        """
        INSERT INTO changes (cursor, kind, gtin, at, product_json, review_json)
        VALUES (:cursor, :kind, :gtin, :at, :product_json, :review_json)
        """,
        {
            "cursor": cursor,
            "kind": kind,
            "gtin": product.gtin,
            "at": iso_utc(at),
            "product_json": stamped.model_dump_json(),
            "review_json": None if review is None else review.model_dump_json(),
        },
    )
    return cursor


def changes_after(tx: Tx, cursor: int, limit: int) -> list[Change]:
    """Returns up to `limit` changes with a cursor greater than `cursor`, oldest first."""
    rows = tx.all(
        """
        SELECT cursor, kind, gtin, at, product_json, review_json FROM changes
        WHERE cursor > :cursor ORDER BY cursor LIMIT :limit
        """,
        {"cursor": cursor, "limit": limit},
    )
    return [_change(row) for row in rows]


def changes_after_json(tx: Tx, cursor: int, limit: int) -> list[tuple[int, str]]:
    """Returns up to `limit` changes after `cursor` as `(cursor, Change JSON)`, oldest first.

    The JSON is assembled from the stored snapshots (validated when they were written) without
    a model round trip: the change feed is the one read whose size grows with the catalog.
    """
    rows = tx.all(
        """
        SELECT cursor, kind, gtin, at, product_json, review_json FROM changes
        WHERE cursor > :cursor ORDER BY cursor LIMIT :limit
        """,
        {"cursor": cursor, "limit": limit},
    )
    return [
        (
            int(row["cursor"]),
            f'{{"cursor":{int(row["cursor"])},"kind":{json.dumps(row["kind"])},'
            f'"gtin":{json.dumps(row["gtin"])},"at":{json.dumps(row["at"])},'
            f'"product":{row["product_json"]},"review":{row["review_json"] or "null"}}}',
        )
        for row in rows
    ]


def _change(row: Row) -> Change:
    review_json = row["review_json"]
    return Change.model_validate(
        {
            "cursor": row["cursor"],
            "kind": row["kind"],
            "gtin": row["gtin"],
            "at": row["at"],
            "product": CatalogProduct.model_validate_json(row["product_json"]),
            "review": None if review_json is None else Review.model_validate_json(review_json),
        }
    )


def last_cursor(tx: Tx) -> int:
    """Returns the newest cursor in the feed (0 when it is empty)."""
    return int(tx.scalar("SELECT value FROM feed_counter WHERE id = 1") or 0)
