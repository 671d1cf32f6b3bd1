"""Provides the pickup queue's pure parts: the state tabs and the staff moves each state offers."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from contracts.orders import ReservationState

Move = Literal["ready", "picked-up", "cancel"]
MOVE_TARGETS: dict[str, ReservationState] = {
    "ready": "ready",
    "picked-up": "picked_up",
    "cancel": "cancelled",
}
TABS: tuple[tuple[str, str, tuple[ReservationState, ...]], ...] = (
    ("queue", "To prepare & collect", ("new", "ready")),
    ("new", "New", ("new",)),
    ("ready", "Ready", ("ready",)),
    ("picked_up", "Picked up", ("picked_up",)),
    ("expired", "Expired", ("expired",)),
    ("cancelled", "Cancelled", ("cancelled",)),
)


@dataclass(frozen=True, slots=True)
class MoveButton:
    """A button on a reservation row.

    Attributes:
        move: the URL part of the move (`ready`, `picked-up`, `cancel`).
        label: the button text.
        style: `primary` or `secondary`.
        confirm: a question to confirm before submitting, or '' for none.
    """

    move: Move
    label: str
    style: str
    confirm: str = ""


_BUTTONS: dict[str, tuple[MoveButton, ...]] = {
    "new": (
        MoveButton("ready", "Mark ready", "primary"),
        MoveButton(
            "cancel", "Cancel", "secondary", "Cancel this reservation and release the units?"
        ),
    ),
    "ready": (
        MoveButton("picked-up", "Picked up", "primary"),
        MoveButton(
            "cancel", "Cancel", "secondary", "Cancel this reservation and release the units?"
        ),
    ),
}


def moves_for(state: str) -> tuple[MoveButton, ...]:
    """The moves staff can make on a reservation in `state` (none once final)."""
    return _BUTTONS.get(state, ())


def tab_states(tab: str) -> tuple[str, tuple[ReservationState, ...]]:
    """The tab key (unknown tabs fall back to the queue) and the states it lists."""
    for key, _, states in TABS:
        if key == tab:
            return key, states
    return TABS[0][0], TABS[0][2]
