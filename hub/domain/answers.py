"""Provides the glasses' short answer: one line a HUD can show or a voice can say.

Pure: built from facts the caller read, e.g.
"Oat milk 1 l, 2.49 here, 2.29 online, 14 on shelf, aisle 5".
"""

from __future__ import annotations

from dataclasses import dataclass

MAX_ANSWER_CHARS = 280
MAX_NAME_CHARS = 60
NOT_IN_CATALOG = "Not in our catalog"
NO_PRODUCT_CODE = "No product code in this barcode"


@dataclass(frozen=True, slots=True)
class AnswerFacts:
    """What the answer about a known product says.

    Attributes:
        name: product name.
        store_price_cents: price in this store, minor units.
        online_price_cents: online price, None when not sold online.
        on_hand: store stock, reservations deducted (negative reads as none).
        shelf_location: where it is, e.g. "Aisle 5, bay 2", or None.
    """

    name: str
    store_price_cents: int
    online_price_cents: int | None
    on_hand: int
    shelf_location: str | None


def format_cents(cents: int) -> str:
    """Minor units as a plain decimal amount: 249 -> "2.49"."""
    if cents < 0:
        raise ValueError(f"a price cannot be negative, got {cents}")
    return f"{cents // 100}.{cents % 100:02d}"


def _shorten(name: str) -> str:
    text = " ".join(name.split())
    return text if len(text) <= MAX_NAME_CHARS else text[: MAX_NAME_CHARS - 1].rstrip() + "…"


def _location(shelf_location: str) -> str:
    text = shelf_location.strip()
    return text[:1].lower() + text[1:]


def product_answer(facts: AnswerFacts) -> str:
    """The one-line answer about a known product."""
    parts = [_shorten(facts.name), f"{format_cents(facts.store_price_cents)} here"]
    if facts.online_price_cents is None:
        parts.append("not sold online")
    else:
        parts.append(f"{format_cents(facts.online_price_cents)} online")
    parts.append(f"{facts.on_hand} on shelf" if facts.on_hand > 0 else "none on shelf")
    if facts.shelf_location and facts.shelf_location.strip():
        parts.append(_location(facts.shelf_location))
    return ", ".join(parts)[:MAX_ANSWER_CHARS]
