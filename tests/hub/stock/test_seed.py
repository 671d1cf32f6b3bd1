"""Tests the initial stock seed: applied once across restarts, refused when invalid."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hub_builders import CEREAL, OAT_MILK

from hub.db import stock
from hub.db.connection import open_database
from hub.errors import SeedStockInvalid
from hub.stock.seed import apply_stock_seed, load_stock_seed

NOW = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)


def write_seed(path: Path, items: list[dict[str, object]], store: str = "demo") -> Path:
    """Writes a seed file."""
    path.write_text(json.dumps({"store": store, "seed": 7, "items": items}))
    return path


def test_seed_is_applied_once_across_restarts(tmp_path: Path, db_path: Path) -> None:
    seed_path = write_seed(
        tmp_path / "seed.json",
        [
            {"gtin": OAT_MILK[1:], "on_hand": 14, "shelf_location": "Aisle 5, bay 2"},
            {"gtin": CEREAL, "on_hand": 0, "shelf_location": "Aisle 1, bay 1"},
        ],
    )
    for restart in range(2):
        db = open_database(db_path)
        report = apply_stock_seed(db, load_stock_seed(seed_path), store_id="demo", now=NOW)
        assert (report.receipts, report.locations) == ((1, 2) if restart == 0 else (0, 0))
        assert stock.on_hand_many(db, [OAT_MILK, CEREAL]) == {OAT_MILK: 14, CEREAL: 0}
        assert stock.shelf_location(db, OAT_MILK) == "Aisle 5, bay 2"
        db.close()


def test_staff_shelf_location_is_not_overwritten_by_the_seed(tmp_path: Path, db_path: Path) -> None:
    db = open_database(db_path)
    stock.set_shelf_location(db, OAT_MILK, "Aisle 9", source="staff", now=NOW)
    seed_path = write_seed(
        tmp_path / "s.json", [{"gtin": OAT_MILK, "on_hand": 1, "shelf_location": "Aisle 5"}]
    )
    apply_stock_seed(db, load_stock_seed(seed_path), store_id="demo", now=NOW)
    assert stock.shelf_location(db, OAT_MILK) == "Aisle 9"


@pytest.mark.parametrize(
    ("items", "store", "message"),
    [
        ([{"gtin": "4006381333932", "on_hand": 1}], "demo", "valid GTIN"),
        ([{"gtin": OAT_MILK, "on_hand": -1}], "demo", "on_hand"),
        ([{"gtin": OAT_MILK, "on_hand": 1}], "other", "for store 'other'"),
    ],
)
def test_invalid_seed_is_refused_with_the_reason(
    tmp_path: Path, db_path: Path, items: list[dict[str, object]], store: str, message: str
) -> None:
    db = open_database(db_path)
    path = write_seed(tmp_path / "bad.json", items, store=store)
    with pytest.raises(SeedStockInvalid, match=message):
        apply_stock_seed(db, load_stock_seed(path), store_id="demo", now=NOW)
    assert stock.on_hand(db, OAT_MILK) == 0


def test_missing_seed_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(SeedStockInvalid, match="cannot read"):
        load_stock_seed(tmp_path / "absent.json")
