"""Provides the hub's pickup-reservation and delivery-order models (HTTP, `/api/v1/...`).

A kiosk makes one idempotency key per shopper action and sends it as the `Idempotency-Key`
header on every retry, so a retried request never makes a second reservation or order. Times are
UTC; money is integer minor units.

Reservation states: `new` -> `ready` (staff put it aside) -> `picked_up`; `new`/`ready` ->
`expired` (hold time over) or `cancelled`. The last three are final.
Delivery order states: `queued` (in the hub's outbox; central not reached yet) -> `accepted`
(central took it) or `failed` (central refused it). The last two are final.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from contracts.gtin import is_valid_gtin
from contracts.ids import IDENTIFIER_PATTERN

ReservationState = Literal["new", "ready", "picked_up", "expired", "cancelled"]
OrderState = Literal["queued", "accepted", "failed"]
FINAL_RESERVATION_STATES: frozenset[str] = frozenset({"picked_up", "expired", "cancelled"})
FINAL_ORDER_STATES: frozenset[str] = frozenset({"accepted", "failed"})
IDEMPOTENCY_KEY_PATTERN = r"^[\x21-\x7e]{1,200}$"
MAX_RESERVE_UNITS = 20


class OrdersModel(BaseModel):
    """Base of these models: frozen, unknown fields ignored (forward compatible)."""

    model_config = ConfigDict(extra="ignore", frozen=True)


def _gtin14(value: str) -> str:
    if len(value) != 14 or not is_valid_gtin(value):
        raise ValueError(f"{value!r} is not a GTIN-14 with a valid check digit")
    return value


class ReservationRequest(OrdersModel):
    """Body of `POST /api/v1/reservations` (with an `Idempotency-Key` header)."""

    gtin: str = Field(description="product, GTIN-14")
    quantity: int = Field(ge=1, le=MAX_RESERVE_UNITS, description="units to hold")
    device: str = Field(pattern=IDENTIFIER_PATTERN.pattern, description="the asking kiosk")

    @field_validator("gtin")
    @classmethod
    def _check_gtin(cls, value: str) -> str:
        return _gtin14(value)


class Reservation(OrdersModel):
    """A pickup reservation: units held in this store for a shopper."""

    id: str = Field(description="reservation id")
    pickup_code: str = Field(description="short code the shopper gives at the counter")
    gtin: str = Field(description="product, GTIN-14")
    name: str = Field(description="product name")
    quantity: int = Field(ge=1, description="units held")
    state: ReservationState = Field(description="where the reservation is")
    device: str = Field(description="kiosk that made it")
    shelf_location: str | None = Field(default=None, description="where staff find it")
    created_at: datetime = Field(description="UTC time it was made")
    expires_at: datetime = Field(description="UTC time the hold ends unless picked up")
    updated_at: datetime = Field(description="UTC time of the last state change")

    @property
    def is_final(self) -> bool:
        """True once picked up, expired or cancelled."""
        return self.state in FINAL_RESERVATION_STATES


class DeliveryLine(OrdersModel):
    """One line of a delivery order request."""

    gtin: str = Field(description="product, GTIN-14")
    quantity: int = Field(ge=1, le=99, description="units")

    @field_validator("gtin")
    @classmethod
    def _check_gtin(cls, value: str) -> str:
        return _gtin14(value)


class DeliveryOrderRequest(OrdersModel):
    """Body of `POST /api/v1/orders` (with an `Idempotency-Key` header)."""

    device: str = Field(pattern=IDENTIFIER_PATTERN.pattern, description="the asking kiosk")
    lines: list[DeliveryLine] = Field(min_length=1, max_length=50, description="order lines")

    @field_validator("lines")
    @classmethod
    def _distinct(cls, value: list[DeliveryLine]) -> list[DeliveryLine]:
        gtins = [line.gtin for line in value]
        if len(set(gtins)) != len(gtins):
            raise ValueError("each GTIN may appear on one line only")
        return value


class DeliveryOrderLine(OrdersModel):
    """One line of a delivery order as the hub shows it."""

    gtin: str = Field(description="product, GTIN-14")
    name: str = Field(description="product name")
    quantity: int = Field(ge=1, description="units")


class DeliveryOrder(OrdersModel):
    """A delivery order placed at a kiosk and relayed to central through the hub's outbox.

    Attributes:
        central_reachable: whether the hub reached central lately (False: the order waits).
        attempts: sends to central so far.
        central_order_id: central's id once accepted.
        failure_reason: central's reason when it refused the order.
    """

    id: str = Field(description="the hub's order id")
    state: OrderState = Field(description="queued, accepted or failed")
    device: str = Field(description="kiosk that placed it")
    lines: list[DeliveryOrderLine] = Field(description="what was ordered")
    created_at: datetime = Field(description="UTC time the hub took it")
    updated_at: datetime = Field(description="UTC time of the last state change")
    central_reachable: bool = Field(description="the hub reached central lately")
    attempts: int = Field(ge=0, description="sends to central so far")
    central_order_id: str | None = Field(default=None, description="central's order id")
    currency: str | None = Field(default=None, description="ISO 4217, once priced")
    total_cents: int | None = Field(default=None, ge=0, description="total, once priced")
    delivery_days: int | None = Field(default=None, ge=0, description="days to deliver")
    failure_reason: str | None = Field(default=None, description="why central refused it")

    @property
    def is_final(self) -> bool:
        """True once accepted or failed."""
        return self.state in FINAL_ORDER_STATES


class Refusal(OrdersModel):
    """Body of a 4xx answer to a reservation or order request: a stable code and a message."""

    code: str = Field(description="machine-readable code, e.g. insufficient_stock")
    message: str = Field(description="what was wrong, for humans")
