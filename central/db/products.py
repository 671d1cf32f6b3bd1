"""Provides the product, online-stock and review statements (functions taking a `Tx`)."""

from __future__ import annotations

import json
from typing import Any

from central.db.connection import Row, Tx
from central.models import ProductInput, ReviewInput
from contracts.catalog import CatalogProduct, Review, WarehouseStockLevel


def image_path(gtin: str) -> str:
    """Returns the path of a product's rendered image, relative to central's base URL."""
    return f"/v1/products/{gtin}/image.png"


def upsert_product(tx: Tx, product: ProductInput) -> None:
    """Inserts a product or replaces its master fields (stock and reviews are kept)."""
    columns = set(ProductInput.model_fields) - {"attributes", "complements"}
    params = product.model_dump(include=columns)
    params["attributes_json"] = json.dumps(product.attributes, sort_keys=True)
    params["complements_json"] = json.dumps(product.complements)
    tx.execute(
        """
        INSERT INTO products (gtin, name, brand, category, subcategory, description, currency,
            price_cents, online_price_cents, attributes_json, complements_json,
            age_min_months, age_max_months)
        VALUES (:gtin, :name, :brand, :category, :subcategory, :description, :currency,
            :price_cents, :online_price_cents, :attributes_json, :complements_json,
            :age_min_months, :age_max_months)
        ON CONFLICT (gtin) DO UPDATE SET name = excluded.name, brand = excluded.brand,
            category = excluded.category, subcategory = excluded.subcategory,
            description = excluded.description, currency = excluded.currency,
            price_cents = excluded.price_cents, online_price_cents = excluded.online_price_cents,
            attributes_json = excluded.attributes_json,
            complements_json = excluded.complements_json,
            age_min_months = excluded.age_min_months, age_max_months = excluded.age_max_months
        """,
        params,
    )


def product_row(tx: Tx, gtin: str) -> Row | None:
    """Returns the raw product row, or None when the GTIN is unknown."""
    return tx.one("SELECT * FROM products WHERE gtin = :gtin", {"gtin": gtin})


def existing_gtins(tx: Tx, gtins: list[str]) -> set[str]:
    """Returns the subset of `gtins` present in the catalog."""
    found: set[str] = set()
    for start in range(0, len(gtins), 500):
        chunk = gtins[start : start + 500]
        names = {f"g{i}": gtin for i, gtin in enumerate(chunk)}
        placeholders = ", ".join(f":{name}" for name in names)
        rows = tx.all(f"SELECT gtin FROM products WHERE gtin IN ({placeholders})", names)
        found.update(row["gtin"] for row in rows)
    return found


def set_prices(tx: Tx, gtin: str, price_cents: int, online_price_cents: int | None) -> None:
    """Writes both prices of a product."""
    tx.execute(
        "UPDATE products SET price_cents = :price, online_price_cents = :online WHERE gtin = :gtin",
        {"price": price_cents, "online": online_price_cents, "gtin": gtin},
    )


def mark_version(tx: Tx, gtin: str, cursor: int, at: str) -> None:
    """Stamps a product with the cursor and time of its latest change."""
    tx.execute(
        "UPDATE products SET version = :cursor, updated_at = :at WHERE gtin = :gtin",
        {"cursor": cursor, "at": at, "gtin": gtin},
    )


def stock_rows(tx: Tx, gtin: str) -> list[Row]:
    """Returns a product's online stock rows joined with warehouse names, by warehouse id."""
    return tx.all(
        """
        SELECT s.warehouse, w.name, s.quantity, s.delivery_days
        FROM online_stock s JOIN warehouses w ON w.id = s.warehouse
        WHERE s.gtin = :gtin ORDER BY s.warehouse
        """,
        {"gtin": gtin},
    )


def upsert_stock(tx: Tx, gtin: str, warehouse: str, quantity: int, delivery_days: int) -> None:
    """Sets the online stock of a product in one warehouse."""
    tx.execute(
        """
        INSERT INTO online_stock (gtin, warehouse, quantity, delivery_days)
        VALUES (:gtin, :warehouse, :quantity, :delivery_days)
        ON CONFLICT (gtin, warehouse) DO UPDATE SET quantity = excluded.quantity,
            delivery_days = excluded.delivery_days
        """,
        {
            "gtin": gtin,
            "warehouse": warehouse,
            "quantity": quantity,
            "delivery_days": delivery_days,
        },
    )


def insert_review(tx: Tx, gtin: str, review: ReviewInput, created_at: str) -> Review:
    """Stores a review and returns it with its new id."""
    row = tx.one(
        """
        INSERT INTO reviews (gtin, rating, title, text, helpful_votes, created_at)
        VALUES (:gtin, :rating, :title, :text, :helpful_votes, :created_at)
        RETURNING id, gtin, rating, title, text, helpful_votes, created_at
        """,
        {
            "gtin": gtin,
            "rating": review.rating,
            "title": review.title,
            "text": review.text,
            "helpful_votes": review.helpful_votes,
            "created_at": created_at,
        },
    )
    return Review.model_validate(row)


def reviews_of(tx: Tx, gtin: str, limit: int) -> list[Review]:
    """Returns a product's reviews, most helpful first (newest first among equals)."""
    rows = tx.all(
        """
        SELECT id, gtin, rating, title, text, helpful_votes, created_at FROM reviews
        WHERE gtin = :gtin ORDER BY helpful_votes DESC, created_at DESC, id DESC LIMIT :limit
        """,
        {"gtin": gtin, "limit": limit},
    )
    return [Review.model_validate(row) for row in rows]


def snapshot(tx: Tx, gtin: str) -> CatalogProduct | None:
    """Builds the full wire product (master, online stock, rating summary), or None if unknown."""
    row = product_row(tx, gtin)
    if row is None:
        return None
    rating = tx.one(
        "SELECT COUNT(*) AS n, AVG(rating) AS mean FROM reviews WHERE gtin = :gtin",
        {"gtin": gtin},
    )
    return product_from_row(row, stock_rows(tx, gtin), rating or {"n": 0, "mean": None})


def product_from_row(row: Row, stock: list[Row], rating: Row) -> CatalogProduct:
    """Assembles a `CatalogProduct` from its row, its stock rows and `{n, mean}` of its ratings."""
    data: dict[str, Any] = {key: value for key, value in row.items() if not key.endswith("_json")}
    data["attributes"] = json.loads(row["attributes_json"])
    data["complements"] = json.loads(row["complements_json"])
    data["image_url"] = image_path(row["gtin"])
    data["online_stock"] = [WarehouseStockLevel.model_validate(level) for level in stock]
    data["rating_count"] = int(rating["n"] or 0)
    mean = rating["mean"]
    data["rating_average"] = None if mean is None else round(float(mean), 2)
    return CatalogProduct.model_validate(data)


def page_gtins(tx: Tx, after: str | None, limit: int) -> list[str]:
    """Returns up to `limit` GTINs greater than `after`, in order (keyset pagination)."""
    rows = tx.all(
        "SELECT gtin FROM products WHERE gtin > :after ORDER BY gtin LIMIT :limit",
        {"after": after or "", "limit": limit},
    )
    return [row["gtin"] for row in rows]
