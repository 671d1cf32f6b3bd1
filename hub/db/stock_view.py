"""Provides the stock pages' reads: product search with store and online stock, one product's
ledger history, the reservations holding it, and the categories to filter by.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlite_utils import Database

from hub.db.codec import from_db_time
from hub.domain.dashboard.stock import PAGE_ROWS, StockFilters


@dataclass(frozen=True, slots=True)
class StockRow:
    """One product in the stock list.

    Attributes:
        on_hand: store units (ledger sum, reservations deducted).
        held: units held by open reservations.
        online_units: central's stock over all warehouses.
    """

    gtin: str
    name: str
    brand: str
    category: str
    location: str | None
    price_cents: int
    currency: str
    on_hand: int
    held: int
    online_units: int


@dataclass(frozen=True, slots=True)
class LedgerRow:
    """One movement of a product's ledger."""

    id: int
    kind: str
    quantity: int
    source_event: str
    recorded_at: datetime
    note: str | None


# snapshot + the movements after it (see hub.db.stock.on_hand)
_ON_HAND = (
    "(COALESCE((SELECT k.on_hand FROM stock_snapshots k WHERE k.gtin = p.gtin), 0)"
    " + COALESCE((SELECT SUM(m.quantity) FROM stock_movements m WHERE m.gtin = p.gtin AND m.id >"
    " COALESCE((SELECT k.through_movement FROM stock_snapshots k WHERE k.gtin = p.gtin), 0)), 0))"
)
_HELD = (
    "(SELECT COALESCE(SUM(r.quantity), 0) FROM reservations r"
    " WHERE r.gtin = p.gtin AND r.state IN ('new', 'ready'))"
)


def _where(filters: StockFilters) -> tuple[str, list[object]]:
    clauses: list[str] = []
    params: list[object] = []
    if filters.gtin is not None:
        clauses.append("p.gtin = ?")
        params.append(filters.gtin)
    if filters.digits:
        clauses.append("instr(p.gtin, ?) > 0")
        params.append(filters.digits)
    if filters.text:
        clauses.append("(p.name LIKE ? OR p.brand LIKE ?)")
        params += [f"%{filters.text}%"] * 2
    if filters.category:
        clauses.append("p.category = ?")
        params.append(filters.category)
    if filters.aisle:
        clauses.append("s.location LIKE ?")
        params.append(f"{filters.aisle}%")
    return (" WHERE " + " AND ".join(clauses)) if clauses else "", params


def search_stock(db: Database, filters: StockFilters) -> tuple[list[StockRow], bool]:
    """One page of products matching `filters`, by name.

    Returns:
        The rows and whether another page follows.
    """
    where, params = _where(filters)
    rows = db.execute(
        "SELECT p.gtin, p.name, p.brand, p.category, s.location, p.price_cents, p.currency,"
        f" {_ON_HAND},"
        f" {_HELD},"
        " (SELECT COALESCE(SUM(w.quantity), 0) FROM warehouse_stock w WHERE w.gtin = p.gtin)"
        f" FROM products p LEFT JOIN shelf_locations s ON s.gtin = p.gtin{where}"
        " ORDER BY p.name, p.brand, p.gtin LIMIT ? OFFSET ?",
        [*params, PAGE_ROWS + 1, filters.page * PAGE_ROWS],
    ).fetchall()
    found = [StockRow(*row) for row in rows[:PAGE_ROWS]]
    return found, len(rows) > PAGE_ROWS


def categories(db: Database) -> list[str]:
    """Every product category, sorted."""
    rows = db.execute("SELECT DISTINCT category FROM products ORDER BY category").fetchall()
    return [str(row[0]) for row in rows]


def ledger(db: Database, gtin: str, *, before_id: int | None, limit: int) -> list[LedgerRow]:
    """A product's movements, newest first (before movement `before_id` when paging)."""
    rows = db.execute(
        "SELECT id, kind, quantity, source_event, recorded_at, note FROM stock_movements"
        " WHERE gtin = ? AND id < ? ORDER BY id DESC LIMIT ?",
        [gtin, before_id if before_id is not None else 2**62, limit],
    ).fetchall()
    return [
        LedgerRow(int(r[0]), str(r[1]), int(r[2]), str(r[3]), from_db_time(str(r[4])), r[5])
        for r in rows
    ]


def movement_count(db: Database, gtin: str) -> int:
    """How many movements a product's ledger holds."""
    row = db.execute("SELECT COUNT(*) FROM stock_movements WHERE gtin = ?", [gtin]).fetchone()
    return int(row[0])


@dataclass(frozen=True, slots=True)
class HoldRow:
    """An open reservation holding units of a product."""

    id: str
    pickup_code: str
    quantity: int
    state: str
    device: str
    created_at: datetime
    expires_at: datetime


def holds(db: Database, gtin: str) -> list[HoldRow]:
    """Open reservations (new or ready) holding units of `gtin`, oldest first."""
    rows = db.execute(
        "SELECT id, pickup_code, quantity, state, device, created_at, expires_at"
        " FROM reservations WHERE gtin = ? AND state IN ('new', 'ready') ORDER BY created_at",
        [gtin],
    ).fetchall()
    return [
        HoldRow(
            str(r[0]),
            str(r[1]),
            int(r[2]),
            str(r[3]),
            str(r[4]),
            from_db_time(str(r[5])),
            from_db_time(str(r[6])),
        )
        for r in rows
    ]
