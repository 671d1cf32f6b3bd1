"""Tests of the card text: money, price comparison, stock, reviews, complements, freshness."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone

import pytest

from contracts.cards import ProductCard, UnknownCode, WarehouseStock
from kiosk.card_view import (
    age_text,
    build_card_view,
    build_unknown_view,
    comparison_line,
    delivery_text,
    format_money,
    freshness_text,
    online_stock_lines,
    rating_text,
    stars,
    store_stock_text,
    warehouse_line,
)

MakeCard = Callable[..., ProductCard]
NOW = datetime(2026, 11, 21, 14, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("cents", "currency", "expected"),
    [
        (249, "EUR", "€2.49"),
        (0, "USD", "$0.00"),
        (123456, "GBP", "£1,234.56"),
        (500, "JPY", "¥500"),
        (1999, "CHF", "19.99 CHF"),
        (1234, "KWD", "1.234 KWD"),
        (-5, "eur", "-€0.05"),
    ],
)
def test_format_money(cents: int, currency: str, expected: str) -> None:
    assert format_money(cents, currency) == expected


@pytest.mark.parametrize(
    ("store", "online", "expected"),
    [
        (249, 229, "Cheaper online: save €0.20 if you order it"),
        (249, 249, "Same price online"),
        (249, 279, "Cheaper here: €0.30 less than online"),
        (249, None, "Only sold in stores"),
    ],
)
def test_comparison_line(
    make_card: MakeCard, store: int, online: int | None, expected: str
) -> None:
    card = make_card(store_price_cents=store, online_price_cents=online)
    assert comparison_line(card) == expected


@pytest.mark.parametrize(
    ("on_hand", "expected"),
    [
        (-2, "Out of stock in this store"),
        (0, "Out of stock in this store"),
        (1, "Only 1 left in this store"),
        (3, "Only 3 left in this store"),
        (4, "4 in stock in this store"),
    ],
)
def test_store_stock_text(on_hand: int, expected: str) -> None:
    assert store_stock_text(on_hand) == expected


@pytest.mark.parametrize(
    ("days", "expected"),
    [(0, "delivery today"), (1, "delivery tomorrow"), (4, "delivery in 4 days")],
)
def test_delivery_text(days: int, expected: str) -> None:
    assert delivery_text(days) == expected


def test_online_stock_lists_warehouses_in_stock_first_fastest_first(make_card: MakeCard) -> None:
    card = make_card(
        online_stock=[
            WarehouseStock(warehouse="a", name="A", quantity=0, delivery_days=1),
            WarehouseStock(warehouse="b", name="B", quantity=5, delivery_days=3),
            WarehouseStock(warehouse="c", name="C", quantity=9, delivery_days=2),
        ]
    )
    assert online_stock_lines(card) == (
        "C: 9 in stock, delivery in 2 days",
        "B: 5 in stock, delivery in 3 days",
        "A: out of stock",
    )


def test_online_stock_is_empty_when_not_sold_online(make_card: MakeCard) -> None:
    assert online_stock_lines(make_card(online_price_cents=None)) == ()
    assert online_stock_lines(make_card(online_stock=[])) == ("Online stock unknown",)


def test_warehouse_line() -> None:
    stock = WarehouseStock(warehouse="n", name="North DC", quantity=7, delivery_days=1)
    assert warehouse_line(stock) == "North DC: 7 in stock, delivery tomorrow"


@pytest.mark.parametrize(
    ("average", "count", "expected"),
    [
        (4.3, 128, "★★★★☆ 4.3 (128 reviews)"),
        (5.0, 1, "★★★★★ 5.0 (1 review)"),
        (None, 0, "No reviews yet"),
        (4.0, 0, "No reviews yet"),
    ],
)
def test_rating_text(make_card: MakeCard, average: float | None, count: int, expected: str) -> None:
    assert rating_text(make_card(rating_average=average, rating_count=count)) == expected


@pytest.mark.parametrize(
    ("seconds", "expected"),
    [
        (0, "just now"),
        (59, "just now"),
        (60, "1 min ago"),
        (3599, "59 min ago"),
        (3 * 3600, "3 h ago"),
        (86400, "1 day ago"),
        (5 * 86400, "5 days ago"),
    ],
)
def test_age_text(seconds: float, expected: str) -> None:
    assert age_text(seconds) == expected


def test_freshness_only_when_central_is_unreachable(make_card: MakeCard) -> None:
    assert freshness_text(make_card(central_reachable=True), NOW) is None
    as_of = NOW - timedelta(hours=3)
    text = freshness_text(make_card(central_reachable=False, catalog_as_of=as_of), NOW)
    assert text == (
        "Online prices and stock as of 21 Nov 11:00 (3 h ago): "
        "the online shop cannot be reached right now."
    )


def test_freshness_is_shown_in_the_kiosk_timezone(make_card: MakeCard) -> None:
    berlin_winter = timezone(timedelta(hours=1))
    card = make_card(central_reachable=False, catalog_as_of=NOW - timedelta(minutes=5))
    text = freshness_text(card, NOW.astimezone(berlin_winter))
    assert text is not None
    assert "as of 21 Nov 14:55 (5 min ago)" in text


def test_card_view_gathers_every_line(make_card: MakeCard) -> None:
    view = build_card_view(make_card(), NOW)
    assert view.title == "Oat milk 1 l"
    assert view.subtitle == "Oatly · grocery"
    assert view.code == "4006381333931"
    assert (view.store_price, view.online_price) == ("€2.49", "€2.29")
    assert view.comparison_kind == "cheaper_online"
    assert view.store_stock == "14 in stock in this store"
    assert view.shelf == "Aisle 5, bay 2"
    assert view.online_stock[0] == "North DC: 120 in stock, delivery in 2 days"
    assert view.reviews == ("★★★★★ Creamy: Great in coffee. (12 found this helpful)",)
    assert view.complements == ("Granola: €3.99, 6 here",), "complements out of stock are hidden"
    assert view.freshness is None


def test_card_view_without_optional_data(make_card: MakeCard) -> None:
    card = make_card(
        online_price_cents=None,
        shelf_location=None,
        top_reviews=[],
        complements=[],
        rating_average=None,
        rating_count=0,
    )
    view = build_card_view(card, NOW)
    assert view.online_price == "not sold online"
    assert view.shelf == "Ask a member of staff where to find it"
    assert view.rating == "No reviews yet"
    assert (view.reviews, view.complements, view.online_stock) == ((), (), ())


def test_long_review_is_cut(make_card: MakeCard) -> None:
    review = {"rating": 2, "title": "Meh", "text": "word " * 100, "helpful_votes": 0}
    view = build_card_view(make_card(top_reviews=[review]), NOW)
    assert view.reviews[0].startswith("★★☆☆☆ Meh: word word")
    assert view.reviews[0].endswith("…")
    assert len(view.reviews[0]) < 200


@pytest.mark.parametrize(
    ("recorded", "note"),
    [
        (True, "We have told the staff that you looked for it."),
        (False, "Please ask a member of staff."),
    ],
)
def test_unknown_view(recorded: bool, note: str) -> None:
    unknown = UnknownCode(code="00000000000017", message="Not sold here.", demand_recorded=recorded)
    view = build_unknown_view(unknown)
    assert (view.title, view.code, view.staff_note) == ("Not in our catalog", "0000000000017", note)
    assert view.message == "Not sold here."
    raw = build_unknown_view(UnknownCode(code="HELLO", message="?", demand_recorded=False))
    assert raw.code == "HELLO"


@pytest.mark.parametrize(
    ("message", "shown"),
    [
        ("not in our catalog", ""),
        ("Not in our catalog.", ""),
        ("not a GTIN with a valid check digit", "Not a GTIN with a valid check digit."),
        ("", ""),
    ],
)
def test_unknown_view_message_is_a_sentence_and_never_repeats_the_title(
    message: str, shown: str
) -> None:
    unknown = UnknownCode(code="HELLO", message=message, demand_recorded=False)
    assert build_unknown_view(unknown).message == shown


@pytest.mark.parametrize(
    ("rating", "shown"),
    [(1.0, "★☆☆☆☆"), (2.5, "★★★☆☆"), (4.49, "★★★★☆"), (4.5, "★★★★★"), (5.0, "★★★★★")],
)
def test_stars_round_half_up(rating: float, shown: str) -> None:
    assert stars(rating) == shown
