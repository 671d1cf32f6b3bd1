"""Provides stock-aware price proposals: what a store price should be, why, from which inputs.

Pure: no I/O and no clock. The hub's pricing job gathers `PriceFacts` per product, asks
`propose_price`, and stores each `PriceProposal` for a manager to approve or reject; nothing here
changes a price. Rules, first match wins:

1. `restore`: a markdown is in place but stock is low or demand is high: back to central's price.
2. `markdown`: overstocked (many days of cover) with slow sales and low demand: one markdown step
   below the current price, never below the floor (central's price less the largest markdown).
3. `match_central`: the shelf label shows a price other than the store's current price: set the
   store price to central's (the label is relabelled).

Low stock with high demand never yields a markdown.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Literal

ProposalKind = Literal["markdown", "match_central", "restore"]
RULE_VERSION = "pricing-rules-1"


@dataclass(frozen=True, slots=True)
class PricingPolicy:
    """The bounds of the proposal rules.

    Attributes:
        window_days: how far back sales and demand are counted.
        overstock_cover_days: days of cover (on hand / daily sales) from which stock is overstock.
        overstock_min_units: fewer units than this are never overstock.
        slow_sales_per_day: at most this many units sold a day counts as slow.
        low_cover_days: at most this many days of cover is low stock.
        high_demand_signals: at least this many demand signals in the window is high demand.
        markdown_step_pct: one markdown's size, percent of the current price.
        max_markdown_pct: the largest markdown below central's price, percent.
    """

    window_days: int = 28
    overstock_cover_days: float = 60.0
    overstock_min_units: int = 12
    slow_sales_per_day: float = 0.5
    low_cover_days: float = 7.0
    high_demand_signals: int = 5
    markdown_step_pct: int = 15
    max_markdown_pct: int = 40

    def __post_init__(self) -> None:
        if not 0 < self.markdown_step_pct <= self.max_markdown_pct < 100:
            raise ValueError(
                "need 0 < markdown_step_pct <= max_markdown_pct < 100, got "
                f"{self.markdown_step_pct} and {self.max_markdown_pct}"
            )
        if self.window_days < 1:
            raise ValueError(f"window_days must be >= 1, got {self.window_days}")


@dataclass(frozen=True, slots=True)
class PriceFacts:
    """What the hub knows about one product's price, stock and demand.

    Attributes:
        gtin: the product.
        central_cents: central's base price.
        store_cents: the approved store price, or None when the store sells at central's price.
        shelf_cents: the latest price seen on the shelf label, or None.
        on_hand: units in the store (reservations deducted).
        sold_units: units sold in the window.
        demand_signals: reservations, orders and "searched but out of stock" in the window.
    """

    gtin: str
    central_cents: int
    store_cents: int | None
    shelf_cents: int | None
    on_hand: int
    sold_units: int
    demand_signals: int

    @property
    def current_cents(self) -> int:
        """The price the store charges now."""
        return self.central_cents if self.store_cents is None else self.store_cents


@dataclass(frozen=True, slots=True)
class PriceProposal:
    """A proposed store price with its reason and the inputs it came from.

    Attributes:
        gtin: the product.
        kind: `markdown`, `match_central` or `restore`.
        current_cents: the price now (the shelf's for `match_central`).
        proposed_cents: the proposed price.
        floor_cents: the lowest price a manager may approve.
        reason: one sentence for the manager.
        inputs: the facts and bounds the rule used (JSON-ready).
    """

    gtin: str
    kind: ProposalKind
    current_cents: int
    proposed_cents: int
    floor_cents: int
    reason: str
    inputs: Mapping[str, int | float | str | None]


def floor_cents(central_cents: int, policy: PricingPolicy) -> int:
    """The lowest store price allowed: central's less the largest markdown (rounded up)."""
    return math.ceil(central_cents * (100 - policy.max_markdown_pct) / 100)


def price_point(cents: int) -> int:
    """Rounds a price down to end in 9 cents (e.g. 2.53 -> 2.49); prices under 0.10 stay."""
    if cents < 10:
        return cents
    return cents - ((cents - 9) % 10)


def cover_days(on_hand: int, sold_units: int, window_days: int) -> float:
    """Days the stock lasts at the window's sales rate (infinite without sales)."""
    if on_hand <= 0:
        return 0.0
    per_day = sold_units / window_days
    return math.inf if per_day == 0 else on_hand / per_day


def _inputs(
    facts: PriceFacts, policy: PricingPolicy, cover: float
) -> dict[str, int | float | str | None]:
    return {
        "central_cents": facts.central_cents,
        "store_cents": facts.store_cents,
        "shelf_cents": facts.shelf_cents,
        "on_hand": facts.on_hand,
        "sold_units": facts.sold_units,
        "window_days": policy.window_days,
        "demand_signals": facts.demand_signals,
        "cover_days": "inf" if math.isinf(cover) else round(cover, 1),
        "rule_version": RULE_VERSION,
    }


def _euros(cents: int) -> str:
    return f"{cents / 100:.2f}"


def _restore(facts: PriceFacts, policy: PricingPolicy, cover: float) -> PriceProposal | None:
    marked_down = facts.store_cents is not None and facts.store_cents < facts.central_cents
    low = cover <= policy.low_cover_days
    busy = facts.demand_signals >= policy.high_demand_signals
    if not marked_down or not (low or busy):
        return None
    why = f"only {cover:.0f} days of cover" if low else f"{facts.demand_signals} demand signals"
    return PriceProposal(
        gtin=facts.gtin,
        kind="restore",
        current_cents=facts.current_cents,
        proposed_cents=facts.central_cents,
        floor_cents=floor_cents(facts.central_cents, policy),
        reason=f"Marked down but {why}: back to central's {_euros(facts.central_cents)}.",
        inputs=_inputs(facts, policy, cover),
    )


def _markdown(facts: PriceFacts, policy: PricingPolicy, cover: float) -> PriceProposal | None:
    per_day = facts.sold_units / policy.window_days
    overstock = facts.on_hand >= policy.overstock_min_units and cover >= policy.overstock_cover_days
    quiet = facts.demand_signals < policy.high_demand_signals
    if not (overstock and per_day <= policy.slow_sales_per_day and quiet):
        return None
    lowest = floor_cents(facts.central_cents, policy)
    stepped = facts.current_cents * (100 - policy.markdown_step_pct) // 100
    proposed = max(lowest, price_point(stepped))
    if proposed >= facts.current_cents:
        return None
    days = "no sales" if math.isinf(cover) else f"{cover:.0f} days of cover"
    return PriceProposal(
        gtin=facts.gtin,
        kind="markdown",
        current_cents=facts.current_cents,
        proposed_cents=proposed,
        floor_cents=lowest,
        reason=(
            f"Overstock: {facts.on_hand} on hand, {days}, {facts.sold_units} sold in "
            f"{policy.window_days} days: mark down to {_euros(proposed)}."
        ),
        inputs=_inputs(facts, policy, cover),
    )


def _match_central(facts: PriceFacts, policy: PricingPolicy, cover: float) -> PriceProposal | None:
    shelf = facts.shelf_cents
    if shelf is None or shelf == facts.current_cents or facts.store_cents is not None:
        return None
    return PriceProposal(
        gtin=facts.gtin,
        kind="match_central",
        current_cents=shelf,
        proposed_cents=facts.central_cents,
        floor_cents=floor_cents(facts.central_cents, policy),
        reason=(
            f"The shelf label shows {_euros(shelf)} but central's price is "
            f"{_euros(facts.central_cents)}: confirm central's price and relabel."
        ),
        inputs=_inputs(facts, policy, cover),
    )


def propose_price(facts: PriceFacts, policy: PricingPolicy) -> PriceProposal | None:
    """The proposal the rules make for one product, or None when its price is right.

    Raises:
        ValueError: if a price or a count is negative.
    """
    if min(facts.central_cents, facts.sold_units, facts.demand_signals) < 0:
        raise ValueError(f"prices and counts must be >= 0, got {facts}")
    cover = cover_days(facts.on_hand, facts.sold_units, policy.window_days)
    for rule in (_restore, _markdown, _match_central):
        proposal = rule(facts, policy, cover)
        if proposal is not None:
            return proposal
    return None


def check_decided_price(text: str, proposal: PriceProposal) -> tuple[int | None, str | None]:
    """Parses a manager's edited price ("2.49" or "2,49") and checks it against the bounds.

    Returns:
        `(cents, None)` when acceptable, `(None, message)` otherwise.
    """
    try:
        value = Decimal(text.strip().replace(",", "."))
    except InvalidOperation:
        return None, "a price like 2.49"
    if not value.is_finite() or value != value.quantize(Decimal("0.01")):
        return None, "a price like 2.49 (at most two decimals)"
    cents = int(value * 100)
    central = proposal.inputs.get("central_cents")
    ceiling = central if isinstance(central, int) else proposal.proposed_cents
    if cents < proposal.floor_cents:
        return None, f"at least {_euros(proposal.floor_cents)} (the largest markdown)"
    if cents > ceiling:
        return None, f"at most central's {_euros(ceiling)}"
    return cents, None
