"""Tests the pickup-reservation rules (pure): moves, ledger effects, reservable units."""

from __future__ import annotations

from contextlib import AbstractContextManager, nullcontext
from datetime import UTC, datetime, timedelta

import pytest

from contracts.orders import ReservationState
from hub.domain.reservations import (
    ReservationPolicy,
    can_transition,
    hold_until,
    ledger_effects,
    pickup_code,
    reservable_units,
)

NOW = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
STATES: tuple[ReservationState, ...] = ("new", "ready", "picked_up", "expired", "cancelled")
ALLOWED = {
    ("new", "ready"),
    ("new", "picked_up"),
    ("new", "expired"),
    ("new", "cancelled"),
    ("ready", "picked_up"),
    ("ready", "expired"),
    ("ready", "cancelled"),
}


@pytest.mark.parametrize("current", STATES)
@pytest.mark.parametrize("target", STATES)
def test_transition_table(current: ReservationState, target: ReservationState) -> None:
    assert can_transition(current, target) == ((current, target) in ALLOWED)


@pytest.mark.parametrize(
    ("target", "effects"),
    [
        ("new", (("reservation", -3),)),
        ("ready", ()),
        ("picked_up", (("release", 3), ("sale", -3))),
        ("expired", (("release", 3),)),
        ("cancelled", (("release", 3),)),
    ],
)
def test_ledger_effects_balance(target: ReservationState, effects: tuple[object, ...]) -> None:
    assert ledger_effects(target, 3) == effects


@pytest.mark.parametrize(
    ("on_hand", "reachable", "expected"),
    [(10, True, 10), (10, False, 8), (1, False, 0), (0, True, 0), (-2, True, 0)],
)
def test_reservable_units_keep_the_buffer_only_while_central_is_unreachable(
    on_hand: int, reachable: bool, expected: int
) -> None:
    assert reservable_units(on_hand, central_reachable=reachable, safety_buffer_units=2) == expected


@pytest.mark.parametrize(
    ("hold_s", "buffer", "outcome"),
    [
        (60.0, 0, nullcontext()),
        (0.0, 0, pytest.raises(ValueError, match="hold_s")),
        (60.0, -1, pytest.raises(ValueError, match="safety_buffer_units")),
    ],
)
def test_policy_checks(hold_s: float, buffer: int, outcome: AbstractContextManager[object]) -> None:
    with outcome:
        ReservationPolicy(hold_s, buffer)


def test_hold_and_pickup_code() -> None:
    assert hold_until(NOW, hold_s=90) == NOW + timedelta(seconds=90)
    assert pickup_code("res_01jd2q7z3v8k5r4n6m9p0qxyza") == "0QXYZA"
    with pytest.raises(ValueError, match="quantity"):
        ledger_effects("new", 0)
