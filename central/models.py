"""Provides central's input models: admin writes and the seed catalog file format.

These are central's own (not wire contracts the hub reads), so they forbid unknown fields: a typo
in an admin call or a seed file is an error, not a silent no-op.
"""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field, JsonValue, field_validator, model_validator

from contracts.gtin import is_valid_gtin
from contracts.ids import IDENTIFIER_PATTERN


class InputModel(BaseModel):
    """Base of central's input models: frozen, unknown fields rejected."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class StockInput(InputModel):
    """Online stock of a product in one warehouse, as written by an admin or a seed file."""

    warehouse: str = Field(pattern=IDENTIFIER_PATTERN.pattern, description="warehouse id")
    quantity: int = Field(ge=0, description="units available online")
    delivery_days: int = Field(ge=0, le=60, description="days to deliver from this warehouse")


class ReviewInput(InputModel):
    """A new review."""

    rating: int = Field(ge=1, le=5, description="stars, 1 to 5")
    title: str = Field(min_length=1, max_length=200, description="one-line title")
    text: str = Field(default="", max_length=4000, description="review body")
    helpful_votes: int = Field(default=0, ge=0, description="helpful votes so far")
    created_at: datetime | None = Field(default=None, description="UTC time; now when omitted")

    @field_validator("created_at")
    @classmethod
    def _aware(cls, value: datetime | None) -> datetime | None:
        if value is not None and value.utcoffset() is None:
            raise ValueError("created_at must carry a UTC offset (e.g. 2026-01-01T10:00:00Z)")
        return value


class ProductInput(InputModel):
    """The product master fields an admin or a seed file writes (no stock, no reviews)."""

    gtin: str = Field(pattern=r"^\d{14}$", description="GTIN-14")
    name: str = Field(min_length=1, max_length=200, description="product name")
    brand: str = Field(min_length=1, max_length=100, description="brand name")
    category: str = Field(min_length=1, max_length=50, description="top-level category")
    subcategory: str = Field(default="", max_length=50, description="finer category")
    description: str = Field(default="", max_length=4000, description="shopper-facing text")
    currency: str = Field(pattern=r"^[A-Z]{3}$", description="ISO 4217 currency")
    price_cents: int = Field(ge=0, description="base price in minor units")
    online_price_cents: int | None = Field(default=None, ge=0, description="online price")
    attributes: dict[str, JsonValue] = Field(default_factory=dict, description="facts")
    complements: list[str] = Field(default_factory=list, description="complementary GTIN-14s")
    age_min_months: int | None = Field(default=None, ge=0, description="kids: youngest age")
    age_max_months: int | None = Field(default=None, ge=0, description="kids: oldest age")

    @field_validator("gtin")
    @classmethod
    def _gtin_check_digit(cls, value: str) -> str:
        if not is_valid_gtin(value):
            raise ValueError(f"GTIN-14 {value} has a wrong check digit")
        return value

    @field_validator("complements")
    @classmethod
    def _complements(cls, value: list[str]) -> list[str]:
        for gtin in value:
            if len(gtin) != 14 or not is_valid_gtin(gtin):
                raise ValueError(f"complement {gtin!r} is not a valid GTIN-14")
        return value

    @model_validator(mode="after")
    def _age_range(self) -> ProductInput:
        low, high = self.age_min_months, self.age_max_months
        if low is not None and high is not None and low > high:
            raise ValueError(f"age_min_months {low} > age_max_months {high}")
        return self


class PriceUpdate(InputModel):
    """Body of `PUT /v1/admin/products/{gtin}/price`; omitted fields keep their value.

    Sending `"online_price_cents": null` takes the product off online sale.
    """

    price_cents: int | None = Field(default=None, ge=0, description="new base price")
    online_price_cents: int | None = Field(default=None, ge=0, description="new online price")

    @model_validator(mode="after")
    def _something_to_change(self) -> PriceUpdate:
        if not self.model_fields_set:
            raise ValueError("give price_cents and/or online_price_cents")
        if "price_cents" in self.model_fields_set and self.price_cents is None:
            raise ValueError("price_cents cannot be null")
        return self


class StockUpdate(InputModel):
    """Body of `PUT /v1/admin/products/{gtin}/stock/{warehouse}`."""

    quantity: int = Field(ge=0, description="units available online")
    delivery_days: int | None = Field(default=None, ge=0, le=60, description="days to deliver")


class WarehouseInput(InputModel):
    """A warehouse of the chain."""

    id: str = Field(pattern=IDENTIFIER_PATTERN.pattern, description="warehouse id")
    name: str = Field(min_length=1, max_length=100, description="display name")


class SeedProduct(ProductInput):
    """A product of a seed catalog, with its online stock and reviews."""

    online_stock: list[StockInput] = Field(default_factory=list, description="online stock")
    reviews: list[ReviewInput] = Field(default_factory=list, description="reviews")


class SeedCatalog(InputModel):
    """The seed catalog file (`central/data/demo_catalog.json`, written by tools/demo_catalog.py).

    Attributes:
        unknown_gtins: valid GTINs deliberately absent from the catalog (for test fixtures).
    """

    version: int = Field(default=1, description="file format version")
    seed: int | None = Field(default=None, description="generator seed, for reference")
    currency: str = Field(pattern=r"^[A-Z]{3}$", description="currency of every price")
    warehouses: list[WarehouseInput] = Field(description="warehouses")
    featured: dict[str, str] = Field(
        default_factory=dict, description="fixture key -> GTIN-14 of products fixtures show"
    )
    products: list[SeedProduct] = Field(description="products")
    unknown_gtins: list[str] = Field(default_factory=list, description="valid, absent GTINs")
