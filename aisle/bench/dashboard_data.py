"""Provides the dashboard benchmark's store: a hub database filled fast (executemany in one
transaction) with products, a ledger with snapshots, events, devices, reservations, orders,
demand, AI decisions, a reconciliation report, price proposals (the real job, some decided)
and one manager.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from sqlite_utils import Database

from contracts.gtin import gs1_check_digit
from contracts.ids import new_ulid
from hub.db import pricing, stock
from hub.db.codec import to_db_time, to_json
from hub.db.connection import open_database, write_transaction
from hub.db.staff import add_user
from hub.domain.passwords import hash_password
from hub.domain.pricing import PricingPolicy

CATEGORIES = tuple(f"category-{i:02d}" for i in range(40))
WORDS = ("oat", "milk", "rice", "bean", "tea", "soap", "cap", "shirt", "pasta", "salt", "jam")
DEVICES = tuple(f"kiosk-{i}" for i in range(1, 13)) + tuple(f"glasses-{i}" for i in range(1, 9))
MANAGER = "bench-manager"
MOVEMENTS_PER_PRODUCT_MAX = 40


@dataclass(frozen=True, slots=True)
class BenchSizes:
    """How big the benchmark store is."""

    products: int = 100_000
    movements: int = 1_000_000
    events: int = 50_000
    reservations: int = 5_000
    orders: int = 1_000
    demand_codes: int = 2_000
    audit_rows: int = 50_000
    findings: int = 2_000


def gtin_of(i: int) -> str:
    """The i-th benchmark GTIN-14 (valid check digit)."""
    body = f"{2_000_000_000_000 + i:013d}"
    return f"{body}{gs1_check_digit(body)}"


def _products(n: int, stamp: str, rng: random.Random) -> Iterator[tuple[object, ...]]:
    for i in range(n):
        name = f"{rng.choice(WORDS)} {rng.choice(WORDS)} {i}"
        yield (
            gtin_of(i),
            name,
            "Benchbrand",
            CATEGORIES[i % len(CATEGORIES)],
            "EUR",
            100 + i % 900,
            1,
            stamp,
        )


def _movements(
    sizes: BenchSizes, stamp: str, start: int, stop: int
) -> Iterator[tuple[object, ...]]:
    sales_each = max(1, (sizes.movements - sizes.products) // sizes.products)
    for j in range(start, stop):
        gtin = gtin_of(j % sizes.products)
        # every 50th product sells out: its receipt equals the sales that follow
        receipt = sales_each if j % 50 == 0 else sales_each + 15
        kind, qty = ("receipt", receipt) if j < sizes.products else ("sale", -1)
        yield gtin, kind, qty, f"bench:{j}", stamp


def _fill_catalog(db: Database, sizes: BenchSizes, stamp: str, rng: random.Random) -> None:
    conn = db.conn
    conn.executemany(
        "INSERT INTO products (gtin, name, brand, category, currency, price_cents, version,"
        " as_of) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        _products(sizes.products, stamp, rng),
    )
    conn.executemany(
        "INSERT INTO shelf_locations (gtin, location, source, updated_at)"
        " VALUES (?, ?, 'bench', ?)",
        ((gtin_of(i), f"A{i % 30 + 1}-{i % 10 + 1}", stamp) for i in range(sizes.products)),
    )
    conn.executemany(
        "INSERT INTO warehouse_stock (gtin, warehouse, name, quantity, delivery_days, as_of)"
        " VALUES (?, 'wh-1', 'Central warehouse', ?, 2, ?)",
        ((gtin_of(i), i % 50, stamp) for i in range(sizes.products)),
    )


def _fill_ledger(db: Database, sizes: BenchSizes, now: datetime) -> None:
    """90% of the movements, a snapshot of them, then the last 10% after the snapshot."""
    stamp, split = to_db_time(now), sizes.movements * 9 // 10
    sql = (
        "INSERT INTO stock_movements (gtin, kind, quantity, source_event, recorded_at)"
        " VALUES (?, ?, ?, ?, ?)"
    )
    db.conn.executemany(sql, _movements(sizes, stamp, 0, split))
    stock.take_snapshots(db, now)
    db.conn.executemany(sql, _movements(sizes, stamp, split, sizes.movements))


def _event_row(k: int, device: str, seq: int, at: datetime, gtin: str) -> tuple[object, ...]:
    payload = {
        "text": "x",
        "symbology": "ean13",
        "engine": "zxing",
        "frames_confirmed": 3,
        "time_to_scan_ms": 80.0,
        "gs1": {},
        "gtin": gtin,
    }
    stamp = to_db_time(at)
    ulid = new_ulid(int(at.timestamp() * 1000))
    return (ulid, "bench", device, seq, "scan", stamp, stamp, to_json(payload), f"{k:064x}")


def _fill_events(db: Database, sizes: BenchSizes, now: datetime, rng: random.Random) -> None:
    seqs = dict.fromkeys(DEVICES, 0)
    rows = []
    for k in range(sizes.events):
        device = DEVICES[k % len(DEVICES)]
        seqs[device] += 1
        at = now - timedelta(seconds=(sizes.events - k) * 1.5)
        rows.append(_event_row(k, device, seqs[device], at, gtin_of(rng.randrange(sizes.products))))
    db.conn.executemany(
        "INSERT INTO events (id, store, device, seq, type, ts, received_at, payload,"
        " content_sha256) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        rows,
    )
    _fill_devices(db, seqs, to_db_time(now))


def _fill_devices(db: Database, seqs: dict[str, int], stamp: str) -> None:
    models = to_json({"zxing": "2.2.1", "embedder": "effnet-lite0-int8-1"})
    db.conn.executemany(
        "INSERT INTO devices (id, profile, status, last_seen, last_seq, events_applied, models,"
        " index_version, fps, outbox_depth) VALUES (?, ?, ?, ?, ?, ?, ?, 'idx-7', 14.8, 0)",
        [
            (d, d.split("-")[0], "online" if i % 7 else "offline", stamp, seqs[d], seqs[d], models)
            for i, d in enumerate(DEVICES)
        ],
    )
    db.conn.executemany(
        "INSERT INTO seq_gaps (device, from_seq, to_seq, detected_at) VALUES (?, ?, ?, ?)",
        [(DEVICES[i], 10 + i, 12 + i, stamp) for i in range(5)],
    )


def _fill_pickups(db: Database, sizes: BenchSizes, now: datetime) -> None:
    states = ("new", "ready", "picked_up", "expired", "cancelled")
    rows = []
    for i in range(sizes.reservations):
        rid = new_ulid(int(now.timestamp() * 1000) - i * 1000)
        made = now - timedelta(minutes=i)
        rows.append(
            (
                rid,
                f"r-{i}",
                "0" * 64,
                rid[-6:],
                gtin_of(i * 7 % sizes.products),
                1,
                DEVICES[i % 12],
                states[i % 5],
                to_db_time(made),
                to_db_time(made + timedelta(hours=2)),
                to_db_time(made),
            )
        )
    db.conn.executemany(
        "INSERT INTO reservations (id, idempotency_key, request_sha256, pickup_code, gtin,"
        " quantity, device, state, created_at, expires_at, updated_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        rows,
    )


def _fill_orders(db: Database, sizes: BenchSizes, now: datetime) -> None:
    orders = []
    for i in range(sizes.orders):
        placed = to_db_time(now - timedelta(minutes=3 * i))
        lines = to_json([{"gtin": gtin_of(i), "name": f"product {i}", "quantity": 1}])
        orders.append(
            (
                f"o-{i:06d}",
                f"ok-{i}",
                "0" * 64,
                DEVICES[i % 12],
                lines,
                ("queued", "accepted", "failed")[i % 3],
                f"order-{i}",
                placed,
                placed,
            )
        )
    db.conn.executemany(
        "INSERT INTO delivery_orders (id, idempotency_key, request_sha256, device, lines, state,"
        " outbox_key, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        orders,
    )


def _fill_signals(db: Database, sizes: BenchSizes, now: datetime) -> None:
    stamp = to_db_time(now)
    db.conn.executemany(
        "INSERT INTO demand_signals (code, device, count, first_seen, last_seen)"
        " VALUES (?, ?, ?, ?, ?)",
        (
            (gtin_of(10_000_000 + i), DEVICES[i % 20], 1 + i % 9, stamp, stamp)
            for i in range(sizes.demand_codes)
        ),
    )
    db.conn.executemany(
        "INSERT INTO ai_audit (recorded_at, kind, action, subject, model_name, model_version,"
        " input_sha256, score, output, approved_by, device, event_id)"
        " VALUES (?, 'scan', 'card_lookup', ?, 'zxing', '2.2.1', ?, 3, '{}',"
        " 'auto:multi-frame consensus', ?, ?)",
        (
            (stamp, gtin_of(i % sizes.products), f"{i:064x}", DEVICES[i % 20], f"ev-{i}")
            for i in range(sizes.audit_rows)
        ),
    )
    db.conn.executemany(
        "INSERT INTO search_signals (event_id, kind, gtin, device, top_score, threshold,"
        " candidates, recorded_at) VALUES (?, ?, ?, ?, 0.4, 0.6, '[]', ?)",
        (
            (
                f"search-{i}",
                "no_match" if i % 4 else "out_of_stock",
                gtin_of(i * 50),
                DEVICES[12 + i % 8],
                stamp,
            )
            for i in range(sizes.demand_codes)
        ),
    )
    _fill_report(db, sizes, stamp)


def _fill_report(db: Database, sizes: BenchSizes, stamp: str) -> None:
    run = db.execute(
        "INSERT INTO reconciliation_runs (started_at, finished_at, central_reachable)"
        " VALUES (?, ?, 1)",
        [stamp, stamp],
    ).lastrowid
    db.conn.executemany(
        "INSERT INTO reconciliation_findings (run_id, kind, key, gtin, cause, action,"
        " action_taken) VALUES (?, 'availability_mismatch', ?, ?, ?, ?, 0)",
        (
            (
                run,
                gtin_of(i * 13),
                gtin_of(i * 13),
                "central shows 5 on hand, the ledger 3",
                "push the ledger's count",
            )
            for i in range(sizes.findings)
        ),
    )


def fill_prices(
    db: Database, sizes: BenchSizes, now: datetime, *, decided: int = 40
) -> pricing.PricingRun:
    """Overstocks every 40th product and relabels every 97th shelf, runs the real proposal job,
    then approves and rejects `decided` proposals in turn."""
    stamp = to_db_time(now)
    db.conn.executemany(
        "INSERT INTO stock_movements (gtin, kind, quantity, source_event, recorded_at)"
        " VALUES (?, 'receipt', 100, ?, ?)",
        ((gtin_of(i), f"bench-overstock:{i}", stamp) for i in range(0, sizes.products, 40)),
    )
    db.conn.executemany(
        "INSERT INTO shelf_prices (gtin, price_cents, source, source_event, seen_at)"
        " SELECT gtin, price_cents + 20, 'sighting', ?, ? FROM products WHERE gtin = ?",
        ((f"bench-label:{i}", stamp, gtin_of(i)) for i in range(1, sizes.products, 97)),
    )
    run = pricing.run_pricing(db, now=now, policy=PricingPolicy())
    for n, stored in enumerate(pricing.list_proposals(db, limit=decided)):
        if n % 2:
            pricing.reject(db, stored.id, reason="bench: not this week", by=MANAGER, now=now)
        else:
            cents = stored.proposal.proposed_cents
            pricing.approve(db, stored.id, cents=cents, by=MANAGER, now=now)
    return run


def build_store(path: Path, sizes: BenchSizes, *, now: datetime, password: str) -> None:
    """Creates and fills the benchmark's hub database at `path` (one transaction).

    Args:
        path: the database file (created, migrated).
        sizes: how much of everything.
        now: the store's current time (events fall in the 24 h before it).
        password: the password of the manager `MANAGER`.
    """
    rng = random.Random(7)
    db = open_database(path)
    try:
        with write_transaction(db):
            _fill_catalog(db, sizes, to_db_time(now), rng)
            _fill_ledger(db, sizes, now)
            _fill_events(db, sizes, now, rng)
            _fill_pickups(db, sizes, now)
            _fill_orders(db, sizes, now)
            _fill_signals(db, sizes, now)
            fill_prices(db, sizes, now)
            add_user(
                db,
                MANAGER,
                role="manager",
                password_hash=hash_password(password),
                created_by="bench",
                now=now,
            )
        db.execute("ANALYZE")
    finally:
        db.close()
