"""Tests the central catalog wire models: real central answers parse, unknown fields are ignored,
bad values are refused with the field named."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from central.models import SeedCatalog
from central.repository import CentralRepository
from contracts.catalog import CatalogProduct, ChangePage, OrderRequest, StoreAvailability

PRODUCT: dict[str, Any] = {
    "gtin": "04012734004359",
    "name": "Barista oat drink 1 l",
    "brand": "Northfield",
    "category": "grocery",
    "currency": "EUR",
    "price_cents": 249,
    "online_price_cents": 229,
}


def test_change_page_round_trips_from_a_real_central(tmp_path: Path) -> None:
    repository = CentralRepository.from_path(tmp_path / "c.db")
    seed = {
        "currency": "EUR",
        "warehouses": [{"id": "wh-1", "name": "One"}],
        "products": [
            {
                **PRODUCT,
                "reviews": [{"rating": 5, "title": "Good"}],
                "online_stock": [{"warehouse": "wh-1", "quantity": 3, "delivery_days": 1}],
            }
        ],
    }
    repository.load_seed(SeedCatalog.model_validate(seed))
    page = repository.changes(0, 10)
    again = ChangePage.model_validate_json(page.model_dump_json())
    assert again == page
    assert [c.kind for c in again.changes] == ["product", "review"]
    assert again.changes[0].product.online_quantity == 3


def test_unknown_fields_are_ignored() -> None:
    product = CatalogProduct.model_validate({**PRODUCT, "added_in_v2": {"x": 1}})
    assert product.gtin == PRODUCT["gtin"]


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"gtin": "04012734004358"}, "gtin"),
        ({"price_cents": -1}, "price_cents"),
        ({"price_cents": 2.49}, "price_cents"),
        ({"currency": "eur"}, "currency"),
        ({"complements": ["123"]}, "complements"),
        ({"age_min_months": 24, "age_max_months": 12}, "age_min_months"),
    ],
)
def test_bad_products_are_refused(overrides: dict[str, Any], field: str) -> None:
    with pytest.raises(ValidationError) as error:
        CatalogProduct.model_validate({**PRODUCT, **overrides})
    assert field in str(error.value)


def test_order_lines_must_be_distinct() -> None:
    line = {"gtin": PRODUCT["gtin"], "quantity": 1}
    with pytest.raises(ValidationError, match="one line only"):
        OrderRequest.model_validate({"store": "demo", "lines": [line, line]})


def test_availability_time_is_normalised_to_utc() -> None:
    push = StoreAvailability.model_validate({"as_of": "2026-01-05T12:00:00+02:00", "items": []})
    assert push.as_of == datetime(2026, 1, 5, 10, 0, tzinfo=UTC)
    assert push.as_of.utcoffset() is not None
