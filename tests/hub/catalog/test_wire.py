"""Tests the change-page parser the sync uses (`hub.catalog.wire`) against the contract models:
on central's real feed it yields the same rows as `ChangePage` + `prepare_changes`, and every
page the models refuse, it refuses too, naming the change and field."""

from __future__ import annotations

import json
import random
from datetime import datetime
from typing import Any

import pytest

from central.repository import CentralRepository
from contracts.catalog import ChangePage
from contracts.gtin import gs1_check_digit, is_valid_gtin
from hub.catalog.wire import db_time, gtin14_check_digit_ok, parse_change_page
from hub.db.catalog import PreparedChange, prepare_changes
from hub.db.codec import to_db_time
from hub.errors import CatalogProtocolError

JSON_COLUMNS = (10, 11)  # attributes, complements: same JSON, key order and escapes may differ


def comparable(change: PreparedChange) -> tuple[object, ...]:
    """A prepared change with its JSON columns parsed."""
    product = tuple(
        json.loads(str(value)) if index in JSON_COLUMNS else value
        for index, value in enumerate(change.product)
    )
    return (change.cursor, change.gtin, change.version, product, change.stock, change.review)


def test_rows_equal_the_model_path_over_centrals_whole_feed(
    central_repo: CentralRepository,
) -> None:
    cursor, pages, reviews = 0, 0, 0
    while True:
        body = central_repo.changes_json(cursor, 7)
        model = ChangePage.model_validate_json(body)
        next_cursor, has_more, as_of, fast = parse_change_page(body)
        assert (next_cursor, has_more, as_of) == (model.next_cursor, model.has_more, model.as_of)
        slow = prepare_changes(model.changes, model.as_of)
        assert [comparable(c) for c in fast] == [comparable(c) for c in slow]
        reviews += sum(c.review is not None for c in fast)
        pages, cursor = pages + 1, next_cursor
        if not has_more:
            break
    assert pages > 3
    assert reviews > 0


def _good_page() -> dict[str, Any]:
    product = {
        "gtin": "00000000000017",
        "name": "Oat milk",
        "brand": "Oaty",
        "category": "grocery",
        "currency": "EUR",
        "price_cents": 249,
        "attributes": {"volume_ml": 1000, "vegan": True, "origin": "Sverige"},
        "complements": ["00000000000024"],
        "age_min_months": 3,
        "age_max_months": 36,
        "online_stock": [{"warehouse": "wh-1", "name": "Main", "quantity": 4, "delivery_days": 2}],
        "rating_average": 4,
        "version": 5,
        "updated_at": "2026-11-22T10:00:00+01:00",
        "field_added_later": [1, 2],
    }
    change = {
        "cursor": 5,
        "kind": "review",
        "gtin": "00000000000017",
        "at": "2026-11-22T09:00:00.000000Z",
        "product": product,
        "review": {
            "id": 1,
            "gtin": "00000000000017",
            "rating": 5,
            "title": "Good",
            "text": "Creamy.",
            "helpful_votes": 0,
            "created_at": "2026-11-22T09:00:00Z",
        },
    }
    return {"changes": [change], "next_cursor": 5, "has_more": False, "as_of": change["at"]}


def test_a_full_featured_page_matches_the_model_path() -> None:
    body = json.dumps(_good_page()).encode()
    model = ChangePage.model_validate_json(body)
    _, _, _, fast = parse_change_page(body)
    slow = prepare_changes(model.changes, model.as_of)
    assert [comparable(c) for c in fast] == [comparable(c) for c in slow]
    assert fast[0].product[17] == "2026-11-22T09:00:00.000000Z"  # updated_at stored in UTC


BROKEN = [
    ("product", "gtin", "00000000000018", "check digit"),
    ("product", "gtin", "1234", "changes.0.product.gtin"),
    ("product", "name", "", "changes.0.product.name"),
    ("product", "price_cents", -1, "changes.0.product.price_cents"),
    ("product", "currency", "eur", "changes.0.product.currency"),
    ("product", "complements", ["00000000000018"], "complements"),
    ("product", "age_min_months", 48, "age_min_months 48 > age_max_months 36"),
    ("product", "rating_average", 6, "rating_average"),
    ("product", "updated_at", "2026-11-22T10:00:00", "UTC offset"),
    ("product", "online_stock", [{"warehouse": "wh 1", "name": "M"}], "online_stock"),
    ("product", "attributes", ["not", "an", "object"], "attributes"),
    ("change", "kind", "rename", "changes.0.kind"),
    ("change", "cursor", 0, "changes.0.cursor"),
    ("change", "at", "yesterday", "at"),
    ("change", "product", None, "changes.0.product"),
    ("review", "rating", 0, "review.rating"),
    ("review", "created_at", "2026-11-22", "review.created_at"),
    ("page", "next_cursor", -1, "next_cursor"),
    ("page", "as_of", "2026-11-22T09:00:00", "as_of"),
]


@pytest.mark.parametrize(("part", "field", "value", "message"), BROKEN)
def test_what_the_models_refuse_the_parser_refuses(
    part: str, field: str, value: object, message: str
) -> None:
    page = _good_page()
    change = page["changes"][0]
    target = {"page": page, "change": change, "product": change["product"]}.get(part)
    (change["review"] if target is None else target)[field] = value
    body = json.dumps(page).encode()
    with pytest.raises(ValueError):  # the models refuse it, or the hub could not store it
        model = ChangePage.model_validate_json(body)
        prepare_changes(model.changes, model.as_of)
    with pytest.raises(CatalogProtocolError, match=message):
        parse_change_page(body)


@pytest.mark.parametrize("body", [b"", b"not json", b"[]", b'{"changes": {}}'])
def test_a_body_that_is_no_page_is_refused(body: bytes) -> None:
    with pytest.raises(CatalogProtocolError, match="not a ChangePage"):
        parse_change_page(body)


def test_the_fast_check_digit_agrees_with_contracts_gtin() -> None:
    generator = random.Random(6)
    codes = [f"{generator.randrange(10**14):014d}" for _ in range(5_000)]
    codes += [f"0{body}{gs1_check_digit('0' + body)}" for body in ("200000000000", "400638133393")]
    assert [gtin14_check_digit_ok(code) for code in codes] == [is_valid_gtin(c) for c in codes]


@pytest.mark.parametrize(
    "text",
    [
        "2026-11-22T01:00:00.000000Z",
        "2026-11-22T01:00:00Z",
        "2026-11-22 01:00:00.000000Z",
        "2026-11-22T02:00:00.000000+01:00",
        "2026-11-22T01:00:00.123+00:00",
        "2026-W47-7T01:00:00.000000Z",
    ],
)
def test_times_are_stored_as_to_db_time_writes_them(text: str) -> None:
    assert db_time(text, "at") == to_db_time(datetime.fromisoformat(text))
