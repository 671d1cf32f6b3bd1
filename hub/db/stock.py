"""Provides the store stock ledger (movements only; on-hand is derived), shelf locations and
demand signals.

A movement names the event that caused it; the pair (source event, GTIN, kind) is unique, so
applying the same source twice adds nothing.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from sqlite_utils import Database

from hub.db.codec import from_db_time, to_db_time

MovementKind = Literal["receipt", "sale", "adjustment", "reservation", "release", "shrink"]
_POSITIVE: frozenset[str] = frozenset({"receipt", "release"})
_NEGATIVE: frozenset[str] = frozenset({"sale", "reservation", "shrink"})


@dataclass(frozen=True, slots=True)
class Movement:
    """One stock movement: a signed change of on-hand for one product.

    Attributes:
        quantity: signed units; positive for receipt/release, negative for
            sale/reservation/shrink, either (not zero) for adjustment.
        source_event: the event id (or another stable id, e.g. a seed file key) it came from.
    """

    gtin: str
    kind: MovementKind
    quantity: int
    source_event: str
    note: str | None = None

    def __post_init__(self) -> None:
        if len(self.gtin) != 14 or not self.gtin.isdigit():
            raise ValueError(f"gtin must be GTIN-14 digits, got {self.gtin!r}")
        sign_ok = (
            self.quantity > 0
            if self.kind in _POSITIVE
            else self.quantity < 0
            if self.kind in _NEGATIVE
            else self.quantity != 0
        )
        if not sign_ok:
            raise ValueError(f"a {self.kind} movement cannot have quantity {self.quantity}")
        if not self.source_event:
            raise ValueError("a movement must name its source event")


@dataclass(frozen=True, slots=True)
class DemandSignal:
    """How often an unknown code was asked for, by one device (or the API)."""

    code: str
    device: str
    count: int
    first_seen: datetime
    last_seen: datetime


def record_movement(db: Database, movement: Movement, now: datetime) -> bool:
    """Appends a movement unless the same (source event, GTIN, kind) is already recorded.

    Returns:
        True if the movement was new and recorded, False if it was already there.
    """
    cursor = db.execute(
        "INSERT OR IGNORE INTO stock_movements"
        " (gtin, kind, quantity, source_event, recorded_at, note) VALUES (?, ?, ?, ?, ?, ?)",
        [
            movement.gtin,
            movement.kind,
            movement.quantity,
            movement.source_event,
            to_db_time(now),
            movement.note,
        ],
    )
    return cursor.rowcount == 1


def on_hand(db: Database, gtin: str) -> int:
    """Store on-hand of one product: the sum of its movements (reservations deducted)."""
    row = db.execute(
        "SELECT COALESCE(SUM(quantity), 0) FROM stock_movements WHERE gtin = ?", [gtin]
    ).fetchone()
    return int(row[0])


def on_hand_many(db: Database, gtins: Iterable[str]) -> dict[str, int]:
    """On-hand of several products; products without movements map to 0."""
    wanted = list(dict.fromkeys(gtins))
    if not wanted:
        return {}
    marks = ",".join("?" * len(wanted))
    rows = db.execute(
        f"SELECT gtin, SUM(quantity) FROM stock_movements WHERE gtin IN ({marks}) GROUP BY gtin",
        wanted,
    ).fetchall()
    found = {str(gtin): int(total) for gtin, total in rows}
    return {gtin: found.get(gtin, 0) for gtin in wanted}


def set_shelf_location(
    db: Database, gtin: str, location: str, *, source: str, now: datetime
) -> None:
    """Records where a product sits in the store (the latest location wins)."""
    db.execute(
        "INSERT INTO shelf_locations (gtin, location, source, updated_at) VALUES (?, ?, ?, ?)"
        " ON CONFLICT (gtin) DO UPDATE SET location = excluded.location,"
        " source = excluded.source, updated_at = excluded.updated_at",
        [gtin, location, source, to_db_time(now)],
    )


def shelf_location(db: Database, gtin: str) -> str | None:
    """Where a product sits in the store, or None if the hub does not know."""
    row = db.execute("SELECT location FROM shelf_locations WHERE gtin = ?", [gtin]).fetchone()
    return None if row is None else str(row[0])


def record_demand(db: Database, code: str, *, device: str, now: datetime, count: int = 1) -> None:
    """Counts `count` requests for a code the catalog does not hold."""
    stamp = to_db_time(now)
    db.execute(
        "INSERT INTO demand_signals (code, device, count, first_seen, last_seen)"
        " VALUES (?, ?, ?, ?, ?) ON CONFLICT (code, device) DO UPDATE SET"
        " count = count + excluded.count, last_seen = excluded.last_seen",
        [code, device, count, stamp, stamp],
    )


def list_demand(db: Database, *, limit: int) -> list[DemandSignal]:
    """Demand signals, most requested first."""
    rows = db.execute(
        "SELECT code, device, count, first_seen, last_seen FROM demand_signals"
        " ORDER BY count DESC, last_seen DESC LIMIT ?",
        [limit],
    ).fetchall()
    return [
        DemandSignal(str(r[0]), str(r[1]), int(r[2]), from_db_time(r[3]), from_db_time(r[4]))
        for r in rows
    ]
