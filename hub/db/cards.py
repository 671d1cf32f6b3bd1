"""Provides the read side of a product card: gathers its sources from the hub database."""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import urljoin

from sqlite_utils import Database

from contracts.catalog import CatalogProduct
from hub.db import catalog, pricing, stock
from hub.domain.cards import MAX_TOP_REVIEWS, CardSources, StockedProduct


def image_url(central_url: str, path: str | None) -> str | None:
    """The absolute URL of a product image (central gives paths relative to its base URL)."""
    return None if path is None else urljoin(central_url.rstrip("/") + "/", path)


def _priced(product: CatalogProduct, store_prices: Mapping[str, int]) -> CatalogProduct:
    cents = store_prices.get(product.gtin)
    return product if cents is None else product.model_copy(update={"price_cents": cents})


def load_card_sources(db: Database, gtin: str, *, central_url: str) -> CardSources | None:
    """Reads everything the card of `gtin` needs; None when the local catalog lacks the GTIN.

    The card's `catalog_as_of` is the later of the product's own copy time and the time the
    hub last caught up with central's whole change feed. A product with an approved store price
    (`hub.db.pricing`) shows that price instead of central's.
    """
    record = catalog.get_product(db, gtin)
    if record is None:
        return None
    product = record.product
    state = catalog.load_sync_state(db)
    as_of = max(record.as_of, state.caught_up_as_of or record.as_of)
    complements = catalog.get_products(db, product.complements)
    counts = stock.on_hand_many(db, [gtin, *complements])
    prices = pricing.store_prices_of(db, [gtin, *complements])
    product = _priced(product, prices)
    return CardSources(
        item=StockedProduct(product, counts[gtin]),
        catalog_as_of=as_of,
        central_reachable=state.central_reachable,
        shelf_location=stock.shelf_location(db, gtin),
        image_url=image_url(central_url, product.image_url),
        reviews=catalog.top_reviews(db, gtin, limit=MAX_TOP_REVIEWS),
        complements=[
            StockedProduct(_priced(complements[c].product, prices), counts[c])
            for c in product.complements
            if c in complements
        ],
    )
