"""Provides the text of the reserve/order actions: which the card offers, and the confirmation
screen's lines for a reservation or a delivery order in each of its states.

Pure functions of the contracts and a `now` passed in (no Textual, no clock).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Final, Literal

from contracts.cards import ProductCard
from contracts.orders import DeliveryOrder, Reservation
from kiosk.card_view import delivery_text, format_money
from kiosk.state import ActionState

QUEUED_TEXT: Final = "Queued: it will be sent when the chain's system is back."
SENDING_TEXT: Final = "Sending it to the online shop…"
Tone = Literal["pending", "ok", "warning", "error"]


@dataclass(frozen=True, slots=True)
class CardActions:
    """What the card offers: reserve here (stock on hand) and order for delivery (sold online).

    Attributes:
        reserve_hint: why reserving is not offered, or None when it is.
        order_hint: why ordering is not offered, or None when it is.
    """

    gtin: str
    reserve_hint: str | None
    order_hint: str | None

    @property
    def can_reserve(self) -> bool:
        """True when the card offers "Reserve for pickup"."""
        return self.reserve_hint is None

    @property
    def can_order(self) -> bool:
        """True when the card offers "Order for delivery"."""
        return self.order_hint is None


def card_actions(card: ProductCard) -> CardActions:
    """Which actions the card of `card` offers, and why not when it does not."""
    reserve = None if card.on_hand > 0 else "Nothing to reserve: out of stock here"
    if card.online_price_cents is None:
        order: str | None = "Not sold online"
    elif not any(level.quantity > 0 for level in card.online_stock):
        order = "Out of stock online"
    else:
        order = None
    return CardActions(card.gtin, reserve, order)


@dataclass(frozen=True, slots=True)
class ConfirmationView:
    """The lines of the confirmation screen.

    Attributes:
        title: what the shopper did.
        item: quantity and product.
        details: reference, pickup code, totals, one line each.
        status: where it stands now.
        tone: how to colour the status.
        can_retry: whether "Try again" is offered.
    """

    title: str
    item: str
    details: tuple[str, ...]
    status: str
    tone: Tone
    can_retry: bool = False


_RESERVATION_STATUS: Final[dict[str, tuple[str, Tone]]] = {
    "new": ("Reserved: staff are putting it aside for you.", "ok"),
    "ready": ("Ready: collect it at the service desk.", "ok"),
    "picked_up": ("Collected. Thank you!", "ok"),
    "expired": ("This reservation has expired.", "warning"),
    "cancelled": ("This reservation was cancelled.", "warning"),
}


def reservation_view(reservation: Reservation, now: datetime) -> ConfirmationView:
    """The confirmation of a pickup reservation (times in `now`'s timezone)."""
    until = reservation.expires_at.astimezone(now.tzinfo)
    details = [f"Pickup code {reservation.pickup_code}"]
    if not reservation.is_final:
        details.append(f"Held for you until {until:%H:%M} at the service desk")
    if reservation.shelf_location:
        details.append(f"Shelf: {reservation.shelf_location}")
    status, tone = _RESERVATION_STATUS[reservation.state]
    return ConfirmationView(
        title="Reserved for pickup",
        item=f"{reservation.quantity} × {reservation.name}",
        details=tuple(details),
        status=status,
        tone=tone,
    )


def order_status(order: DeliveryOrder) -> tuple[str, Tone]:
    """Where a delivery order stands, in a shopper's words."""
    if order.state == "accepted":
        return "Accepted by the online shop.", "ok"
    if order.state == "failed":
        reason = order.failure_reason or "no reason given"
        return f"The online shop could not take this order ({reason}).", "error"
    if order.attempts > 0 or not order.central_reachable:
        return QUEUED_TEXT, "warning"
    return SENDING_TEXT, "pending"


def order_view(order: DeliveryOrder) -> ConfirmationView:
    """The confirmation of a delivery order."""
    details = [f"Order {order.central_order_id or order.id}"]
    if order.total_cents is not None and order.currency is not None:
        details.append(f"Total {format_money(order.total_cents, order.currency)}")
    if order.delivery_days is not None:
        details.append(delivery_text(order.delivery_days).capitalize())
    status, tone = order_status(order)
    item = ", ".join(f"{line.quantity} × {line.name}" for line in order.lines)
    return ConfirmationView("Ordered for delivery", item, tuple(details), status, tone)


def action_view(action: ActionState, now: datetime) -> ConfirmationView:
    """The confirmation screen's lines for an action in any phase."""
    title = "Reserve for pickup" if action.kind == "reservation" else "Order for delivery"
    item = f"{action.quantity} × {action.name}"
    if action.phase == "error":
        message = action.error or "Something went wrong."
        return ConfirmationView(title, item, (), message, "error", can_retry=action.retryable)
    if isinstance(action.result, Reservation):
        return reservation_view(action.result, now)
    if isinstance(action.result, DeliveryOrder):
        return order_view(action.result)
    return ConfirmationView(title, item, (), "Sending…", "pending")
