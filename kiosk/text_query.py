"""Provides the text-search query parser: price and age constraints out, the words to match left.

"kids car seat for a 6 year old under 200" becomes `TextQuery(text="kids car seat",
max_price_cents=20000, age_months=72)`. Pure (regular expressions, no I/O): prices are in the
store's currency (a symbol or code is accepted and ignored), ages in years or months, numbers
as digits or small number words. What no rule claims stays in `text` for the embedding search.
"""

from __future__ import annotations

import re
from typing import Final

from kiosk.errors import KioskError
from kiosk.ports import TextQuery

MAX_QUERY_CHARS: Final = 200
MAX_AGE_MONTHS: Final = 18 * 12
NUMBER_WORDS: Final = {
    "a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
    "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12,
}  # fmt: skip
FILLER: Final = frozenset({"for", "a", "an", "my", "the", "our", "and", "with", "that", "is"})

_CURRENCY = r"(?:€|\$|£|eur(?:os?)?|usd|gbp|dollars?|pounds?)"
_AGE_UNIT = r"(?:years?|yrs?|yo|months?|mo)"
_WORDS = "|".join(sorted(NUMBER_WORDS, key=len, reverse=True))


def _amount(name: str) -> str:
    """An amount named `name`, e.g. "€19.99", "200 euros"; never one followed by an age unit."""
    return (
        rf"(?:{_CURRENCY}\s*)?(?P<{name}>\d+(?:[.,]\d{{1,2}})?)(?!\s*{_AGE_UNIT}\b|[.,]?\d)"
        rf"(?:\s*{_CURRENCY}\b)?"
    )


def _count(name: str) -> str:
    """A whole number named `name`, in digits or a small number word."""
    return rf"(?P<{name}>\d+|\b(?:{_WORDS}))\b"


_BETWEEN = re.compile(
    rf"\b(?:between|from)\s+{_amount('low')}\s*(?:and|to|-)\s*{_amount('high')}", re.I
)
_MAX = re.compile(
    rf"(?:\b(?:under|below|less\s+than|cheaper\s+than|max(?:imum)?|up\s+to|at\s+most|"
    rf"no\s+more\s+than|within)\s+|<\s*){_amount('max')}"
    rf"|{_amount('max2')}\s+(?:or\s+less|max(?:imum)?|tops)\b",
    re.I,
)
_MIN = re.compile(
    rf"(?:\b(?:over|above|more\s+than|at\s+least|min(?:imum)?)\s+|>\s*){_amount('min')}", re.I
)
_AGE = re.compile(
    r"(?:\b(?:for|to)\s+(?:(?:a|an|my|our)\s+)?|\b(?P<below>under|below|younger\s+than)\s+)?"
    rf"(?:\b(?:aged?)\s+{_count('years')}"
    rf"|{_count('count')}[\s-]*(?P<unit>{_AGE_UNIT})\b(?:[\s-]*olds?\b)?)",
    re.I,
)


class InvalidQuery(KioskError):
    """A typed request the search cannot use; the message says why, for the shopper."""


def _cents(text: str) -> int:
    return round(float(text.replace(",", ".")) * 100)


def _number(text: str) -> int:
    lowered = text.lower()
    return NUMBER_WORDS[lowered] if lowered in NUMBER_WORDS else int(lowered)


def _cut(text: str, match: re.Match[str]) -> str:
    return text[: match.start()] + " " + text[match.end() :]


def _prices(text: str) -> tuple[str, int | None, int | None]:
    low: int | None = None
    high: int | None = None
    if between := _BETWEEN.search(text):
        low, high = sorted((_cents(between["low"]), _cents(between["high"])))
        text = _cut(text, between)
    if found := _MAX.search(text):
        high = _cents(found["max"] or found["max2"])
        text = _cut(text, found)
    if found := _MIN.search(text):
        low = _cents(found["min"])
        text = _cut(text, found)
    return text, low, high


def _age(text: str) -> tuple[str, int | None]:
    found = _AGE.search(text)
    if found is None:
        return text, None
    if found["years"] is not None:
        months = _number(found["years"]) * 12
    else:
        value = _number(found["count"])
        months = value if found["unit"].lower().startswith("mo") else value * 12
    if found["below"] is not None:  # "under 3 years": a child just younger than that
        months = max(0, months - 1)
    if months > MAX_AGE_MONTHS:
        raise InvalidQuery(f"Ages up to {MAX_AGE_MONTHS // 12} years are understood.")
    return _cut(text, found), months


def _rest(text: str) -> str:
    words = text.replace(",", " ").split()
    while words and words[0].lower() in FILLER:
        words.pop(0)
    while words and words[-1].lower() in FILLER:
        words.pop()
    return " ".join(words)


def parse_query(text: str) -> TextQuery:
    """Splits a shopper's request into price and age filters and the words to match.

    Args:
        text: what the shopper typed.

    Returns:
        The query; `text` may be empty when the request was only constraints.

    Raises:
        InvalidQuery: empty or too long, a minimum price above the maximum, an age over 18.
    """
    stripped = " ".join(text.split())
    if not stripped:
        raise InvalidQuery("Type what you are looking for.")
    if len(stripped) > MAX_QUERY_CHARS:
        raise InvalidQuery(f"Please keep it under {MAX_QUERY_CHARS} characters.")
    rest, low, high = _prices(stripped)
    rest, age_months = _age(rest)
    if low is not None and high is not None and low > high:
        raise InvalidQuery("The lowest price is above the highest one.")
    return TextQuery(
        text=_rest(rest), max_price_cents=high, min_price_cents=low, age_months=age_months
    )
