"""Provides delivery orders in the hub database: taken from a kiosk (idempotent by key), queued
in the central outbox in the same transaction, and updated with central's answer.

Functions take a `Database` and run inside the caller's write transaction.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from pydantic import ValidationError
from sqlite_utils import Database

from contracts.catalog import ErrorBody, Order, OrderLine, OrderRequest
from contracts.ids import new_ulid
from contracts.orders import DeliveryOrder, DeliveryOrderLine, DeliveryOrderRequest, OrderState
from hub.db import catalog
from hub.db.codec import from_db_time, to_db_time
from hub.errors import IdempotencyKeyReused, NotFound, NotSoldOnline, UnknownProduct
from hub.outbox import store as outbox
from hub.outbox.sender import Delivery
from hub.outbox.store import OutboxRow, OutboxWrite

ORDER_KIND = "order"
ORDERS_PATH = "/v1/orders"
MAX_REASON_CHARS = 300
_SELECT = (
    "SELECT o.id, o.state, o.device, o.lines, o.created_at, o.updated_at, o.central_order_id,"
    " o.currency, o.total_cents, o.delivery_days, o.failure_reason, COALESCE(x.attempts, 0),"
    " o.request_sha256 FROM delivery_orders o"
    " LEFT JOIN central_outbox x ON x.idempotency_key = o.outbox_key"
)


def request_digest(request: DeliveryOrderRequest) -> str:
    """SHA-256 of a request's canonical JSON (a reused key must carry the same request)."""
    return hashlib.sha256(request.model_dump_json().encode()).hexdigest()


def _order(row: Sequence[object], *, central_reachable: bool) -> DeliveryOrder:
    return DeliveryOrder(
        id=str(row[0]),
        state=row[1],
        device=str(row[2]),
        lines=[DeliveryOrderLine.model_validate(line) for line in json.loads(str(row[3]))],
        created_at=from_db_time(str(row[4])),
        updated_at=from_db_time(str(row[5])),
        central_order_id=row[6],
        currency=row[7],
        total_cents=row[8],
        delivery_days=row[9],
        failure_reason=row[10],
        attempts=int(str(row[11])),
        central_reachable=central_reachable,
    )


def _priced_lines(db: Database, request: DeliveryOrderRequest) -> list[DeliveryOrderLine]:
    lines = []
    for line in request.lines:
        record = catalog.get_product(db, line.gtin)
        if record is None:
            raise UnknownProduct(f"GTIN {line.gtin} is not in this store's catalog")
        if record.product.online_price_cents is None:
            raise NotSoldOnline(f"{record.product.name} ({line.gtin}) is not sold online")
        lines.append(
            DeliveryOrderLine(gtin=line.gtin, name=record.product.name, quantity=line.quantity)
        )
    return lines


def _existing(db: Database, key: str, digest: str) -> DeliveryOrder | None:
    found = db.execute(f"{_SELECT} WHERE o.idempotency_key = ?", [key]).fetchone()
    if found is None:
        return None
    if found[12] != digest:
        raise IdempotencyKeyReused(f"Idempotency-Key {key!r} was used for another order")
    return _order(found, central_reachable=catalog.load_sync_state(db).central_reachable)


def place_order(
    db: Database, request: DeliveryOrderRequest, *, key: str, store_id: str, now: datetime
) -> tuple[DeliveryOrder, bool]:
    """Takes a delivery order and queues it for central, or returns the one made with `key`.

    Returns:
        The order and whether this call created it.

    Raises:
        IdempotencyKeyReused: `key` was used for a different order.
        UnknownProduct, NotSoldOnline: a line cannot be ordered for delivery.
    """
    digest = request_digest(request)
    existing = _existing(db, key, digest)
    if existing is not None:
        return existing, False
    lines = _priced_lines(db, request)
    order_id = "hord_" + new_ulid(int(now.timestamp() * 1000))
    outbox_key = f"{store_id}.{key}"
    _NewOrder(order_id, key, digest, outbox_key, request.device, lines, now).insert(db)
    central_request = OrderRequest(
        store=store_id,
        lines=[OrderLine(gtin=line.gtin, quantity=line.quantity) for line in lines],
        customer_ref=order_id,
    )
    write = OutboxWrite(
        ORDER_KIND, outbox_key, "POST", ORDERS_PATH, central_request.model_dump_json(), order_id
    )
    outbox.enqueue(db, write, now=now)
    return get_order(db, order_id), True


@dataclass(frozen=True, slots=True)
class _NewOrder:
    """The row of an order being taken."""

    id: str
    key: str
    digest: str
    outbox_key: str
    device: str
    lines: list[DeliveryOrderLine]
    at: datetime

    def insert(self, db: Database) -> None:
        stamp = to_db_time(self.at)
        db.table("delivery_orders").insert(
            {
                "id": self.id,
                "idempotency_key": self.key,
                "request_sha256": self.digest,
                "device": self.device,
                "lines": json.dumps([line.model_dump() for line in self.lines]),
                "state": "queued",
                "outbox_key": self.outbox_key,
                "created_at": stamp,
                "updated_at": stamp,
            }
        )


def get_order(db: Database, order_id: str) -> DeliveryOrder:
    """One delivery order.

    Raises:
        NotFound: no order has this id.
    """
    found = db.execute(f"{_SELECT} WHERE o.id = ?", [order_id]).fetchone()
    if found is None:
        raise NotFound(f"no order with id {order_id!r}")
    return _order(found, central_reachable=catalog.load_sync_state(db).central_reachable)


def list_orders(
    db: Database, *, states: Sequence[OrderState] = (), limit: int
) -> list[DeliveryOrder]:
    """Delivery orders, newest first; all states when `states` is empty."""
    where, params = "", list[object]()
    if states:
        where = f" WHERE o.state IN ({','.join('?' * len(states))})"
        params = list(states)
    rows = db.execute(
        f"{_SELECT}{where} ORDER BY o.created_at DESC, o.id DESC LIMIT ?", [*params, limit]
    ).fetchall()
    reachable = catalog.load_sync_state(db).central_reachable
    return [_order(row, central_reachable=reachable) for row in rows]


def _refusal_reason(delivery: Delivery) -> str:
    try:
        body = ErrorBody.model_validate_json(delivery.body)
    except ValidationError:
        return f"HTTP {delivery.status_code}: {delivery.body[:MAX_REASON_CHARS]}"
    return f"{body.code}: {body.message}"[:MAX_REASON_CHARS]


def apply_central_result(db: Database, row: OutboxRow, delivery: Delivery) -> None:
    """Mirrors central's final answer onto the hub's order (the outbox handler of `order`).

    Raises:
        ValueError: central said 2xx but its body is not an `Order` (the outbox keeps it).
    """
    stamp = to_db_time(delivery.at)
    if delivery.result == "delivered":
        placed = Order.model_validate_json(delivery.body)
        db.execute(
            "UPDATE delivery_orders SET state = 'accepted', central_order_id = ?, currency = ?,"
            " total_cents = ?, delivery_days = ?, updated_at = ? WHERE outbox_key = ?",
            [
                placed.id,
                placed.currency,
                placed.total_cents,
                placed.delivery_days,
                stamp,
                row.write.idempotency_key,
            ],
        )
        return
    db.execute(
        "UPDATE delivery_orders SET state = 'failed', failure_reason = ?, updated_at = ?"
        " WHERE outbox_key = ?",
        [_refusal_reason(delivery), stamp, row.write.idempotency_key],
    )
