"""Tests the pure reconciliation checks: causes and actions for each situation."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from hub.domain.reconciliation import AvailabilityInput, availability_findings, price_findings
from hub.domain.stuck import order_findings, reservation_findings, shelf_findings

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
G = "04012734004359"


@pytest.mark.parametrize(
    ("central", "key", "earlier", "moved", "cause", "taken"),
    [
        ({}, "k1", None, True, "central holds no availability", True),
        ({G: 3}, "k1", "sent", True, "the ledger moved since the last push", True),
        ({G: 3}, None, "pending", False, "the last push has not reached central yet", False),
        ({G: 3}, "k1-r9", "sent", False, "central's copy differs", True),
        ({G: 5}, None, "sent", False, None, False),
    ],
)
def test_availability_causes(
    central: dict[str, int],
    key: str | None,
    earlier: str | None,
    moved: bool,
    cause: str | None,
    taken: bool,
) -> None:
    findings = availability_findings(AvailabilityInput({G: 5}, central, key, earlier, moved))
    if cause is None:
        assert findings == []
        return
    (finding,) = findings
    assert finding.cause.startswith(cause)
    assert finding.action_taken is taken


def test_negative_ledger_is_pushed_as_zero() -> None:
    assert availability_findings(AvailabilityInput({G: -2}, {G: 0}, None, "sent")) == []


def test_prices_equal_or_unknown_to_central_are_not_findings() -> None:
    rows = [(G, 249, "pos", "e1"), ("05014521002622", 199, "sighting", "e2"), ("x", 1, "pos", "e")]
    (finding,) = price_findings(rows, {G: 249, "05014521002622": 329})
    assert (finding.key, finding.action_taken) == ("05014521002622", False)
    assert "relabel to 329" in finding.action


def test_orders_are_stuck_only_after_the_threshold() -> None:
    orders = [("o-old", NOW - timedelta(minutes=30), 7, "HTTP 503"), ("o-new", NOW, 0, None)]
    (finding,) = order_findings(
        orders, now=NOW, stuck_after=timedelta(minutes=10), central_reachable=False
    )
    assert finding.key == "o-old" and finding.action_taken
    assert finding.cause.startswith("central unreachable") and "HTTP 503" in finding.cause


def test_reservations_past_expiry_and_shelves_the_ledger_calls_empty() -> None:
    rows = [("r1", G, "ready", NOW - timedelta(hours=1)), ("r2", G, "new", NOW)]
    (late,) = reservation_findings(rows, now=NOW, grace=timedelta(minutes=5))
    assert late.key == "r1"
    seen = shelf_findings([(G, 3, "e1"), ("05014521002622", 0, "e2")], {G: 0})
    assert [f.key for f in seen] == [G]
