"""Provides the product card rules: which GTIN-14 a scanned code may mean, and how a card is
assembled from the hub's copy of central's catalog and the store ledger.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from contracts.cards import Complement, ProductCard, ReviewSnippet, WarehouseStock
from contracts.catalog import CatalogProduct, Review
from contracts.gtin import is_valid_gtin, to_gtin14, upce_to_upca

MAX_TOP_REVIEWS = 3
MAX_COMPLEMENTS = 4


def candidate_gtins(code: str) -> list[str]:
    """The GTIN-14s a scanned or typed code may stand for, most likely first.

    EAN-13, UPC-A and GTIN-14 have one reading. Eight digits may be an EAN-8 or a UPC-E; both
    readings with a valid check digit are returned, EAN-8 first.

    Args:
        code: digits as scanned (surrounding spaces ignored).

    Returns:
        Zero, one or two GTIN-14s; empty when the code is not a GTIN with a valid check digit.
    """
    text = code.strip()
    if not text.isdigit():
        return []
    found = []
    if is_valid_gtin(text):
        found.append(to_gtin14(text))
    if len(text) == 8 and text[0] in "01":
        upca = upce_to_upca(text)
        if is_valid_gtin(upca):
            found.append(to_gtin14(upca))
    return list(dict.fromkeys(found))


@dataclass(frozen=True, slots=True)
class StockedProduct:
    """A catalog product with its store on-hand."""

    product: CatalogProduct
    on_hand: int


@dataclass(frozen=True, slots=True)
class CardSources:
    """Everything a card is built from.

    Attributes:
        item: the product and its on-hand (reservations deducted).
        catalog_as_of: when the hub's copy of this product was current.
        image_url: absolute URL of the product image, or None.
        complements: the product's complements with their on-hand, in catalog order.
    """

    item: StockedProduct
    catalog_as_of: datetime
    central_reachable: bool
    shelf_location: str | None
    image_url: str | None
    reviews: Sequence[Review]
    complements: Sequence[StockedProduct]


def _complements(sources: CardSources) -> list[Complement]:
    in_stock = [c for c in sources.complements if c.on_hand > 0][:MAX_COMPLEMENTS]
    return [
        Complement(
            gtin=c.product.gtin,
            name=c.product.name,
            store_price_cents=c.product.price_cents,
            on_hand=c.on_hand,
        )
        for c in in_stock
    ]


def build_card(sources: CardSources) -> ProductCard:
    """Assembles the card a shopper sees: complements only when in stock here, top reviews."""
    product = sources.item.product
    return ProductCard(
        gtin=product.gtin,
        name=product.name,
        brand=product.brand,
        category=product.category,
        description=product.description,
        image_url=sources.image_url,
        currency=product.currency,
        store_price_cents=product.price_cents,
        online_price_cents=product.online_price_cents,
        on_hand=sources.item.on_hand,
        shelf_location=sources.shelf_location,
        online_stock=[
            WarehouseStock.model_validate(level.model_dump()) for level in product.online_stock
        ],
        rating_average=product.rating_average,
        rating_count=product.rating_count,
        top_reviews=[
            ReviewSnippet(
                rating=r.rating, title=r.title, text=r.text, helpful_votes=r.helpful_votes
            )
            for r in sources.reviews[:MAX_TOP_REVIEWS]
        ],
        complements=_complements(sources),
        catalog_as_of=sources.catalog_as_of,
        central_reachable=sources.central_reachable,
    )
