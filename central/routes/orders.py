"""Provides delivery orders: `POST /v1/orders` (idempotent by key) and `GET /v1/orders/{id}`."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Response

from central.errors import UnknownOrder
from central.repository import CentralRepository
from contracts.catalog import Order, OrderRequest

IDEMPOTENCY_KEY_PATTERN = r"^[\x21-\x7e]{1,255}$"


def build_router(repository: CentralRepository) -> APIRouter:
    """Builds the orders router around `repository`."""
    router = APIRouter(prefix="/v1/orders", tags=["orders"])

    @router.post("", status_code=201, responses={200: {"model": Order}})
    def create_order(
        request: OrderRequest,
        response: Response,
        idempotency_key: Annotated[
            str,
            Header(
                pattern=IDEMPOTENCY_KEY_PATTERN,
                description="one key per order: repeating it returns the same order",
            ),
        ],
    ) -> Order:
        """Places a delivery order: 201 when new, 200 for a repeat, 409 for a reused key."""
        order, created = repository.create_order(idempotency_key, request)
        response.status_code = 201 if created else 200
        return order

    @router.get("/{order_id}")
    def get_order(order_id: str) -> Order:
        """Returns one order."""
        order = repository.order(order_id)
        if order is None:
            raise UnknownOrder(f"no order with id {order_id!r}")
        return order

    return router
