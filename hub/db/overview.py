"""Provides the store-at-a-glance numbers of the staff overview: today's activity by kind,
reservations and orders made today, and the newest events for the live feed.
"""

from __future__ import annotations

from datetime import datetime

from sqlite_utils import Database

from hub.db.codec import to_db_time
from hub.db.repo import EventRecord, recent_events


def event_counts_since(db: Database, since: datetime) -> dict[str, int]:
    """Accepted events per type received at or after `since`."""
    rows = db.execute(
        "SELECT type, COUNT(*) FROM events WHERE received_at >= ? GROUP BY type",
        [to_db_time(since)],
    ).fetchall()
    return {str(kind): int(count) for kind, count in rows}


def _created_since(db: Database, table: str, since: datetime) -> int:
    if table not in db.table_names():  # a hub database from before pickups and orders
        return 0
    row = db.execute(
        f"SELECT COUNT(*) FROM [{table}] WHERE created_at >= ?", [to_db_time(since)]
    ).fetchone()
    return int(row[0])


def reservations_since(db: Database, since: datetime) -> int:
    """Pickup reservations made at or after `since`."""
    return _created_since(db, "reservations", since)


def orders_since(db: Database, since: datetime) -> int:
    """Delivery orders placed at or after `since`."""
    return _created_since(db, "delivery_orders", since)


def open_reservations(db: Database) -> dict[str, int]:
    """Reservations waiting for staff or the shopper, per state (`new`, `ready`)."""
    rows = db.execute(
        "SELECT state, COUNT(*) FROM reservations WHERE state IN ('new', 'ready') GROUP BY state"
    ).fetchall()
    found = {str(state): int(count) for state, count in rows}
    return {"new": found.get("new", 0), "ready": found.get("ready", 0)}


def feed(db: Database, *, limit: int) -> list[EventRecord]:
    """The newest events for the live feed, newest first."""
    return recent_events(db, limit=limit)
