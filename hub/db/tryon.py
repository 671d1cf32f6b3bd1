"""Provides the try-on asset builder's reads of the catalog: garment products and a fingerprint
that changes whenever a garment product is added or changed."""

from __future__ import annotations

from collections.abc import Iterable

from sqlite_utils import Database

from hub.db.codec import from_json
from hub.tryon.garments import GarmentProduct


def _placeholders(values: Iterable[str]) -> tuple[str, list[str]]:
    listed = list(values)
    return ",".join("?" * len(listed)), listed


def garment_products(db: Database, subcategories: Iterable[str]) -> list[GarmentProduct]:
    """Every catalog product of `subcategories`, ordered by GTIN."""
    marks, params = _placeholders(subcategories)
    rows = db.execute(
        "SELECT gtin, name, brand, subcategory, attributes FROM products"
        f" WHERE subcategory IN ({marks}) ORDER BY gtin",
        params,
    ).fetchall()
    return [
        GarmentProduct(
            gtin=gtin, name=name, brand=brand, subcategory=sub, attributes=from_json(attributes)
        )
        for gtin, name, brand, sub, attributes in rows
    ]


def garment_fingerprint(db: Database, subcategories: Iterable[str]) -> tuple[object, ...]:
    """(count, highest version, latest update) of the garment products: equal means unchanged."""
    marks, params = _placeholders(subcategories)
    row = db.execute(
        "SELECT count(*), max(version), max(updated_at) FROM products"
        f" WHERE subcategory IN ({marks})",
        params,
    ).fetchone()
    return tuple(row)
