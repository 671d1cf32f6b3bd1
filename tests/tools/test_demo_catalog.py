"""Tests the demo catalog generator and the committed catalog and store stock files."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from central.repository import CentralRepository
from central.seed import DEMO_CATALOG_PATH, read_seed
from contracts.catalog import CatalogProduct
from contracts.gtin import is_valid_gtin

REPO_ROOT = Path(__file__).resolve().parents[2]
STOCK_PATH = REPO_ROOT / "hub" / "data" / "demo_store_stock.json"


@pytest.fixture(scope="module")
def catalog() -> dict[str, Any]:
    """The committed demo catalog document."""
    data: dict[str, Any] = json.loads(DEMO_CATALOG_PATH.read_text(encoding="utf-8"))
    return data


def test_at_least_300_products_in_every_category(catalog: dict[str, Any]) -> None:
    products = catalog["products"]
    assert len(products) >= 300
    categories = {p["category"] for p in products}
    assert categories == {"grocery", "apparel", "kids", "electronics", "home"}


def test_every_gtin_valid_and_unique(catalog: dict[str, Any]) -> None:
    gtins = [p["gtin"] for p in catalog["products"]]
    assert len(set(gtins)) == len(gtins)
    assert all(len(g) == 14 and is_valid_gtin(g) for g in gtins)
    assert any(g.startswith("00") for g in gtins), "expected some UPC-A codes"
    assert any(not g.startswith("00") for g in gtins), "expected some EAN-13 codes"


def test_complements_point_to_existing_products(catalog: dict[str, Any]) -> None:
    known = {p["gtin"] for p in catalog["products"]}
    for product in catalog["products"]:
        assert product["complements"], product["name"]
        assert set(product["complements"]) <= known
        assert product["gtin"] not in product["complements"]


def test_products_have_stock_reviews_and_prices(catalog: dict[str, Any]) -> None:
    products = catalog["products"]
    assert all(2 <= len(p["online_stock"]) <= 3 for p in products)
    assert sum(len(p["reviews"]) for p in products) > len(products)
    assert all(p["price_cents"] > 0 for p in products)
    assert any(p["online_price_cents"] is None for p in products)
    kids = [p for p in products if p["category"] == "kids"]
    assert all(p["age_min_months"] is not None for p in kids)


def test_unknown_and_featured_gtins(catalog: dict[str, Any]) -> None:
    known = {p["gtin"] for p in catalog["products"]}
    assert len(catalog["unknown_gtins"]) >= 3
    assert all(is_valid_gtin(g) and g not in known for g in catalog["unknown_gtins"])
    assert set(catalog["featured"].values()) <= known
    assert "oat_milk" in catalog["featured"]


def test_store_stock_covers_the_catalog(catalog: dict[str, Any]) -> None:
    stock = json.loads(STOCK_PATH.read_text(encoding="utf-8"))
    assert stock["store"] == "demo"
    items = {item["gtin"]: item for item in stock["items"]}
    assert set(items) == {p["gtin"] for p in catalog["products"]}
    out_share = sum(item["on_hand"] == 0 for item in items.values()) / len(items)
    assert 0.05 <= out_share <= 0.15
    assert all(item["shelf_location"].startswith("Aisle ") for item in items.values())
    assert items[catalog["featured"]["oat_milk"]]["on_hand"] > 0


def test_committed_files_are_up_to_date() -> None:
    script = REPO_ROOT / "tools" / "demo_catalog.py"
    result = subprocess.run(
        [sys.executable, str(script), "--check"], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr


def test_generation_is_deterministic(tmp_path: Path) -> None:
    script = REPO_ROOT / "tools" / "demo_catalog.py"
    outputs = []
    for run in ("a", "b"):
        catalog_out, stock_out = tmp_path / f"{run}-cat.json", tmp_path / f"{run}-stock.json"
        command = [
            sys.executable,
            str(script),
            "--seed",
            "11",
            "--catalog-out",
            str(catalog_out),
            "--stock-out",
            str(stock_out),
        ]
        subprocess.run(command, check=True, capture_output=True)
        outputs.append((catalog_out.read_bytes(), stock_out.read_bytes()))
    assert outputs[0] == outputs[1]
    assert outputs[0][0] != DEMO_CATALOG_PATH.read_bytes()  # another seed, another catalog


def test_central_serves_the_demo_catalog(tmp_path: Path, catalog: dict[str, Any]) -> None:
    repository = CentralRepository.from_path(tmp_path / "central.db")
    assert repository.load_seed(read_seed(DEMO_CATALOG_PATH)) == len(catalog["products"])
    oat: CatalogProduct = repository.product(catalog["featured"]["oat_milk"])
    assert (oat.price_cents, oat.online_price_cents) == (249, 229)
    assert oat.rating_count > 0
    assert repository.health().products == len(catalog["products"])


def test_help_smoke() -> None:
    script = REPO_ROOT / "tools" / "demo_catalog.py"
    result = subprocess.run(
        [sys.executable, str(script), "--help"], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0
    assert "--seed" in result.stdout
