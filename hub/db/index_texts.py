"""Provides the read a text index build needs: every catalog product's searchable text, price,
age range and store stock."""

from __future__ import annotations

from dataclasses import dataclass

from sqlite_utils import Database


@dataclass(frozen=True, slots=True)
class IndexText:
    """One product as text search sees it.

    Attributes:
        gtin: GTIN-14.
        text: name, brand, category, subcategory and description, as embedded.
        price_cents: base price, minor units.
        age_min_months: kids: youngest age, else None.
        age_max_months: kids: oldest age, else None.
        in_stock: store on-hand above zero.
    """

    gtin: str
    text: str
    price_cents: int
    age_min_months: int | None
    age_max_months: int | None
    in_stock: bool


def product_text(name: str, brand: str, category: str, subcategory: str, description: str) -> str:
    """The text a product is found by (the same composition the kiosk used before)."""
    return f"{name}. {brand}. {category}, {subcategory}. {description}"


def index_texts(db: Database) -> list[IndexText]:
    """Every product in the hub's catalog copy, by GTIN, with its searchable text."""
    rows = db.execute(
        """
        SELECT p.gtin, p.name, p.brand, p.category, p.subcategory, p.description,
               p.price_cents, p.age_min_months, p.age_max_months,
               COALESCE((SELECT SUM(m.quantity) FROM stock_movements m WHERE m.gtin = p.gtin), 0)
        FROM products p ORDER BY p.gtin
        """
    ).fetchall()
    return [_index_text(row) for row in rows]


def _index_text(row: tuple[object, ...]) -> IndexText:
    gtin, name, brand, category, subcategory, description, price, age_min, age_max, units = row
    return IndexText(
        gtin=str(gtin),
        text=product_text(
            str(name), str(brand), str(category), str(subcategory or ""), str(description or "")
        ),
        price_cents=int(str(price)),
        age_min_months=None if age_min is None else int(str(age_min)),
        age_max_months=None if age_max is None else int(str(age_max)),
        in_stock=int(str(units)) > 0,
    )
