"""Provides the demand page's pure parts: its three views, sorting, and the CSV export.

Views: unknown barcodes shoppers scanned, searches without a good match, and products shoppers
looked for that this store has none of.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass, fields
from datetime import datetime

WINDOW_DAYS = 30


@dataclass(frozen=True, slots=True)
class DemandRow:
    """One line of a demand view.

    Attributes:
        key: what was asked for (a code, a GTIN, or a search event id).
        label: a readable name (product name, or the code again).
        count: how often it was asked for.
        devices: which devices asked (comma-separated).
        last_seen: the latest time it was asked for.
        detail: the view's extra column (on hand, best score, ...).
    """

    key: str
    label: str
    count: int
    devices: str
    last_seen: datetime
    detail: str


@dataclass(frozen=True, slots=True)
class DemandView:
    """One of the demand page's tabs."""

    key: str
    title: str
    explain: str
    detail_header: str


VIEWS: tuple[DemandView, ...] = (
    DemandView(
        "unknown",
        "Unknown barcodes",
        "Codes shoppers scanned or typed that central's catalog does not hold.",
        "first seen",
    ),
    DemandView(
        "no_match",
        "Searches without a good match",
        "Photo searches whose best score stayed under the calibrated threshold.",
        "best score / threshold",
    ),
    DemandView(
        "out_of_stock",
        "Wanted but out of stock here",
        "Products shoppers scanned (the latest 5,000 scans) or found by photo search in the"
        f" last {WINDOW_DAYS} days, with none on hand here now.",
        "on hand",
    ),
)
SORT_KEYS = ("count", "last_seen", "key", "label")


def view_for(key: str) -> DemandView:
    """The view named `key` (the first view for an unknown key)."""
    return next((view for view in VIEWS if view.key == key), VIEWS[0])


def sort_rows(rows: Sequence[DemandRow], *, key: str, descending: bool) -> list[DemandRow]:
    """Rows sorted by one of `SORT_KEYS` (unknown keys sort by count), ties by key."""
    column = key if key in SORT_KEYS else "count"
    ordered = sorted(rows, key=lambda row: row.key)
    return sorted(ordered, key=lambda row: getattr(row, column), reverse=descending)


def to_csv(rows: Sequence[DemandRow], *, detail_header: str) -> str:
    """The rows as CSV text with a header line (times in ISO 8601 UTC)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    names = [f.name for f in fields(DemandRow)]
    writer.writerow([detail_header if name == "detail" else name for name in names])
    for row in rows:
        writer.writerow(
            [
                row.last_seen.isoformat().replace("+00:00", "Z")
                if name == "last_seen"
                else _safe(str(getattr(row, name)))
                for name in names
            ]
        )
    return out.getvalue()


def _safe(text: str) -> str:
    """Defuses spreadsheet formulas in a cell (a leading = + - @ is quoted)."""
    return f"'{text}" if text[:1] in ("=", "+", "-", "@") else text
