"""Tests the ownership rules table: one row per kind of data, as ARCHITECTURE.md states it."""

from __future__ import annotations

from pathlib import Path

import pytest

from hub.domain.ownership import RULES, DataKind, Owner, decide, may_write

ARCHITECTURE = Path(__file__).resolve().parents[4] / "shared" / "ARCHITECTURE.md"


@pytest.mark.parametrize(
    ("kind", "hub_value", "central_value", "action", "owner"),
    [
        ("product_master", 249, 249, "none", "central"),
        ("product_master", 249, 259, "apply_central", "central"),
        ("online_stock", 3, 0, "apply_central", "central"),
        ("reviews", None, 4.5, "apply_central", "central"),
        ("store_on_hand", 14, 12, "push_hub", "hub"),
        ("store_on_hand", 14, None, "push_hub", "hub"),
        ("store_on_hand", 0, 0, "none", "hub"),
        ("pickup_reservation", "ready", "unknown", "keep_hub", "hub"),
        ("delivery_order", "queued", "accepted", "mirror_central", "central"),
        ("store_price", 259, 249, "propose", "hub"),
    ],
)
def test_who_wins_when_hub_and_central_differ(
    kind: DataKind, hub_value: object, central_value: object, action: str, owner: Owner
) -> None:
    decision = decide(kind, hub_value, central_value)
    assert (decision.action, decision.owner) == (action, owner)
    if action != "none":
        assert f"{owner} owns" in decision.reason


@pytest.mark.parametrize(
    ("kind", "hub", "central"),
    [
        ("product_master", True, True),
        ("online_stock", True, True),
        ("reviews", True, True),
        ("store_on_hand", True, False),
        ("pickup_reservation", True, False),
        ("delivery_order", False, True),
        ("store_price", True, False),
    ],
)
def test_who_may_write(kind: DataKind, hub: bool, central: bool) -> None:
    assert (may_write(kind, "hub"), may_write(kind, "central")) == (hub, central)


def test_every_row_of_the_architecture_table_has_a_rule() -> None:
    assert set(RULES) == {
        "product_master",
        "online_stock",
        "reviews",
        "store_on_hand",
        "pickup_reservation",
        "delivery_order",
        "store_price",
    }
    if ARCHITECTURE.is_file():
        text = ARCHITECTURE.read_text()
        for phrase in ("store on-hand stock | hub ledger", "delivery orders | central"):
            assert phrase in text
