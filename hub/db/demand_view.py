"""Provides the demand page's reads: unknown codes, weak searches, and wanted products the
store has none of. Each returns `DemandRow`s for the page to sort and export."""

from __future__ import annotations

from datetime import datetime

from sqlite_utils import Database

from contracts.gtin import display_gtin
from hub.db import stock
from hub.db.codec import from_db_time, to_db_time
from hub.domain.dashboard.demand import DemandRow

ROW_LIMIT = 1000
RECENT_SCANS = 5000


def unknown_codes(db: Database) -> list[DemandRow]:
    """Codes asked for that the catalog does not hold, summed over devices."""
    rows = db.execute(
        "SELECT code, SUM(count), group_concat(device, ', '), MAX(last_seen), MIN(first_seen)"
        " FROM demand_signals GROUP BY code ORDER BY SUM(count) DESC LIMIT ?",
        [ROW_LIMIT],
    ).fetchall()
    return [
        DemandRow(
            key=str(r[0]),
            label=display_gtin(str(r[0])),
            count=int(r[1]),
            devices=str(r[2]),
            last_seen=from_db_time(str(r[3])),
            detail=str(r[4])[:16].replace("T", " "),
        )
        for r in rows
    ]


def weak_searches(db: Database, *, since: datetime) -> list[DemandRow]:
    """Photo searches since `since` that found no good match (`search_signals`, one row each),
    with their best candidate if any."""
    rows = db.execute(
        "SELECT s.event_id, COALESCE(p.name, s.gtin, 'no candidate'), s.device, s.recorded_at,"
        " s.top_score, s.threshold FROM search_signals s LEFT JOIN products p ON p.gtin = s.gtin"
        " WHERE s.kind = 'no_match' AND s.recorded_at >= ? ORDER BY s.recorded_at DESC LIMIT ?",
        [to_db_time(since), ROW_LIMIT],
    ).fetchall()
    return [
        DemandRow(
            key=str(r[0]),
            label=str(r[1]),
            count=1,
            devices=str(r[2]),
            last_seen=from_db_time(str(r[3])),
            detail=f"{float(r[4]):.2f} / {float(r[5]):.2f}",
        )
        for r in rows
    ]


def wanted_out_of_stock(db: Database, *, since: datetime) -> list[DemandRow]:
    """Products shoppers scanned or photo-searched since `since` of which the store has
    nothing on hand now: `scanned_out_of_stock` merged with the searches ingest flagged."""
    merged = {row.key: row for row in scanned_out_of_stock(db, since=since)}
    for row in searched_out_of_stock(db, since=since):
        seen = merged.get(row.key)
        if seen is None:
            merged[row.key] = row
            continue
        devices = ",".join(sorted(set(seen.devices.split(",")) | set(row.devices.split(","))))
        merged[row.key] = DemandRow(
            key=row.key,
            label=seen.label,
            count=seen.count + row.count,
            devices=devices,
            last_seen=max(seen.last_seen, row.last_seen),
            detail=seen.detail,
        )
    return list(merged.values())[:ROW_LIMIT]


def searched_out_of_stock(db: Database, *, since: datetime) -> list[DemandRow]:
    """Products photo searches matched since `since` while none were on hand, still at none."""
    rows = db.execute(
        "SELECT s.gtin, COALESCE(p.name, s.gtin), COUNT(*), group_concat(DISTINCT s.device),"
        " MAX(s.recorded_at) FROM search_signals s LEFT JOIN products p ON p.gtin = s.gtin"
        " WHERE s.kind = 'out_of_stock' AND s.gtin IS NOT NULL AND s.recorded_at >= ?"
        " GROUP BY s.gtin LIMIT ?",
        [to_db_time(since), ROW_LIMIT],
    ).fetchall()
    found = []
    for r in rows:
        units = stock.on_hand(db, str(r[0]))
        if units <= 0:
            found.append(
                DemandRow(
                    str(r[0]), str(r[1]), int(r[2]), str(r[3]), from_db_time(str(r[4])), str(units)
                )
            )
    return found


def scanned_out_of_stock(db: Database, *, since: datetime) -> list[DemandRow]:
    """Catalog products among the latest `RECENT_SCANS` scans since `since` of which the
    store has nothing on hand (on-hand from the snapshot plus the movements after it).

    The bound keeps the page fast on a busy store: a few thousand scans cover the products
    shoppers are looking for now.
    """
    rows = db.execute(
        "WITH recent AS (SELECT json_extract(payload, '$.gtin') AS gtin, device, received_at"
        "  FROM events WHERE type = 'scan' AND received_at >= ? ORDER BY pos DESC LIMIT ?),"
        " scanned AS (SELECT gtin, COUNT(*) AS n, group_concat(DISTINCT device) AS devices,"
        "  MAX(received_at) AS last FROM recent WHERE gtin IS NOT NULL GROUP BY gtin)"
        " SELECT s.gtin, p.name, s.n, s.devices, s.last,"
        " COALESCE(k.on_hand, 0) + COALESCE((SELECT SUM(m.quantity) FROM stock_movements m"
        "  WHERE m.gtin = s.gtin AND m.id > COALESCE(k.through_movement, 0)), 0) AS units"
        " FROM scanned s JOIN products p ON p.gtin = s.gtin"
        " LEFT JOIN stock_snapshots k ON k.gtin = s.gtin WHERE units <= 0 LIMIT ?",
        [to_db_time(since), RECENT_SCANS, ROW_LIMIT],
    ).fetchall()
    return [
        DemandRow(
            key=str(r[0]),
            label=str(r[1]),
            count=int(r[2]),
            devices=str(r[3]),
            last_seen=from_db_time(str(r[4])),
            detail=str(r[5]),
        )
        for r in rows
    ]
