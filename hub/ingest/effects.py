"""Provides the effects of each event type on the hub database, as a plain registry.

An effect runs inside the ingest transaction of its event, after dedupe, so it runs exactly once
per event id. Effects never commit and never raise for valid payloads: whatever they find odd
(an unknown GTIN, stock going negative) is recorded for the reconciliation report instead.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime

from sqlite_utils import Database

from contracts.envelope import Envelope
from contracts.payloads import (
    SalePayload,
    ScanPayload,
    SearchPayload,
    SeqUnavailablePayload,
    StockPayload,
    WireModel,
)
from hub.db import audit, catalog, search_signals, seq_losses, shelf, stock
from hub.db.stock import Movement


@dataclass(slots=True)
class EffectContext:
    """What effects share within one ingest transaction.

    Attributes:
        db: the connection holding the transaction.
        now: the hub time stamped on what the batch writes.
    """

    db: Database
    now: datetime
    _known_products: dict[str, bool] = field(default_factory=dict)
    _demand: dict[tuple[str, str], int] = field(default_factory=dict)

    def product_known(self, gtin: str) -> bool:
        """Whether the local catalog holds `gtin` (looked up once per batch)."""
        known = self._known_products.get(gtin)
        if known is None:
            known = self._known_products[gtin] = catalog.product_exists(self.db, gtin)
        return known

    def count_demand(self, code: str, device: str) -> None:
        """Counts one request for an unknown code (written once per batch by `flush`)."""
        key = (code, device)
        self._demand[key] = self._demand.get(key, 0) + 1

    def flush(self) -> None:
        """Writes what effects accumulated during the batch (call before commit)."""
        for (code, device), count in self._demand.items():
            stock.record_demand(self.db, code, device=device, now=self.now, count=count)
        self._demand.clear()


Effect = Callable[[EffectContext, Envelope, WireModel], None]


def scan_effect(ctx: EffectContext, envelope: Envelope, body: WireModel) -> None:
    """A scan of a GTIN the catalog does not hold counts as a demand signal; every confirmed
    scan is logged in the AI audit (the decode drives the kiosk's product lookup)."""
    if not isinstance(body, ScanPayload) or body.gtin is None:
        return
    if not ctx.product_known(body.gtin):
        ctx.count_demand(body.gtin, envelope.device)
    audit.record_scan_decision(
        ctx.db, event_id=envelope.id, device=envelope.device, payload=envelope.payload, now=ctx.now
    )


def sale_effect(ctx: EffectContext, envelope: Envelope, body: WireModel) -> None:
    """A till sale books one `sale` movement per GTIN (lines of the same GTIN summed) and
    records the price charged as the product's shelf price."""
    if not isinstance(body, SalePayload):
        return
    units: dict[str, int] = {}
    for line in body.lines:
        units[line.gtin] = units.get(line.gtin, 0) + line.quantity
        if line.unit_price_cents is not None:
            price = shelf.ShelfPrice(line.gtin, line.unit_price_cents, "pos", envelope.id, ctx.now)
            shelf.record_shelf_price(ctx.db, price)
    note = f"till {body.till} receipt {body.receipt}"
    for gtin, quantity in units.items():
        stock.record_movement(ctx.db, Movement(gtin, "sale", -quantity, envelope.id, note), ctx.now)


def stock_effect(ctx: EffectContext, envelope: Envelope, body: WireModel) -> None:
    """Receipts, shrink and counts become movements; sightings are kept as evidence."""
    if not isinstance(body, StockPayload):
        return
    movement = _stock_movement(ctx, envelope.id, body)
    if movement is not None:
        stock.record_movement(ctx.db, movement, ctx.now)
    if body.location:
        stock.set_shelf_location(
            ctx.db, body.gtin, body.location, source=envelope.device, now=ctx.now
        )
    if body.kind != "sighting":
        return
    sighting = shelf.Sighting(
        envelope.id,
        body.gtin,
        envelope.device,
        body.location,
        body.quantity,
        body.shelf_price_cents,
        envelope.ts,
    )
    shelf.record_sighting(ctx.db, sighting, ctx.now)
    if body.shelf_price_cents is not None:
        price = shelf.ShelfPrice(
            body.gtin, body.shelf_price_cents, "sighting", envelope.id, ctx.now
        )
        shelf.record_shelf_price(ctx.db, price)


def _stock_movement(ctx: EffectContext, event_id: str, body: StockPayload) -> Movement | None:
    if body.kind == "receipt":
        return Movement(body.gtin, "receipt", body.quantity, event_id, body.reference)
    if body.kind == "shrink":
        return Movement(body.gtin, "shrink", -body.quantity, event_id, body.reason)
    if body.kind == "count":
        # The count replaces nothing: the difference to the ledger is booked as a movement.
        ledger = stock.on_hand(ctx.db, body.gtin)
        delta = body.quantity - ledger
        note = f"counted {body.quantity}, ledger had {ledger}"
        return None if delta == 0 else Movement(body.gtin, "adjustment", delta, event_id, note)
    return None


def search_effect(ctx: EffectContext, envelope: Envelope, body: WireModel) -> None:
    """A photo search records "searched, no good match" or "searched but out of stock here"
    when it signals either, and its AI decision (`hub/db/search_signals.py`)."""
    if isinstance(body, SearchPayload):
        search_signals.apply_search(ctx.db, envelope, body, now=ctx.now)


def seq_unavailable_effect(ctx: EffectContext, envelope: Envelope, body: WireModel) -> None:
    """A device's report that it cannot resend a range: a permanent loss, kept with its range
    (`hub/db/seq_losses.py`); the hub stops asking for it, the gap stays in the report."""
    if isinstance(body, SeqUnavailablePayload):
        seq_losses.record_loss(ctx.db, envelope.device, body, event_id=envelope.id, now=ctx.now)


DEFAULT_EFFECTS: Mapping[str, Effect] = {
    "scan": scan_effect,
    "sale": sale_effect,
    "stock": stock_effect,
    "search": search_effect,
    "seq_unavailable": seq_unavailable_effect,
}


def apply_effect(
    effects: Mapping[str, Effect], ctx: EffectContext, envelope: Envelope, body: WireModel
) -> None:
    """Runs the effect registered for the envelope's type (types without one change nothing
    beyond the stored event)."""
    effect = effects.get(envelope.type)
    if effect is not None:
        effect(ctx, envelope, body)
