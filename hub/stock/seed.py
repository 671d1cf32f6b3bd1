"""Provides the initial store stock: a JSON file applied once as `receipt` movements.

File shape: `{"store": "demo", "items": [{"gtin": "...", "on_hand": 14,
"shelf_location": "Aisle 5, bay 2"}, ...]}` (other keys are ignored). Every receipt names the
same source, `stock-seed:<store>`, so applying the file again, on any restart, adds nothing.
Shelf locations from the file fill in only where the hub has none yet.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from sqlite_utils import Database

from contracts.envelope import describe_validation_error
from contracts.gtin import to_gtin14
from hub.db import stock
from hub.db.connection import write_transaction
from hub.db.stock import Movement
from hub.errors import SeedStockInvalid


class StockSeedItem(BaseModel):
    """One product's initial stock in the store."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    gtin: str = Field(description="GTIN in any length; stored as GTIN-14")
    on_hand: int = Field(ge=0, description="units on hand")
    shelf_location: str | None = Field(default=None, description="where it sits in the store")

    @field_validator("gtin")
    @classmethod
    def _gtin14(cls, value: str) -> str:
        return to_gtin14(value)


class StockSeed(BaseModel):
    """The initial stock of one store."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    store: str = Field(description="store id the file is for")
    items: list[StockSeedItem] = Field(description="one row per product")


@dataclass(frozen=True, slots=True)
class SeedReport:
    """What applying a seed changed: new receipts and shelf locations."""

    receipts: int
    locations: int


def seed_source(store_id: str) -> str:
    """The source event id every seed receipt of a store carries."""
    return f"stock-seed:{store_id}"


def load_stock_seed(path: Path) -> StockSeed:
    """Reads and validates a stock seed file.

    Raises:
        SeedStockInvalid: if the file cannot be read or does not validate.
    """
    try:
        return StockSeed.model_validate_json(path.read_bytes())
    except OSError as exc:
        raise SeedStockInvalid(f"{path}: cannot read: {exc}") from exc
    except ValidationError as exc:
        raise SeedStockInvalid(f"{path}: {describe_validation_error(exc)}") from exc


def apply_stock_seed(db: Database, seed: StockSeed, *, store_id: str, now: datetime) -> SeedReport:
    """Applies a seed in one transaction; idempotent across restarts.

    Raises:
        SeedStockInvalid: if the seed is for another store.
    """
    if seed.store != store_id:
        raise SeedStockInvalid(f"stock seed is for store {seed.store!r}, this hub is {store_id!r}")
    source = seed_source(store_id)
    receipts = locations = 0
    with write_transaction(db):
        for item in seed.items:
            if item.on_hand > 0:
                movement = Movement(item.gtin, "receipt", item.on_hand, source, "initial stock")
                receipts += stock.record_movement(db, movement, now)
            if item.shelf_location and stock.shelf_location(db, item.gtin) is None:
                stock.set_shelf_location(db, item.gtin, item.shelf_location, source=source, now=now)
                locations += 1
    return SeedReport(receipts, locations)
