"""Provides the small seed catalog and deterministic clock central's tests build on."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from central.models import SeedCatalog

OAT_MILK = "04006381333931"  # EAN-13 4006381333931
CEREAL = "05012345678900"  # EAN-13 5012345678900
KETTLE = "00036000291452"  # UPC-A 036000291452
NOT_IN_CATALOG = "04006381333948"


class StepClock:
    """A deterministic clock: each call is one millisecond after the previous one."""

    def __init__(self) -> None:
        self._now = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        self._now += timedelta(milliseconds=1)
        return self._now


WAREHOUSES = [{"id": "wh-north", "name": "North"}, {"id": "wh-south", "name": "South"}]
OAT_MILK_PRODUCT = {
    "gtin": OAT_MILK,
    "name": "Oat drink 1 l",
    "brand": "Northfield",
    "price_cents": 249,
    "online_price_cents": 229,
    "complements": [CEREAL],
    "online_stock": [
        {"warehouse": "wh-north", "quantity": 5, "delivery_days": 1},
        {"warehouse": "wh-south", "quantity": 40, "delivery_days": 3},
    ],
    "reviews": [
        {"rating": 5, "title": "Great", "text": "Foams well", "helpful_votes": 7},
        {"rating": 3, "title": "Ok", "text": "A bit sweet", "helpful_votes": 1},
    ],
}
CEREAL_PRODUCT = {
    "gtin": CEREAL,
    "name": "Crunchy oat granola 500 g",
    "brand": "Morning Mill",
    "price_cents": 399,
    "online_price_cents": 399,
    "online_stock": [{"warehouse": "wh-south", "quantity": 3, "delivery_days": 2}],
}
KETTLE_PRODUCT = {  # not sold online
    "gtin": KETTLE,
    "name": "Kettle 1.7 l",
    "brand": "Homely",
    "category": "home",
    "price_cents": 2999,
}


def small_seed() -> SeedCatalog:
    """Three products in two warehouses; the kettle is not sold online."""
    base = {"currency": "EUR", "category": "grocery"}
    products = [{**base, **item} for item in (OAT_MILK_PRODUCT, CEREAL_PRODUCT, KETTLE_PRODUCT)]
    return SeedCatalog.model_validate(
        {"currency": "EUR", "warehouses": WAREHOUSES, "products": products}
    )
