"""Provides the wire models of the central catalog's HTTP API (`/v1`), as the hub consumes them.

Central is the source of truth for the product master, base and online prices, online stock per
warehouse and reviews; the hub pulls them through the cursor-based change feed (`GET /v1/changes`)
and pushes store availability and delivery orders back. Money is integer minor units (cents) with
an ISO 4217 currency, never floats. GTINs are GTIN-14 strings. Wire models are frozen and ignore
unknown fields, so central can add fields without breaking older hubs.

Change feed semantics: `GET /v1/changes?cursor=N` returns the changes with `cursor > N` in cursor
order. A consumer applies them, stores `next_cursor` durably, and asks again with it; after a crash
it resumes from the stored cursor and never re-applies a change. Every change carries the full
product snapshot as it was right after the change, so applying a change is an idempotent upsert.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, JsonValue, field_validator, model_validator

from contracts.gtin import is_valid_gtin
from contracts.ids import IDENTIFIER_PATTERN

GTIN14_PATTERN = r"^\d{14}$"
ChangeKind = Literal["product", "price", "stock", "review"]
OrderStatus = Literal["accepted"]
Fulfilment = Literal["delivery"]


class CatalogWireModel(BaseModel):
    """Base of the catalog wire models: frozen, unknown fields ignored (forward compatible)."""

    model_config = ConfigDict(extra="ignore", frozen=True)


def _check_gtin14(value: str) -> str:
    if not is_valid_gtin(value):
        raise ValueError(f"GTIN-14 {value} has a wrong check digit")
    return value


class WarehouseStockLevel(CatalogWireModel):
    """Online stock of one product in one warehouse of the chain."""

    warehouse: str = Field(pattern=IDENTIFIER_PATTERN.pattern, description="warehouse id")
    name: str = Field(min_length=1, description="warehouse display name")
    quantity: int = Field(ge=0, description="units available to sell online")
    delivery_days: int = Field(ge=0, description="days to deliver from this warehouse")


class Review(CatalogWireModel):
    """One shopper review of a product."""

    id: int = Field(ge=1, description="review id, unique in central")
    gtin: str = Field(pattern=GTIN14_PATTERN, description="reviewed product, GTIN-14")
    rating: int = Field(ge=1, le=5, description="stars, 1 to 5")
    title: str = Field(max_length=200, description="one-line title")
    text: str = Field(max_length=4000, description="review body")
    helpful_votes: int = Field(ge=0, description="shoppers who found the review helpful")
    created_at: datetime = Field(description="UTC time the review was written")


class CatalogProduct(CatalogWireModel):
    """One product of the central catalog with its online stock and rating summary.

    Attributes:
        price_cents: the base (shelf) price; stores apply their own approved rules on top.
        online_price_cents: the chain's online price; None when the product is not sold online.
        image_url: path of the rendered product image, relative to central's base URL.
        attributes: free-form facts (size, colour, volume_ml, ...), JSON values.
        complements: GTIN-14s of complementary products, all present in the catalog.
        age_min_months / age_max_months: age range for kids items, None otherwise.
        version: cursor of the last change to this product (grows with every change).
        updated_at: UTC time of that change.
    """

    gtin: str = Field(pattern=GTIN14_PATTERN, description="GTIN-14")
    name: str = Field(min_length=1, max_length=200, description="product name")
    brand: str = Field(min_length=1, max_length=100, description="brand name")
    category: str = Field(min_length=1, max_length=50, description="top-level category")
    subcategory: str = Field(default="", max_length=50, description="finer category")
    description: str = Field(default="", max_length=4000, description="shopper-facing text")
    image_url: str | None = Field(default=None, description="image path on central")
    currency: str = Field(pattern=r"^[A-Z]{3}$", description="ISO 4217 currency")
    price_cents: int = Field(ge=0, description="base price in minor units")
    online_price_cents: int | None = Field(default=None, ge=0, description="online price")
    attributes: dict[str, JsonValue] = Field(default_factory=dict, description="facts")
    complements: list[str] = Field(default_factory=list, description="complementary GTIN-14s")
    age_min_months: int | None = Field(default=None, ge=0, description="kids: youngest age")
    age_max_months: int | None = Field(default=None, ge=0, description="kids: oldest age")
    online_stock: list[WarehouseStockLevel] = Field(default_factory=list, description="stock")
    rating_average: float | None = Field(default=None, ge=1, le=5, description="mean stars")
    rating_count: int = Field(default=0, ge=0, description="number of reviews")
    version: int = Field(default=0, ge=0, description="cursor of the last change")
    updated_at: datetime | None = Field(default=None, description="UTC time of the last change")

    @field_validator("gtin")
    @classmethod
    def _gtin_check_digit(cls, value: str) -> str:
        return _check_gtin14(value)

    @field_validator("complements")
    @classmethod
    def _complement_gtins(cls, value: list[str]) -> list[str]:
        for gtin in value:
            if len(gtin) != 14 or not is_valid_gtin(gtin):
                raise ValueError(f"complement {gtin!r} is not a valid GTIN-14")
        return value

    @model_validator(mode="after")
    def _age_range(self) -> CatalogProduct:
        low, high = self.age_min_months, self.age_max_months
        if low is not None and high is not None and low > high:
            raise ValueError(f"age_min_months {low} > age_max_months {high}")
        return self

    @property
    def online_quantity(self) -> int:
        """Units available online across all warehouses."""
        return sum(level.quantity for level in self.online_stock)


class ProductPage(CatalogWireModel):
    """One page of `GET /v1/products` (keyset pagination by GTIN)."""

    products: list[CatalogProduct] = Field(description="products in GTIN order")
    next_cursor: str | None = Field(description="pass as `cursor` for the next page; None at end")


class Change(CatalogWireModel):
    """One entry of the change feed.

    Attributes:
        cursor: position in the feed, strictly increasing in commit order.
        kind: what changed: the product master, a price, online stock, or a review was added.
        product: the full product snapshot right after the change (apply as an upsert).
        review: the new review when `kind == "review"`.
    """

    cursor: int = Field(ge=1, description="feed position")
    kind: ChangeKind = Field(description="what changed")
    gtin: str = Field(pattern=GTIN14_PATTERN, description="product the change is about")
    at: datetime = Field(description="UTC time of the change")
    product: CatalogProduct = Field(description="product snapshot after the change")
    review: Review | None = Field(default=None, description="the review, for kind=review")


class ChangePage(CatalogWireModel):
    """One page of `GET /v1/changes`.

    Attributes:
        next_cursor: the cursor to ask with next (the last change's cursor, or the request's
            cursor when the page is empty).
        has_more: more changes are waiting after this page.
        as_of: central's clock when the page was read; the hub shows it as its copy's age.
    """

    changes: list[Change] = Field(description="changes in cursor order")
    next_cursor: int = Field(ge=0, description="cursor for the next request")
    has_more: bool = Field(description="more changes wait after this page")
    as_of: datetime = Field(description="central's UTC time when the page was read")


class OrderLine(CatalogWireModel):
    """One line of a delivery order request."""

    gtin: str = Field(pattern=GTIN14_PATTERN, description="product, GTIN-14")
    quantity: int = Field(ge=1, le=99, description="units")

    @field_validator("gtin")
    @classmethod
    def _gtin_check_digit(cls, value: str) -> str:
        return _check_gtin14(value)


class OrderRequest(CatalogWireModel):
    """Body of `POST /v1/orders` (sent with an `Idempotency-Key` header).

    Attributes:
        store: the store the order was placed from (its kiosk).
        customer_ref: an opaque reference the store gives the shopper (no personal data).
    """

    store: str = Field(pattern=IDENTIFIER_PATTERN.pattern, description="ordering store id")
    lines: list[OrderLine] = Field(min_length=1, max_length=50, description="order lines")
    fulfilment: Fulfilment = Field(default="delivery", description="how the order is fulfilled")
    customer_ref: str | None = Field(default=None, max_length=64, description="opaque reference")

    @field_validator("lines")
    @classmethod
    def _distinct_gtins(cls, value: list[OrderLine]) -> list[OrderLine]:
        gtins = [line.gtin for line in value]
        if len(set(gtins)) != len(gtins):
            raise ValueError("each GTIN may appear on one line only")
        return value


class OrderLineResult(CatalogWireModel):
    """One line of an accepted order, priced and allocated to a warehouse."""

    gtin: str = Field(pattern=GTIN14_PATTERN, description="product, GTIN-14")
    name: str = Field(description="product name at order time")
    quantity: int = Field(ge=1, description="units")
    unit_price_cents: int = Field(ge=0, description="online price per unit at order time")
    warehouse: str = Field(description="warehouse the units ship from")
    delivery_days: int = Field(ge=0, description="days to deliver")


class Order(CatalogWireModel):
    """A delivery order accepted by central (`POST /v1/orders`, `GET /v1/orders/{id}`)."""

    id: str = Field(description="order id")
    status: OrderStatus = Field(description="order status")
    store: str = Field(description="ordering store id")
    customer_ref: str | None = Field(default=None, description="opaque reference")
    fulfilment: Fulfilment = Field(description="how the order is fulfilled")
    lines: list[OrderLineResult] = Field(description="priced, allocated lines")
    currency: str = Field(pattern=r"^[A-Z]{3}$", description="ISO 4217 currency")
    total_cents: int = Field(ge=0, description="sum of quantity x unit price")
    delivery_days: int = Field(ge=0, description="days until the whole order arrives")
    created_at: datetime = Field(description="UTC time central accepted the order")


class StoreAvailabilityItem(CatalogWireModel):
    """The on-hand count of one product in one store."""

    gtin: str = Field(pattern=GTIN14_PATTERN, description="product, GTIN-14")
    on_hand: int = Field(ge=0, description="units on hand, reservations deducted")


class StoreAvailability(CatalogWireModel):
    """Body of `PUT /v1/stores/{store}/availability`, pushed by a hub.

    Rows are upserted per GTIN. A row older than the one central holds (by `as_of`) is ignored,
    so repeating or reordering pushes never moves availability backwards.
    """

    as_of: datetime = Field(description="UTC time of the hub ledger snapshot")
    items: list[StoreAvailabilityItem] = Field(max_length=100_000, description="rows to upsert")

    @field_validator("as_of")
    @classmethod
    def _utc(cls, value: datetime) -> datetime:
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError("as_of must carry a UTC offset (e.g. 2026-01-01T10:00:00Z)")
        return value.astimezone(UTC)


class AvailabilityReceipt(CatalogWireModel):
    """Central's answer to an availability push."""

    store: str = Field(description="store id")
    applied: int = Field(ge=0, description="rows stored (new or newer than central's copy)")
    unchanged: int = Field(ge=0, description="rows equal to or older than central's copy")
    unknown_gtins: list[str] = Field(description="GTINs central does not know (not stored)")


class StoreAvailabilityRow(CatalogWireModel):
    """One row of `GET /v1/stores/{store}/availability`."""

    gtin: str = Field(pattern=GTIN14_PATTERN, description="product, GTIN-14")
    on_hand: int = Field(ge=0, description="units on hand")
    as_of: datetime = Field(description="hub snapshot time of this row")


class CentralHealth(CatalogWireModel):
    """Body of `GET /v1/health`."""

    status: Literal["ok"] = Field(description="always ok when central answers")
    products: int = Field(ge=0, description="products in the catalog")
    last_cursor: int = Field(ge=0, description="cursor of the newest change in the feed")
    as_of: datetime = Field(description="central's UTC time")


class ErrorBody(CatalogWireModel):
    """Body of every 4xx answer of central: a stable code and a readable message."""

    code: str = Field(description="machine-readable code, e.g. unknown_gtin")
    message: str = Field(description="what was wrong, for humans")
