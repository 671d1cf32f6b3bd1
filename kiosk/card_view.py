"""Provides the text a shopper reads on a card: money, price comparison, stock, reviews, freshness.

Pure functions of the card contract and a `now` passed in (no Textual, no clock), so every line
on screen is tested without a terminal. `build_card_view` gathers them into a `CardView` that the
product card widget renders as is.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime
from typing import Final

from contracts.cards import PriceComparison, ProductCard, ReviewSnippet, UnknownCode, WarehouseStock
from contracts.gtin import display_gtin

LOW_STOCK_MAX: Final = 3
REVIEW_TEXT_MAX_CHARS: Final = 160
MAX_REVIEWS: Final = 3
MAX_COMPLEMENTS: Final = 4
_SYMBOLS: Final = {"EUR": "€", "USD": "$", "GBP": "£", "JPY": "¥", "INR": "₹"}
_MINOR_DIGITS: Final = {"JPY": 0, "KRW": 0, "ISK": 0, "BHD": 3, "KWD": 3, "JOD": 3, "TND": 3}


@dataclass(frozen=True, slots=True)
class CardView:
    """The lines of one product card, ready to render.

    Attributes:
        title: product name.
        subtitle: brand and category.
        code: the GTIN in its shortest common form.
        store_price: price in this store.
        online_price: the online price, or "not sold online".
        comparison: the "cheaper online" / "same price" / "cheaper here" line.
        comparison_kind: the comparison as a contract literal (for styling).
        store_stock: on-hand text.
        shelf: where to find it in the store.
        online_stock: one line per warehouse.
        rating: stars, average and count, or "No reviews yet".
        reviews: the most helpful reviews, one line each.
        complements: complementary items in stock here, one line each.
        freshness: the "as of" line when central is unreachable, else None.
        description: the product description.
    """

    title: str
    subtitle: str
    code: str
    store_price: str
    online_price: str
    comparison: str
    comparison_kind: PriceComparison
    store_stock: str
    shelf: str
    online_stock: tuple[str, ...]
    rating: str
    reviews: tuple[str, ...]
    complements: tuple[str, ...]
    freshness: str | None
    description: str


@dataclass(frozen=True, slots=True)
class UnknownView:
    """The lines of the "not in our catalog" card."""

    title: str
    code: str
    message: str
    staff_note: str


def format_money(cents: int, currency: str) -> str:
    """Formats minor units as money, e.g. `format_money(249, "EUR") == "€2.49"`.

    Args:
        cents: amount in the currency's minor unit (cents for EUR/USD, yen for JPY).
        currency: ISO 4217 code; unknown codes are written after the amount ("2.49 CHF").
    """
    code = currency.upper()
    digits = _MINOR_DIGITS.get(code, 2)
    major, minor = divmod(abs(cents), 10**digits)
    amount = f"{major:,}" + (f".{minor:0{digits}d}" if digits else "")
    sign = "-" if cents < 0 else ""
    symbol = _SYMBOLS.get(code)
    return f"{sign}{symbol}{amount}" if symbol else f"{sign}{amount} {code}"


def comparison_line(card: ProductCard) -> str:
    """Says how the online price compares with this store's price, with the difference."""
    kind = card.price_comparison
    online = card.online_price_cents
    if kind == "online_unavailable" or online is None:
        return "Only sold in stores"
    if kind == "same_price":
        return "Same price online"
    difference = format_money(abs(card.store_price_cents - online), card.currency)
    if kind == "cheaper_online":
        return f"Cheaper online: save {difference} if you order it"
    return f"Cheaper here: {difference} less than online"


def store_stock_text(on_hand: int) -> str:
    """Describes this store's stock (reservations already deducted by the hub)."""
    if on_hand <= 0:
        return "Out of stock in this store"
    if on_hand <= LOW_STOCK_MAX:
        return f"Only {on_hand} left in this store"
    return f"{on_hand} in stock in this store"


def delivery_text(days: int) -> str:
    """Describes a delivery estimate in days."""
    if days == 0:
        return "delivery today"
    if days == 1:
        return "delivery tomorrow"
    return f"delivery in {days} days"


def warehouse_line(stock: WarehouseStock) -> str:
    """One line for the online stock of one warehouse."""
    if stock.quantity <= 0:
        return f"{stock.name}: out of stock"
    return f"{stock.name}: {stock.quantity} in stock, {delivery_text(stock.delivery_days)}"


def online_stock_lines(card: ProductCard) -> tuple[str, ...]:
    """Online stock per warehouse, fastest delivery first."""
    if card.online_price_cents is None:
        return ()
    if not card.online_stock:
        return ("Online stock unknown",)
    ordered = sorted(
        card.online_stock, key=lambda stock: (stock.quantity <= 0, stock.delivery_days)
    )
    return tuple(warehouse_line(stock) for stock in ordered)


def stars(rating: float) -> str:
    """Five stars, the average rounded half up to whole stars, e.g. `stars(4.5) == "★★★★★"`."""
    full = max(0, min(5, math.floor(rating + 0.5)))
    return "★" * full + "☆" * (5 - full)


def rating_text(card: ProductCard) -> str:
    """Stars, average and number of reviews, or "No reviews yet"."""
    if card.rating_average is None or card.rating_count == 0:
        return "No reviews yet"
    noun = "review" if card.rating_count == 1 else "reviews"
    return f"{stars(card.rating_average)} {card.rating_average:.1f} ({card.rating_count} {noun})"


def review_line(review: ReviewSnippet) -> str:
    """One review: stars, title, text cut to `REVIEW_TEXT_MAX_CHARS`, helpful votes."""
    text = " ".join(review.text.split())
    if len(text) > REVIEW_TEXT_MAX_CHARS:
        text = text[: REVIEW_TEXT_MAX_CHARS - 1].rstrip() + "…"
    helpful = f" ({review.helpful_votes} found this helpful)" if review.helpful_votes else ""
    return f"{stars(review.rating)} {review.title}: {text}{helpful}"


def complement_lines(card: ProductCard) -> tuple[str, ...]:
    """Complementary items that are in stock in this store, with their price and stock."""
    in_stock = [item for item in card.complements if item.on_hand > 0][:MAX_COMPLEMENTS]
    return tuple(
        f"{item.name}: {format_money(item.store_price_cents, card.currency)}, {item.on_hand} here"
        for item in in_stock
    )


def age_text(seconds: float) -> str:
    """How long ago, in the largest whole unit: "just now", "5 min ago", "3 h ago", "2 days ago"."""
    if seconds < 60:
        return "just now"
    if seconds < 3600:
        return f"{int(seconds // 60)} min ago"
    if seconds < 86400:
        return f"{int(seconds // 3600)} h ago"
    days = int(seconds // 86400)
    return "1 day ago" if days == 1 else f"{days} days ago"


def freshness_text(card: ProductCard, now: datetime) -> str | None:
    """The "as of" line shown when the hub could not reach central; None when it could.

    Args:
        card: the card; its `catalog_as_of` must carry a timezone.
        now: the current time with a timezone; the time is shown in `now`'s timezone.
    """
    if card.central_reachable:
        return None
    as_of = card.catalog_as_of.astimezone(now.tzinfo)
    age = age_text(max(0.0, (now - card.catalog_as_of).total_seconds()))
    return (
        f"Online prices and stock as of {as_of:%d %b %H:%M} ({age}): "
        "the online shop cannot be reached right now."
    )


def build_card_view(card: ProductCard, now: datetime) -> CardView:
    """Gathers every line of a product card."""
    online = card.online_price_cents
    subtitle = " · ".join(part for part in (card.brand, card.category) if part)
    return CardView(
        title=card.name,
        subtitle=subtitle,
        code=display_gtin(card.gtin),
        store_price=format_money(card.store_price_cents, card.currency),
        online_price="not sold online" if online is None else format_money(online, card.currency),
        comparison=comparison_line(card),
        comparison_kind=card.price_comparison,
        store_stock=store_stock_text(card.on_hand),
        shelf=card.shelf_location or "Ask a member of staff where to find it",
        online_stock=online_stock_lines(card),
        rating=rating_text(card),
        reviews=tuple(review_line(review) for review in card.top_reviews[:MAX_REVIEWS]),
        complements=complement_lines(card),
        freshness=freshness_text(card, now),
        description=card.description,
    )


def build_unknown_view(unknown: UnknownCode) -> UnknownView:
    """Gathers the lines of the "not in our catalog" card."""
    code = unknown.code
    shown = display_gtin(code) if len(code) == 14 and code.isdigit() else code
    note = (
        "We have told the staff that you looked for it."
        if unknown.demand_recorded
        else "Please ask a member of staff."
    )
    title = "Not in our catalog"
    return UnknownView(
        title=title, code=shown, message=_sentence(unknown.message, unless=title), staff_note=note
    )


def _sentence(text: str, *, unless: str) -> str:
    """`text` with a capital and a full stop; empty when it only repeats `unless`."""
    core = text.strip().rstrip(".")
    if core.casefold() == unless.casefold():
        return ""
    return f"{core[:1].upper()}{core[1:]}." if core else ""
