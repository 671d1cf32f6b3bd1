"""Provides delivery orders: `POST /api/v1/orders` (queued for central through the hub's outbox),
`GET /api/v1/orders/{id}` for the shopper and `GET /api/v1/orders` for staff.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Query, Response

from contracts.orders import (
    IDEMPOTENCY_KEY_PATTERN,
    DeliveryOrder,
    DeliveryOrderRequest,
    OrderState,
    Refusal,
)
from hub.api.api_auth import ServiceCaller
from hub.api.deps import Db, Services
from hub.db import orders
from hub.db.connection import write_transaction

router = APIRouter(prefix="/api/v1/orders", tags=["orders"])
IdempotencyKey = Annotated[
    str,
    Header(
        alias="Idempotency-Key",
        pattern=IDEMPOTENCY_KEY_PATTERN,
        description="made on the kiosk, one per order; repeating it returns the same order",
    ),
]
REFUSALS: dict[int | str, dict[str, object]] = {
    404: {"model": Refusal, "description": "no such order"},
    409: {"model": Refusal, "description": "not sold online, or a reused key"},
    422: {"model": Refusal, "description": "unknown product or invalid body"},
}


@router.post("", status_code=202, responses={200: {"model": DeliveryOrder}, **REFUSALS})
async def place_order(
    request: DeliveryOrderRequest,
    key: IdempotencyKey,
    response: Response,
    services: Services,
) -> DeliveryOrder:
    """Takes a delivery order: 202 when new (queued for central), 200 when the key was seen.

    The order is stored and queued in one transaction, so it reaches central even if central
    is down now or the hub restarts; the outbox sender is woken to send it at once.
    """
    with write_transaction(services.db):
        order, created = orders.place_order(
            services.db,
            request,
            key=key,
            store_id=services.settings.store_id,
            now=services.clock(),
        )
    if created:
        services.outbox_wake()
    response.status_code = 202 if created else 200
    return order


@router.get("")
async def list_orders(
    db: Db,
    _staff: ServiceCaller,
    state: Annotated[list[OrderState] | None, Query(description="filter")] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
) -> list[DeliveryOrder]:
    """Delivery orders, newest first (staff or a service token; a kiosk reads only its own)."""
    return orders.list_orders(db, states=state or (), limit=limit)


@router.get("/{order_id}", responses=REFUSALS)
async def get_order(order_id: str, db: Db) -> DeliveryOrder:
    """One delivery order and its state at central (the shopper's confirmation screen)."""
    return orders.get_order(db, order_id)
