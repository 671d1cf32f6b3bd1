"""Provides the pickup-reservation rules: states, what each transition writes to the stock
ledger, how many units may be reserved, and the hold time.

Pure: no I/O and no clock (the caller passes `now`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from contracts.orders import ReservationState

LedgerKind = Literal["reservation", "release", "sale"]
LedgerEffect = tuple[LedgerKind, int]
PICKUP_CODE_CHARS = 6


@dataclass(frozen=True, slots=True)
class ReservationPolicy:
    """How the store holds reservations.

    Attributes:
        hold_s: how long units stay held before the reservation expires.
        safety_buffer_units: units per product kept unreserved while central is unreachable.
    """

    hold_s: float
    safety_buffer_units: int

    def __post_init__(self) -> None:
        if self.hold_s <= 0:
            raise ValueError(f"hold_s must be > 0, got {self.hold_s}")
        if self.safety_buffer_units < 0:
            raise ValueError(f"safety_buffer_units must be >= 0, got {self.safety_buffer_units}")


_NEXT_STATES: dict[str, frozenset[str]] = {
    "new": frozenset({"ready", "picked_up", "expired", "cancelled"}),
    "ready": frozenset({"picked_up", "expired", "cancelled"}),
}


def can_transition(current: ReservationState, target: ReservationState) -> bool:
    """True when a reservation in `current` may move to `target` (final states never move)."""
    return target in _NEXT_STATES.get(current, frozenset())


def ledger_effects(target: ReservationState, quantity: int) -> tuple[LedgerEffect, ...]:
    """The stock movements that entering `target` writes, as (kind, signed units).

    `new` holds the units (a `reservation` movement); `expired` and `cancelled` give them back
    (`release`); `picked_up` gives them back and sells them (`release` + `sale`), so the ledger
    says what happened to the units; `ready` moves nothing.

    Raises:
        ValueError: if `quantity` < 1.
    """
    if quantity < 1:
        raise ValueError(f"quantity must be >= 1, got {quantity}")
    if target == "new":
        return (("reservation", -quantity),)
    if target in ("expired", "cancelled"):
        return (("release", quantity),)
    if target == "picked_up":
        return (("release", quantity), ("sale", -quantity))
    return ()


def reservable_units(on_hand: int, *, central_reachable: bool, safety_buffer_units: int) -> int:
    """Units a new reservation may take.

    `on_hand` already has held reservations deducted. While central is unreachable the hub
    cannot know what central promised from this store, so it keeps `safety_buffer_units`
    unreserved.
    """
    if safety_buffer_units < 0:
        raise ValueError(f"safety_buffer_units must be >= 0, got {safety_buffer_units}")
    buffer = 0 if central_reachable else safety_buffer_units
    return max(0, on_hand - buffer)


def hold_until(now: datetime, *, hold_s: float) -> datetime:
    """When a reservation made at `now` expires."""
    if hold_s <= 0:
        raise ValueError(f"hold_s must be > 0, got {hold_s}")
    return now + timedelta(seconds=hold_s)


def pickup_code(reservation_id: str) -> str:
    """The short code a shopper gives at the counter: the id's last 6 characters.

    Raises:
        ValueError: if the id is shorter than the code.
    """
    if len(reservation_id) < PICKUP_CODE_CHARS:
        raise ValueError(f"reservation id {reservation_id!r} is too short for a pickup code")
    return reservation_id[-PICKUP_CODE_CHARS:].upper()
