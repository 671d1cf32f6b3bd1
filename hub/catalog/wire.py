"""Provides `parse_change_page`: a change-feed page body checked and turned straight into the
rows the hub writes, without building pydantic model instances.

A full sync reads every change of the catalog (a million at chain scale), and validating each
through `contracts.catalog.ChangePage` cost ~80 us a change, more than writing it. Here the body
is validated in one pass by pydantic-core against TypedDicts that mirror the contract models
field by field (same types, patterns, ranges and lengths; unknown fields ignored), which costs
about what decoding the JSON does; the model validators that run Python (GTIN check digits, the
age range, aware times) run in the row-building pass. So a page this parser accepts is a page
`ChangePage` accepts, and it yields the same rows as `hub.db.catalog.prepare_changes`
(tests/hub/catalog/test_wire.py holds both to it). Times are stored as `to_db_time` writes them;
attributes and complements as compact JSON text with sorted keys.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal, NotRequired

import orjson
from pydantic import Field, JsonValue, TypeAdapter, ValidationError
from typing_extensions import TypedDict  # pydantic needs it on Python < 3.12

from contracts.catalog import GTIN14_PATTERN
from contracts.envelope import describe_validation_error
from contracts.gtin import is_valid_gtin
from contracts.ids import IDENTIFIER_PATTERN
from hub.db.catalog import PreparedChange, Row
from hub.db.codec import to_db_time
from hub.errors import CatalogProtocolError

Gtin14 = Annotated[str, Field(pattern=GTIN14_PATTERN)]
Count = Annotated[int, Field(ge=0)]


class _StockLevel(TypedDict):
    """`contracts.catalog.WarehouseStockLevel` as a TypedDict."""

    warehouse: Annotated[str, Field(pattern=IDENTIFIER_PATTERN.pattern)]
    name: Annotated[str, Field(min_length=1)]
    quantity: Count
    delivery_days: Count


class _Product(TypedDict):
    """`contracts.catalog.CatalogProduct` as a TypedDict (its Python validators run later)."""

    gtin: Gtin14
    name: Annotated[str, Field(min_length=1, max_length=200)]
    brand: Annotated[str, Field(min_length=1, max_length=100)]
    category: Annotated[str, Field(min_length=1, max_length=50)]
    subcategory: NotRequired[Annotated[str, Field(max_length=50)]]
    description: NotRequired[Annotated[str, Field(max_length=4000)]]
    image_url: NotRequired[str | None]
    currency: Annotated[str, Field(pattern=r"^[A-Z]{3}$")]
    price_cents: Count
    online_price_cents: NotRequired[Count | None]
    attributes: NotRequired[dict[str, JsonValue]]
    complements: NotRequired[list[str]]
    age_min_months: NotRequired[Count | None]
    age_max_months: NotRequired[Count | None]
    online_stock: NotRequired[list[_StockLevel]]
    rating_average: NotRequired[Annotated[float, Field(ge=1, le=5)] | None]
    rating_count: NotRequired[Count]
    version: NotRequired[Count]
    updated_at: NotRequired[str | None]


class _Review(TypedDict):
    """`contracts.catalog.Review` as a TypedDict."""

    id: Annotated[int, Field(ge=1)]
    gtin: Gtin14
    rating: Annotated[int, Field(ge=1, le=5)]
    title: Annotated[str, Field(max_length=200)]
    text: Annotated[str, Field(max_length=4000)]
    helpful_votes: Count
    created_at: str


class _Change(TypedDict):
    """`contracts.catalog.Change` as a TypedDict."""

    cursor: Annotated[int, Field(ge=1)]
    kind: Literal["product", "price", "stock", "review"]
    gtin: Gtin14
    at: str
    product: _Product
    review: NotRequired[_Review | None]


class _Page(TypedDict):
    """`contracts.catalog.ChangePage` as a TypedDict."""

    changes: list[_Change]
    next_cursor: Count
    has_more: bool
    as_of: str


_PAGE = TypeAdapter(_Page)


class BadField(ValueError):
    """A field of a change broke a rule checked in Python (the message names it and why)."""


def db_time(value: str, what: str) -> str:
    """Checks an ISO 8601 time with a UTC offset and returns it as `to_db_time` stores it.

    Raises:
        BadField: naming `what`, if `value` is not such a time.
    """
    try:
        moment = datetime.fromisoformat(value)
    except ValueError as exc:
        raise BadField(f"{what}: expected an ISO 8601 time, got {value!r:.80}") from exc
    if moment.tzinfo is None:
        raise BadField(f"{what}: expected a time with a UTC offset, got {value!r:.80}")
    return value if _canonical(value) else to_db_time(moment)


def _canonical(value: str) -> bool:
    """Whether a time `fromisoformat` accepted is already `YYYY-MM-DDTHH:MM:SS.ffffffZ` (a
    regex costs three times the parse)."""
    return (
        len(value) == 27
        and value[26] == "Z"
        and value[19] == "."
        and value[10] == "T"
        and value[4] == value[7] == "-"
        and value[13] == value[16] == ":"
    )


def gtin14_check_digit_ok(code: str) -> bool:
    """`contracts.gtin.is_valid_gtin` for 14 digits (the pattern already checked), in C loops."""
    weighted = 3 * sum(map(int, code[-2::-2])) + sum(map(int, code[-3::-2]))
    return (weighted + int(code[-1])) % 10 == 0


def _check_product(product: _Product) -> None:
    gtin = product["gtin"]
    if not gtin14_check_digit_ok(gtin):
        raise BadField(f"product.gtin: GTIN-14 {gtin} has a wrong check digit")
    for complement in product.get("complements", ()):
        if len(complement) != 14 or not is_valid_gtin(complement):
            raise BadField(f"product.complements: {complement!r:.40} is not a valid GTIN-14")
    low, high = product.get("age_min_months"), product.get("age_max_months")
    if low is not None and high is not None and low > high:
        raise BadField(f"product: age_min_months {low} > age_max_months {high}")


def _product_row(product: _Product, stamp: str) -> Row:
    get = product.get
    updated = product.get("updated_at")
    rating = product.get("rating_average")
    return (
        product["gtin"],
        product["name"],
        product["brand"],
        product["category"],
        get("subcategory", ""),
        get("description", ""),
        get("image_url"),
        product["currency"],
        product["price_cents"],
        get("online_price_cents"),
        orjson.dumps(get("attributes", {}), option=orjson.OPT_SORT_KEYS).decode(),
        orjson.dumps(get("complements", [])).decode(),
        get("age_min_months"),
        get("age_max_months"),
        None if rating is None else float(rating),
        get("rating_count", 0),
        get("version", 0),
        None if updated is None else db_time(updated, "product.updated_at"),
        stamp,
    )


def _review_row(review: _Review, stamp: str) -> Row:
    created = db_time(review["created_at"], "review.created_at")
    return (
        review["id"],
        review["gtin"],
        review["rating"],
        review["title"],
        review["text"],
        review["helpful_votes"],
        created,
        stamp,
    )


def _prepare(change: _Change, stamp: str) -> PreparedChange:
    db_time(change["at"], "at")
    product = change["product"]
    _check_product(product)
    gtin = product["gtin"]
    stock = tuple(
        (gtin, lvl["warehouse"], lvl["name"], lvl["quantity"], lvl["delivery_days"], stamp)
        for lvl in product.get("online_stock", ())
    )
    review = change.get("review")
    review_row = None if review is None else _review_row(review, stamp)
    row = _product_row(product, stamp)
    return PreparedChange(change["cursor"], gtin, product.get("version", 0), row, stock, review_row)


def parse_change_page(body: bytes) -> tuple[int, bool, datetime, list[PreparedChange]]:
    """Parses a `ChangePage` body into its rows.

    Returns:
        `(next_cursor, has_more, as_of, prepared changes in page order)`.

    Raises:
        CatalogProtocolError: if the body is not JSON or any part breaks the contract (the
            message says which change and field).
    """
    try:
        page = _PAGE.validate_json(body)
    except ValidationError as exc:
        reason = describe_validation_error(exc)
        raise CatalogProtocolError(f"not a ChangePage: {reason}") from exc
    try:
        stamp = db_time(page["as_of"], "as_of")
    except BadField as exc:
        raise CatalogProtocolError(f"not a ChangePage: {exc}") from exc
    prepared = []
    for index, change in enumerate(page["changes"]):
        try:
            prepared.append(_prepare(change, stamp))
        except BadField as exc:
            raise CatalogProtocolError(f"not a ChangePage: changes.{index}.{exc}") from exc
    return page["next_cursor"], page["has_more"], datetime.fromisoformat(stamp), prepared
