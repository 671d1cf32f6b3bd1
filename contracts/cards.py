"""Provides the product card the hub serves to kiosks (HTTP, `GET /api/v1/cards/{code}`).

Money is integer minor units (cents) with an ISO 4217 currency, never floats. Every value that
comes from central carries the `as_of` of the hub's copy, so the kiosk can say how fresh it is.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

PriceComparison = Literal["cheaper_online", "same_price", "cheaper_here", "online_unavailable"]


class CardModel(BaseModel):
    """Base of the card models: frozen, unknown fields ignored (forward compatible)."""

    model_config = ConfigDict(extra="ignore", frozen=True)


class WarehouseStock(CardModel):
    """Online stock in one warehouse of the chain."""

    warehouse: str
    name: str
    quantity: int = Field(ge=0)
    delivery_days: int = Field(ge=0, description="days to deliver to this store's area")


class ReviewSnippet(CardModel):
    """One review, as shown on the card (most helpful first)."""

    rating: int = Field(ge=1, le=5)
    title: str
    text: str
    helpful_votes: int = Field(ge=0)


class Complement(CardModel):
    """A complementary product that is in stock in this store."""

    gtin: str
    name: str
    store_price_cents: int = Field(ge=0)
    on_hand: int


class ProductCard(CardModel):
    """Everything a shopper sees about one product.

    Attributes:
        gtin: GTIN-14.
        store_price_cents: the price in this store (base price unless a store price rule applies).
        online_price_cents: the chain's online price; None when the product is not sold online.
        on_hand: store stock from the hub ledger, reservations deducted.
        shelf_location: where it is in the store, e.g. "Aisle 5, bay 2".
        catalog_as_of: time of the hub's copy of central's data for this product.
        central_reachable: False when the hub could not reach central recently (card from cache).
    """

    gtin: str = Field(pattern=r"^\d{14}$")
    name: str
    brand: str
    category: str
    description: str
    image_url: str | None
    currency: str = Field(min_length=3, max_length=3)
    store_price_cents: int = Field(ge=0)
    online_price_cents: int | None = Field(default=None, ge=0)
    on_hand: int
    shelf_location: str | None
    online_stock: list[WarehouseStock] = Field(default_factory=list)
    rating_average: float | None = Field(default=None, ge=1, le=5)
    rating_count: int = Field(default=0, ge=0)
    top_reviews: list[ReviewSnippet] = Field(default_factory=list)
    complements: list[Complement] = Field(default_factory=list)
    catalog_as_of: datetime
    central_reachable: bool = True

    @property
    def price_comparison(self) -> PriceComparison:
        """How the online price compares with the store price."""
        if self.online_price_cents is None:
            return "online_unavailable"
        if self.online_price_cents < self.store_price_cents:
            return "cheaper_online"
        if self.online_price_cents > self.store_price_cents:
            return "cheaper_here"
        return "same_price"


class UnknownCode(CardModel):
    """The hub's answer (HTTP 404 body) for a code that is not in the catalog.

    Attributes:
        code: the code as scanned (GTIN-14 when it is one).
        demand_recorded: the hub recorded the scan as a demand signal for staff.
    """

    code: str
    message: str
    demand_recorded: bool
