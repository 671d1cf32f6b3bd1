"""Provides `place_order`: idempotent delivery-order placement inside one write transaction."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from central.db import orders, products
from central.db.connection import Tx
from central.errors import (
    IdempotencyKeyReused,
    InsufficientStock,
    InvalidInput,
    NotSoldOnline,
)
from contracts.catalog import CatalogProduct, Order, OrderLineResult, OrderRequest
from contracts.ids import new_ulid

RecordStock = Callable[[str, CatalogProduct], CatalogProduct]


def place_order(
    tx: Tx,
    idempotency_key: str,
    request: OrderRequest,
    *,
    request_sha256: str,
    now: datetime,
    record: RecordStock,
) -> tuple[Order, bool]:
    """Returns the order made earlier with this key, or prices, allocates and stores a new one.

    Runs inside the caller's write transaction `tx`, so the whole order commits or nothing
    does; `record` appends a `stock` change given a product's snapshot before the change.

    Returns:
        The order and whether this call created it.

    Raises:
        IdempotencyKeyReused: the key was used before with a different body (hash differs).
        InvalidInput, NotSoldOnline, InsufficientStock: a line cannot be ordered.
    """
    seen = orders.order_by_key(tx, idempotency_key)
    if seen is not None:
        if seen["request_sha256"] != request_sha256:
            raise IdempotencyKeyReused(
                f"Idempotency-Key {idempotency_key!r} was already used for order {seen['id']} "
                "with a different body; use a new key for a new order"
            )
        return Order.model_validate_json(seen["order_json"]), False
    lines = [_allocate(tx, line.gtin, line.quantity, record) for line in request.lines]
    first = products.product_row(tx, lines[0].gtin)
    currency = "EUR" if first is None else str(first["currency"])
    order = _priced_order(request, lines, currency=currency, now=now)
    orders.insert_order(tx, order, idempotency_key=idempotency_key, request_sha256=request_sha256)
    return order, True


def _priced_order(
    request: OrderRequest, lines: list[OrderLineResult], *, currency: str, now: datetime
) -> Order:
    return Order(
        id="ord_" + new_ulid(int(now.timestamp() * 1000)),
        status="accepted",
        store=request.store,
        customer_ref=request.customer_ref,
        fulfilment=request.fulfilment,
        lines=lines,
        currency=currency,
        total_cents=sum(line.quantity * line.unit_price_cents for line in lines),
        delivery_days=max(line.delivery_days for line in lines),
        created_at=now,
    )


def _allocate(tx: Tx, gtin: str, quantity: int, record: RecordStock) -> OrderLineResult:
    before = products.snapshot(tx, gtin)
    if before is None:
        raise InvalidInput(f"order line names GTIN {gtin}, which is not in the catalog")
    if before.online_price_cents is None:
        raise NotSoldOnline(f"{before.name} ({gtin}) is not sold online")
    source = orders.best_warehouse(tx, gtin, quantity)
    if source is None:
        raise InsufficientStock(
            f"no warehouse holds {quantity} x {before.name} ({gtin}); "
            f"online stock is {before.online_quantity} across all warehouses"
        )
    orders.take_stock(tx, gtin, source["warehouse"], quantity)
    record(gtin, before)
    return OrderLineResult(
        gtin=gtin,
        name=before.name,
        quantity=quantity,
        unit_price_cents=before.online_price_cents,
        warehouse=source["warehouse"],
        delivery_days=source["delivery_days"],
    )
