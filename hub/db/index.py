"""Provides the reads an index build needs: every catalog product with its image and stock."""

from __future__ import annotations

from dataclasses import dataclass

from sqlite_utils import Database


@dataclass(frozen=True, slots=True)
class IndexProduct:
    """One product as the index build sees it.

    Attributes:
        gtin: GTIN-14.
        image_path: central's image path (relative to its base URL), if any.
        on_hand: store on-hand units (sum of stock movements).
    """

    gtin: str
    image_path: str | None
    on_hand: int


def index_products(db: Database) -> list[IndexProduct]:
    """Every product in the hub's catalog copy, by GTIN, with its store on-hand."""
    rows = db.execute(
        """
        SELECT p.gtin, p.image_url, COALESCE(SUM(m.quantity), 0)
        FROM products p LEFT JOIN stock_movements m ON m.gtin = p.gtin
        GROUP BY p.gtin ORDER BY p.gtin
        """
    ).fetchall()
    return [IndexProduct(str(gtin), path, int(units)) for gtin, path, units in rows]
