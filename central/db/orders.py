"""Provides the order and store-availability statements (functions taking a `Tx`)."""

from __future__ import annotations

from central.db.connection import Row, Tx
from contracts.catalog import Order, StoreAvailabilityItem, StoreAvailabilityRow


def order_by_key(tx: Tx, idempotency_key: str) -> Row | None:
    """Returns `{id, request_sha256, order_json}` of the order made with this key, if any."""
    return tx.one(
        "SELECT id, request_sha256, order_json FROM orders WHERE idempotency_key = :key",
        {"key": idempotency_key},
    )


def order_by_id(tx: Tx, order_id: str) -> Order | None:
    """Returns an order by id, or None."""
    row = tx.one("SELECT order_json FROM orders WHERE id = :id", {"id": order_id})
    return None if row is None else Order.model_validate_json(row["order_json"])


def insert_order(tx: Tx, order: Order, *, idempotency_key: str, request_sha256: str) -> None:
    """Stores an accepted order with the key and body hash it was made with."""
    tx.execute(
        """
        INSERT INTO orders (id, idempotency_key, request_sha256, order_json, created_at)
        VALUES (:id, :key, :sha, :order_json, :created_at)
        """,
        {
            "id": order.id,
            "key": idempotency_key,
            "sha": request_sha256,
            "order_json": order.model_dump_json(),
            "created_at": order.created_at.isoformat(),
        },
    )


def best_warehouse(tx: Tx, gtin: str, quantity: int) -> Row | None:
    """Returns the fastest warehouse holding `quantity` units of a product (ties by id)."""
    return tx.one(
        """
        SELECT warehouse, quantity, delivery_days FROM online_stock
        WHERE gtin = :gtin AND quantity >= :quantity
        ORDER BY delivery_days, warehouse LIMIT 1
        """,
        {"gtin": gtin, "quantity": quantity},
    )


def take_stock(tx: Tx, gtin: str, warehouse: str, quantity: int) -> None:
    """Removes `quantity` units of a product from a warehouse's online stock."""
    tx.execute(
        """
        UPDATE online_stock SET quantity = quantity - :quantity
        WHERE gtin = :gtin AND warehouse = :warehouse
        """,
        {"gtin": gtin, "warehouse": warehouse, "quantity": quantity},
    )


def upsert_availability(tx: Tx, store: str, item: StoreAvailabilityItem, as_of: str) -> bool:
    """Stores one availability row unless central holds one at least as new.

    Returns:
        True when the row was written, False when central's copy is as new or newer.
    """
    changed = tx.execute(
        """
        INSERT INTO store_availability (store, gtin, on_hand, as_of)
        VALUES (:store, :gtin, :on_hand, :as_of)
        ON CONFLICT (store, gtin) DO UPDATE SET on_hand = excluded.on_hand, as_of = excluded.as_of
        WHERE store_availability.as_of < excluded.as_of
        """,
        {"store": store, "gtin": item.gtin, "on_hand": item.on_hand, "as_of": as_of},
    )
    return changed > 0


def availability_of(tx: Tx, store: str) -> list[StoreAvailabilityRow]:
    """Returns a store's availability rows in GTIN order."""
    rows = tx.all(
        "SELECT gtin, on_hand, as_of FROM store_availability WHERE store = :store ORDER BY gtin",
        {"store": store},
    )
    return [StoreAvailabilityRow.model_validate(row) for row in rows]
