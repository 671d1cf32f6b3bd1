"""Tests the text-search query parser: prices and ages become filters, the rest is matched."""

from __future__ import annotations

from contextlib import AbstractContextManager, nullcontext

import pytest

from kiosk.ports import TextQuery
from kiosk.text_query import InvalidQuery, parse_query

Q = TextQuery


@pytest.mark.parametrize(
    ("typed", "expected", "raises"),
    [
        (
            "kids car seat for a 6 year old under 200",
            Q("kids car seat", 20000, None, 72),
            nullcontext(),
        ),
        ("milk", Q("milk"), nullcontext()),
        ("  oat   milk  ", Q("oat milk"), nullcontext()),
        ("cheap tea", Q("cheap tea"), nullcontext()),
        ("hoodie under €39.99", Q("hoodie", 3999), nullcontext()),
        ("socks below 5,50 eur", Q("socks", 550), nullcontext()),
        ("headphones <100", Q("headphones", 10000), nullcontext()),
        ("jeans 40 or less", Q("jeans", 4000), nullcontext()),
        ("lamp no more than 25 euros", Q("lamp", 2500), nullcontext()),
        ("rain jacket over 50 under 120", Q("rain jacket", 12000, 5000), nullcontext()),
        ("toys between 30 and 10", Q("toys", 3000, 1000), nullcontext()),
        ("coffee 2 pack under 10", Q("coffee 2 pack", 1000), nullcontext()),
        ("puzzle for a six year old", Q("puzzle", age_months=72), nullcontext()),
        ("blocks aged 7", Q("blocks", age_months=84), nullcontext()),
        ("lego for my 8-year-old daughter", Q("lego daughter", age_months=96), nullcontext()),
        ("nappies for 18 months old", Q("nappies", age_months=18), nullcontext()),
        ("stroller for a 2 yo max 300", Q("stroller", 30000, age_months=24), nullcontext()),
        ("toys for kids under 3 years", Q("toys for kids", age_months=35), nullcontext()),
        ("under 20", Q("", 2000), nullcontext()),
        ("", None, pytest.raises(InvalidQuery, match="Type what")),
        ("   ", None, pytest.raises(InvalidQuery, match="Type what")),
        ("x" * 201, None, pytest.raises(InvalidQuery, match="200 characters")),
        ("bike for a 40 year old", None, pytest.raises(InvalidQuery, match="18 years")),
        ("shoes over 90 under 50", None, pytest.raises(InvalidQuery, match="lowest price")),
    ],
)
def test_parse_query(
    typed: str, expected: TextQuery | None, raises: AbstractContextManager[object]
) -> None:
    with raises:
        assert parse_query(typed) == expected
