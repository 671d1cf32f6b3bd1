"""Provides the store stock ledger (movements only; on-hand is derived), its snapshots, the
negative-stock flags, shelf locations and demand signals.

A movement names the event that caused it; the triple (source event, GTIN, kind) is unique, so
applying the same source twice adds nothing. On-hand is the product's latest snapshot plus the
movements recorded after it (`take_snapshots` folds them in now and then, so a read sums only a
short tail). Stock may go below zero (a sale rung up before its delivery was booked), but only
as a flagged state: `record_movement` opens a `negative` flag when on-hand drops below zero and
clears it when on-hand is back at zero or above, naming the movement's source each time.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from sqlite_utils import Database

from hub.db.codec import from_db_time, optional_time, to_db_time

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
    if cursor.rowcount != 1:
        return False
    _update_flag(db, movement, now)
    return True


def _update_flag(db: Database, movement: Movement, now: datetime) -> None:
    open_flag = db.execute(
        "SELECT id FROM stock_flags WHERE gtin = ? AND kind = 'negative' AND cleared_at IS NULL",
        [movement.gtin],
    ).fetchone()
    if open_flag is None and movement.quantity > 0:
        return  # a positive movement cannot make stock negative
    units = on_hand(db, movement.gtin)
    stamp = to_db_time(now)
    if open_flag is None and units < 0:
        db.execute(
            "INSERT INTO stock_flags (gtin, kind, on_hand, opened_at, opened_by)"
            " VALUES (?, 'negative', ?, ?, ?)",
            [movement.gtin, units, stamp, movement.source_event],
        )
    elif open_flag is not None and units >= 0:
        db.execute(
            "UPDATE stock_flags SET cleared_at = ?, cleared_by = ?, on_hand = ? WHERE id = ?",
            [stamp, movement.source_event, units, open_flag[0]],
        )
    elif open_flag is not None:
        db.execute("UPDATE stock_flags SET on_hand = ? WHERE id = ?", [units, open_flag[0]])


_ON_HAND = (
    "SELECT COALESCE((SELECT on_hand FROM stock_snapshots WHERE gtin = :gtin), 0)"
    " + COALESCE((SELECT SUM(quantity) FROM stock_movements WHERE gtin = :gtin AND id >"
    " COALESCE((SELECT through_movement FROM stock_snapshots WHERE gtin = :gtin), 0)), 0)"
)


def on_hand(db: Database, gtin: str) -> int:
    """Store on-hand of one product: its snapshot plus the movements after it (reservations
    deducted)."""
    row = db.execute(_ON_HAND, {"gtin": gtin}).fetchone()
    return int(row[0])


def on_hand_many(db: Database, gtins: Iterable[str]) -> dict[str, int]:
    """On-hand of several products; products without movements map to 0."""
    return {gtin: on_hand(db, gtin) for gtin in dict.fromkeys(gtins)}


def on_hand_all(db: Database) -> dict[str, int]:
    """On-hand of every product the ledger has seen (snapshots plus the movements after them)."""
    rows = db.execute(
        "SELECT gtin, SUM(units) FROM ("
        " SELECT gtin, on_hand AS units FROM stock_snapshots"
        " UNION ALL SELECT m.gtin, m.quantity FROM stock_movements m"
        " LEFT JOIN stock_snapshots s ON s.gtin = m.gtin"
        " WHERE m.id > COALESCE(s.through_movement, 0)"
        ") GROUP BY gtin ORDER BY gtin"
    ).fetchall()
    return {str(gtin): int(units) for gtin, units in rows}


def on_hand_from_movements(db: Database) -> dict[str, int]:
    """On-hand of every product summed over every movement, ignoring snapshots (the check of
    the snapshots, and the slow path they exist to avoid)."""
    rows = db.execute(
        "SELECT gtin, SUM(quantity) FROM stock_movements GROUP BY gtin ORDER BY gtin"
    ).fetchall()
    return {str(gtin): int(units) for gtin, units in rows}


def take_snapshots(db: Database, now: datetime) -> int:
    """Folds the movements recorded since each product's last snapshot into a new one (call
    inside a write transaction).

    Returns:
        How many products got a new snapshot.
    """
    cursor = db.execute(
        "INSERT INTO stock_snapshots (gtin, on_hand, through_movement, taken_at)"
        " SELECT m.gtin, COALESCE(MAX(s.on_hand), 0) + SUM(m.quantity), MAX(m.id), ?"
        " FROM stock_movements m LEFT JOIN stock_snapshots s ON s.gtin = m.gtin"
        " WHERE m.id > COALESCE(s.through_movement, 0) GROUP BY m.gtin"
        " ON CONFLICT (gtin) DO UPDATE SET on_hand = excluded.on_hand,"
        " through_movement = excluded.through_movement, taken_at = excluded.taken_at",
        [to_db_time(now)],
    )
    return int(cursor.rowcount)


@dataclass(frozen=True, slots=True)
class StockFlag:
    """A product whose on-hand went below zero (open while `cleared_at` is None)."""

    gtin: str
    kind: str
    on_hand: int
    opened_at: datetime
    opened_by: str
    cleared_at: datetime | None
    cleared_by: str | None


def list_flags(db: Database, *, open_only: bool = True) -> list[StockFlag]:
    """Negative-stock flags (open ones, or all), oldest first."""
    where = "WHERE cleared_at IS NULL" if open_only else ""
    rows = db.execute(
        "SELECT gtin, kind, on_hand, opened_at, opened_by, cleared_at, cleared_by"
        f" FROM stock_flags {where} ORDER BY id"
    ).fetchall()
    return [
        StockFlag(
            str(r[0]),
            str(r[1]),
            int(r[2]),
            from_db_time(r[3]),
            str(r[4]),
            optional_time(r[5]),
            r[6],
        )
        for r in rows
    ]


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
