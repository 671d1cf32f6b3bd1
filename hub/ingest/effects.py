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
from contracts.payloads import ScanPayload, WireModel
from hub.db import catalog, stock


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
    """A scan of a GTIN the catalog does not hold counts as a demand signal."""
    if not isinstance(body, ScanPayload) or body.gtin is None:
        return
    if not ctx.product_known(body.gtin):
        ctx.count_demand(body.gtin, envelope.device)


DEFAULT_EFFECTS: Mapping[str, Effect] = {
    "scan": scan_effect,
}


def apply_effect(
    effects: Mapping[str, Effect], ctx: EffectContext, envelope: Envelope, body: WireModel
) -> None:
    """Runs the effect registered for the envelope's type (types without one change nothing
    beyond the stored event)."""
    effect = effects.get(envelope.type)
    if effect is not None:
        effect(ctx, envelope, body)
