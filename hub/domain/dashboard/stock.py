"""Provides the stock pages' pure parts: the search filters, where a ledger movement came from,
and how money and GTINs read."""

from __future__ import annotations

import re
from dataclasses import dataclass

from contracts.gtin import display_gtin, is_valid_gtin, to_gtin14

PAGE_ROWS = 50
MAX_QUERY_CHARS = 100
_EVENT_ID = re.compile(r"^[0-9A-HJKMNP-TV-Z]{26}$|^[0-9a-f]{8}-[0-9a-f]{4}-")


@dataclass(frozen=True, slots=True)
class StockFilters:
    """A checked stock search.

    Attributes:
        text: words to find in name or brand ('' for any).
        gtin: an exact GTIN-14 when the query was a valid GTIN in any form, else None.
        digits: a digit run to find inside GTINs when the query was digits but no valid GTIN.
        category: exact category ('' for any).
        aisle: shelf location prefix, e.g. `A3` ('' for any).
        page: 0-based page number.
    """

    text: str = ""
    gtin: str | None = None
    digits: str = ""
    category: str = ""
    aisle: str = ""
    page: int = 0


def parse_filters(
    *, q: str, category: str, aisle: str, page: str
) -> tuple[StockFilters, dict[str, str]]:
    """Checks the search form; returns the filters and one message per bad field."""
    errors: dict[str, str] = {}
    q, category, aisle = q.strip(), category.strip(), aisle.strip()
    if len(q) > MAX_QUERY_CHARS:
        errors["q"] = f"at most {MAX_QUERY_CHARS} characters"
        q = ""
    if len(aisle) > 20:
        errors["aisle"] = "at most 20 characters"
        aisle = ""
    page_no = int(page) if page.isdigit() else 0
    if page and not page.isdigit():
        errors["page"] = "a page number"
    gtin, digits, text = None, "", q
    if q.isdigit():
        text = ""
        if is_valid_gtin(q):
            gtin = to_gtin14(q)
        else:
            digits = q
    return StockFilters(text, gtin, digits, category, aisle, page_no), errors


@dataclass(frozen=True, slots=True)
class MovementSource:
    """Where a ledger movement came from, for staff.

    Attributes:
        label: what caused it, e.g. "reservation ABC123" or "device event".
        href: a dashboard page about the cause, if there is one.
    """

    label: str
    href: str | None


def movement_source(source_event: str) -> MovementSource:
    """Explains a movement's `source_event` (reservation, stock seed, count, device event)."""
    kind, _, key = source_event.partition(":")
    if kind == "reservation" and key:
        return MovementSource(f"reservation {key[-6:].upper()}", f"/dashboard/pickups#r-{key}")
    if kind == "stock-seed":
        return MovementSource(f"initial stock file ({key})", None)
    if kind == "count":
        return MovementSource(
            "shelf count accepted by staff", "/dashboard/discrepancies?show=resolved"
        )
    if kind == "correction":
        return MovementSource("correction by staff", "/dashboard/discrepancies?show=resolved")
    if _EVENT_ID.match(source_event):
        return MovementSource("device event", f"/dashboard/events/{source_event}")
    return MovementSource(source_event, None)


def money(cents: int | None, currency: str) -> str:
    """`2.49 EUR` style price, or an em dash when unknown."""
    if cents is None:
        return "—"
    return f"{cents / 100:.2f} {currency}"


def gtin_label(gtin: str) -> str:
    """The GTIN as staff read it on a label (GTIN-13 when possible)."""
    return display_gtin(gtin)
