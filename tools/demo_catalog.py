"""Provides the demo catalog generator: products, prices, online stock, reviews, store stock.

Deterministic for a given seed. Writes the central seed catalog (`central/data/demo_catalog.json`,
loaded by `aisle central --seed demo`) and the demo store's initial stock
(`hub/data/demo_store_stock.json`: on_hand and shelf location per GTIN for store `demo`). Every
GTIN carries a correct GS1 check digit; a few valid GTINs that are not in the catalog are listed
under `unknown_gtins` for test fixtures, and `featured` names the products fixtures show.

Usage: python tools/demo_catalog.py [--seed N] [--catalog-out PATH] [--stock-out PATH] [--check]
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

from central.models import SeedCatalog  # noqa: E402
from contracts.gtin import gs1_check_digit, is_valid_gtin  # noqa: E402
from tools.demo_catalog_data import (  # noqa: E402
    BRANDS,
    CATEGORY_BLURBS,
    COMPLEMENTS,
    REVIEW_TEXTS,
    REVIEW_TITLES,
    SHELF_AISLES,
    WAREHOUSES,
    Line,
)
from tools.demo_catalog_lines import LINES  # noqa: E402

DEFAULT_SEED = 7
CATALOG_PATH = REPO_ROOT / "central" / "data" / "demo_catalog.json"
STOCK_PATH = REPO_ROOT / "hub" / "data" / "demo_store_stock.json"
DEMO_STORE = "demo"
CURRENCY = "EUR"
OUT_OF_STOCK_SHARE = 0.10
REVIEW_EPOCH = datetime(2025, 1, 1, 9, 0, tzinfo=UTC)
UNKNOWN_PREFIXES = ("5909876", "4019999", "8009999", "029999")

# fixture key -> (brand, name): products the committed replay fixtures show (all EAN-13)
FEATURED = {
    "oat_milk": ("Northfield", "Barista oat drink 1 l"),
    "granola": ("Morning Mill", "Crunchy oat granola 500 g"),
    "sneakers": ("Trailmark", "Canvas sneakers white EU 42"),
    "mug": ("Hearth & Home", "Stoneware mug white"),
    "upca_cereal": ("Golden Grain", "Corn flakes 500 g"),
}
# the demo's "cheaper online" story: oat milk is 2.49 on the shelf, 2.29 online, 14 on the shelf
FEATURED_PRICES = {"oat_milk": (249, 229)}
FEATURED_STORE_STOCK = {"oat_milk": (14, "Aisle 5, bay 2")}


def make_gtin(prefix: str, item_ref: int) -> str:
    """Builds a GTIN-14 from a GS1 company prefix and an item reference.

    Args:
        prefix: 7 digits (EAN-13) or 6 digits starting with 0 (UPC-A).
        item_ref: item number within the company, 0..99999.
    """
    body = f"{prefix}{item_ref:05d}"
    if prefix.startswith("0"):
        body = body[1:]  # UPC-A: 11 digits before the check digit
    code = body + str(gs1_check_digit(body))
    return code.zfill(14)


def shelf_price(rng: random.Random, low: int, high: int) -> int:
    """A price in [low, high] cents ending in 9."""
    return max(9, rng.randint(low, high) // 10 * 10 + 9)


def online_price(rng: random.Random, price: int) -> int | None:
    """The online price: mostly equal, sometimes cheaper or dearer, sometimes not sold online."""
    roll = rng.random()
    if roll < 0.05:
        return None
    if roll < 0.27:
        return max(9, int(price * rng.uniform(0.85, 0.95)) // 10 * 10 + 9)
    if roll < 0.32:
        return int(price * rng.uniform(1.03, 1.10)) // 10 * 10 + 9
    return price


def online_stock(rng: random.Random, *, bulky: bool) -> list[dict[str, Any]]:
    """Stock in two or three warehouses; some warehouses are sold out."""
    chosen = rng.sample(WAREHOUSES, rng.choice((2, 3)))
    levels = []
    for warehouse, _, days in sorted(chosen):
        quantity = 0 if rng.random() < 0.12 else rng.randint(1, 250)
        levels.append(
            {"warehouse": warehouse, "quantity": quantity, "delivery_days": days + int(bulky)}
        )
    return levels


def reviews(rng: random.Random, category: str, *, quality: float | None = None) -> list[Any]:
    """Zero to six distinct reviews around a product quality (drawn at random unless given)."""
    quality = rng.uniform(2.8, 5.0) if quality is None else quality
    texts = REVIEW_TEXTS["grocery" if category == "grocery" else "goods"]
    made: list[dict[str, Any]] = []
    for _ in range(rng.choice((0, 1, 2, 2, 3, 3, 4, 5, 6))):
        rating = min(5, max(1, round(rng.gauss(quality, 0.8))))
        title, text = rng.choice(REVIEW_TITLES[rating]), rng.choice(texts[rating])
        if any(review["text"] == text for review in made):
            continue
        created = REVIEW_EPOCH + timedelta(days=rng.randint(0, 600), minutes=rng.randint(0, 900))
        made.append(
            {
                "rating": rating,
                "title": title,
                "text": text,
                "helpful_votes": rng.choice((0, 0, 1, 2, 3, 5, 8, 13, 21)),
                "created_at": created.isoformat().replace("+00:00", "Z"),
            }
        )
    return made


def line_members(line: Line) -> list[tuple[str, str, str]]:
    """Every (brand, name, variant) of a line; templates without `{v}` make one product."""
    members = []
    for template in line.names:
        variants = line.variants if "{v}" in template else ("",)
        for variant in variants:
            for brand in line.brands:
                members.append((brand, template.replace("{v}", variant).strip(), variant))
    return members


def product_core(line: Line, brand: str, name: str, variant: str, gtin: str) -> dict[str, Any]:
    """The master fields of one product (prices, stock and links are added later)."""
    attributes: dict[str, Any] = dict(line.attributes)
    if line.variant_key and variant:
        attributes[line.variant_key] = variant
    if line.variant_key == "size" and variant and name.endswith(variant):
        # sizes of one style share it, so "is my size in stock" can find the siblings
        style = f"{brand} {name[: -len(variant)]}".strip().lower()
        attributes["style"] = "-".join(style.replace("&", "and").split())
    core: dict[str, Any] = {
        "gtin": gtin,
        "name": name,
        "brand": brand,
        "category": line.category,
        "subcategory": line.subcategory,
        "description": f"{name} by {brand}. {CATEGORY_BLURBS[line.category]}",
        "currency": CURRENCY,
        "attributes": attributes,
    }
    if line.age_months is not None:
        core["age_min_months"], core["age_max_months"] = line.age_months
    return core


def build_products(rng: random.Random) -> list[dict[str, Any]]:
    """Makes every product of every line with unique GTINs, prices, stock and reviews."""
    next_ref = {name: rng.randint(100, 900) for name in BRANDS}
    products = []
    for line in LINES:
        for brand, name, variant in line_members(line):
            next_ref[brand] += rng.randint(1, 37)
            gtin = make_gtin(BRANDS[brand].prefix, next_ref[brand])
            product = product_core(line, brand, name, variant, gtin)
            product["price_cents"] = shelf_price(rng, *line.price_cents)
            product["online_price_cents"] = online_price(rng, product["price_cents"])
            product["online_stock"] = online_stock(rng, bulky=line.bulky)
            product["reviews"] = reviews(rng, line.category)
            products.append(product)
    return products


def link_complements(rng: random.Random, products: list[dict[str, Any]]) -> None:
    """Gives each product one to three complementary products from related subcategories."""
    by_subcategory: dict[str, list[str]] = {}
    for product in products:
        by_subcategory.setdefault(product["subcategory"], []).append(product["gtin"])
    for product in products:
        pool = sorted(
            {g for sub in COMPLEMENTS.get(product["subcategory"], ()) for g in by_subcategory[sub]}
        )
        count = min(len(pool), rng.randint(1, 3))
        product["complements"] = sorted(rng.sample(pool, count))


def featured_gtins(rng: random.Random, products: list[dict[str, Any]]) -> dict[str, str]:
    """Finds the featured products and pins their prices, online stock and (good) reviews.

    Raises:
        LookupError: if a featured product is missing from the generated lines.
    """
    index = {(p["brand"], p["name"]): p for p in products}
    featured = {}
    for key, brand_name in FEATURED.items():
        if brand_name not in index:
            raise LookupError(f"featured product {brand_name} not generated")
        product = index[brand_name]
        featured[key] = product["gtin"]
        if key in FEATURED_PRICES:
            product["price_cents"], product["online_price_cents"] = FEATURED_PRICES[key]
        product["online_stock"][0]["quantity"] = max(24, product["online_stock"][0]["quantity"])
        product["reviews"] = reviews(rng, product["category"], quality=4.6)
    return featured


def unknown_gtins(rng: random.Random, known: set[str]) -> list[str]:
    """Valid GTINs (check digit right) that are not in the catalog, for unknown-code fixtures."""
    codes = []
    for prefix in UNKNOWN_PREFIXES:
        for _ in range(2):
            code = make_gtin(prefix, rng.randint(0, 99999))
            if code not in known and code not in codes:
                codes.append(code)
    return codes


def build_catalog(seed: int) -> dict[str, Any]:
    """Builds the whole seed catalog document for `seed` (validated against `SeedCatalog`)."""
    rng = random.Random(seed)
    products = build_products(rng)
    link_complements(rng, products)
    featured = featured_gtins(rng, products)
    document = {
        "version": 1,
        "seed": seed,
        "currency": CURRENCY,
        "warehouses": [{"id": wid, "name": name} for wid, name, _ in WAREHOUSES],
        "featured": featured,
        "products": products,
        "unknown_gtins": unknown_gtins(rng, {p["gtin"] for p in products}),
    }
    SeedCatalog.model_validate(document)
    return document


def shelf_location(rng: random.Random, category: str, subcategory_index: int) -> str:
    """A shelf location such as "Aisle 5, bay 2" within the category's aisles."""
    first, last = SHELF_AISLES[category]
    aisle = first + subcategory_index % (last - first + 1)
    return f"Aisle {aisle}, bay {rng.randint(1, 8)}"


def build_store_stock(seed: int, catalog: dict[str, Any]) -> dict[str, Any]:
    """Builds the demo store's initial stock: about 10% of products out of stock."""
    rng = random.Random(seed * 7919 + 1)
    featured = set(catalog["featured"].values())
    pinned = {catalog["featured"][key]: value for key, value in FEATURED_STORE_STOCK.items()}
    subcategories: dict[str, int] = {}
    items = []
    for product in catalog["products"]:
        index = subcategories.setdefault(product["subcategory"], len(subcategories))
        out = rng.random() < OUT_OF_STOCK_SHARE and product["gtin"] not in featured
        high = 8 if product["category"] == "apparel" else 40
        on_hand = 0 if out else rng.randint(1, high)
        location = shelf_location(rng, product["category"], index)
        on_hand, location = pinned.get(product["gtin"], (on_hand, location))
        items.append({"gtin": product["gtin"], "on_hand": on_hand, "shelf_location": location})
    return {
        "store": DEMO_STORE,
        "seed": seed,
        "generated_by": "tools/demo_catalog.py",
        "items": items,
    }


def check_catalog(catalog: dict[str, Any]) -> list[str]:
    """Returns every problem found: bad or duplicate GTINs, dangling complements, too few items."""
    problems = []
    gtins = [p["gtin"] for p in catalog["products"]]
    if len(gtins) < 300:
        problems.append(f"only {len(gtins)} products (need >= 300)")
    if len(set(gtins)) != len(gtins):
        problems.append("duplicate GTINs")
    problems += [f"invalid GTIN {g}" for g in gtins if len(g) != 14 or not is_valid_gtin(g)]
    known = set(gtins)
    for product in catalog["products"]:
        problems += [
            f"{product['gtin']} -> missing complement {c}"
            for c in product["complements"]
            if c not in known
        ]
    problems += [
        f"unknown GTIN {g} is in the catalog" for g in catalog["unknown_gtins"] if g in known
    ]
    return problems


def dump(document: dict[str, Any]) -> str:
    """Serialises a document the way it is committed (stable, one product per few lines)."""
    return json.dumps(document, indent=1, ensure_ascii=False) + "\n"


def main(argv: list[str] | None = None) -> int:
    """Generates (or with `--check`, verifies) the demo catalog and store stock files."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="generator seed")
    parser.add_argument("--catalog-out", type=Path, default=CATALOG_PATH, help="catalog JSON")
    parser.add_argument("--stock-out", type=Path, default=STOCK_PATH, help="store stock JSON")
    parser.add_argument(
        "--check",
        action="store_true",
        help="verify the files are up to date instead of writing them",
    )
    args = parser.parse_args(argv)
    catalog = build_catalog(args.seed)
    problems = check_catalog(catalog)
    if problems:
        print("\n".join(problems), file=sys.stderr)
        return 1
    outputs = {
        args.catalog_out: dump(catalog),
        args.stock_out: dump(build_store_stock(args.seed, catalog)),
    }
    for path, text in outputs.items():
        if args.check:
            if not path.is_file() or path.read_text(encoding="utf-8") != text:
                print(f"{path} is out of date: run python tools/demo_catalog.py", file=sys.stderr)
                return 1
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    print(f"{len(catalog['products'])} products, {len(catalog['unknown_gtins'])} unknown GTINs")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
