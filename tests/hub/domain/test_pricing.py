"""Tests of the price-proposal rules (pure)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from hub.domain.pricing import (
    PriceFacts,
    PricingPolicy,
    check_decided_price,
    floor_cents,
    price_point,
    propose_price,
)
from hub.domain.reconciliation import price_findings

POLICY = PricingPolicy()
BASE = PriceFacts(
    gtin="04006381333931",
    central_cents=249,
    store_cents=None,
    shelf_cents=None,
    on_hand=10,
    sold_units=28,
    demand_signals=0,
)
OVERSTOCK = replace(BASE, on_hand=80, sold_units=4)


def test_a_normal_product_gets_no_proposal() -> None:
    assert propose_price(BASE, POLICY) is None


def test_overstock_with_slow_sales_is_marked_down_within_bounds() -> None:
    proposal = propose_price(OVERSTOCK, POLICY)
    assert proposal is not None
    assert (proposal.kind, proposal.current_cents, proposal.proposed_cents) == (
        "markdown",
        249,
        209,
    )
    assert proposal.floor_cents == floor_cents(249, POLICY) == 150
    assert "80 on hand" in proposal.reason and "560 days of cover" in proposal.reason
    assert proposal.inputs["sold_units"] == 4 and proposal.inputs["cover_days"] == 560.0


def test_markdowns_stop_at_the_floor() -> None:
    at_floor = replace(OVERSTOCK, store_cents=150)
    assert propose_price(at_floor, POLICY) is None
    near = propose_price(replace(OVERSTOCK, store_cents=160), POLICY)
    assert near is not None and near.proposed_cents == 150


def test_no_markdown_when_stock_is_low_or_demand_is_high() -> None:
    assert propose_price(replace(OVERSTOCK, demand_signals=9), POLICY) is None
    assert propose_price(replace(OVERSTOCK, on_hand=5), POLICY) is None
    assert propose_price(replace(OVERSTOCK, sold_units=200), POLICY) is None


def test_a_markdown_is_restored_when_stock_runs_low_or_demand_rises() -> None:
    low = propose_price(replace(BASE, store_cents=199, on_hand=3, sold_units=28), POLICY)
    assert low is not None and (low.kind, low.proposed_cents) == ("restore", 249)
    busy = propose_price(replace(OVERSTOCK, store_cents=199, demand_signals=7), POLICY)
    assert busy is not None and busy.kind == "restore" and "7 demand signals" in busy.reason


def test_a_shelf_label_other_than_central_proposes_central() -> None:
    proposal = propose_price(replace(BASE, shelf_cents=279), POLICY)
    assert proposal is not None
    assert (proposal.kind, proposal.current_cents, proposal.proposed_cents) == (
        "match_central",
        279,
        249,
    )
    assert propose_price(replace(BASE, shelf_cents=249), POLICY) is None


def test_price_points_and_bad_input() -> None:
    assert [price_point(c) for c in (253, 249, 200, 9)] == [249, 249, 199, 9]
    with pytest.raises(ValueError, match=">= 0"):
        propose_price(replace(BASE, sold_units=-1), POLICY)
    with pytest.raises(ValueError, match="markdown_step_pct"):
        PricingPolicy(markdown_step_pct=50, max_markdown_pct=40)


@pytest.mark.parametrize(
    ("text", "cents", "problem"),
    [
        ("2.19", 219, None),
        ("2,19", 219, None),
        ("1.50", 150, None),
        ("1.49", None, "at least 1.50"),
        ("2.50", None, "at most central's 2.49"),
        ("2.199", None, "at most two decimals"),
        ("cheap", None, "a price like 2.49"),
        ("nan", None, "a price like 2.49"),
    ],
)
def test_a_managers_price_is_checked_against_the_bounds(
    text: str, cents: int | None, problem: str | None
) -> None:
    proposal = propose_price(OVERSTOCK, POLICY)
    assert proposal is not None
    found, message = check_decided_price(text, proposal)
    assert found == cents
    assert (message is None) if problem is None else (problem in str(message))


def test_reconciliation_checks_shelf_labels_against_an_approved_store_price() -> None:
    gtin = BASE.gtin
    label = [(gtin, 199, "sighting", "ev-1")]
    assert price_findings(label, {gtin: 249}, {gtin: 199}) == []
    (stale,) = price_findings([(gtin, 249, "sighting", "ev-2")], {gtin: 249}, {gtin: 199})
    assert "the approved store price is 199" in stale.cause
    assert stale.detail["store"] == 199
    (plain,) = price_findings(label, {gtin: 249})
    assert "central's base price is 249" in plain.cause
