"""Provides `aisle bench reconcile`: a hub's full catalog sync from a real central holding
`--products` products (1,000,000 by default), then a delta of 10,000 price changes, then one
reconciliation run over a second delta.

Central runs as its own process (`python -m central`) on a database filled with synthetic
products straight through SQL (every product with one warehouse stock level and a change-feed
entry, as central's own writes would leave it). The hub side is the real `CatalogSync` on a
fresh hub database file, pulling pages over HTTP. `full_sync_s` runs from an empty hub to caught
up; `delta_10k_s` from the moment central holds 10,000 new price changes to caught up again;
each with the CPU seconds the hub and central spent (`hub_cpu_s_*`, `central_cpu_s_*`).
`reconcile_run_delta_s` times one `Reconciler.run_once` (pull another 10,000 changes, snapshot a
5,000-product ledger, read central's view, queue the push, write the report). Peers, same run,
over the first `PEER_PAGES` pages: central's feed read alone (HTTP, no parsing) and the hub's
parse-and-write alone (pages already fetched), as changes per second.
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import httpx

from aisle.broker import free_port
from central.db.connection import SqlDatabase, iso_utc
from central.db.schema import migrate
from contracts.gtin import gs1_check_digit
from hub.catalog.client import CentralClient
from hub.catalog.pages import PreparedPage
from hub.catalog.sync import PROCESS_AFTER_CHANGES, CatalogSync
from hub.db.connection import open_database
from hub.reconcile.runner import Reconciler
from hub.stock.seed import StockSeed, StockSeedItem, apply_stock_seed

DELTA_CHANGES = 10_000
LEDGER_PRODUCTS = 5_000
PEER_PAGES = 20
INSERT_CHUNK = 50_000
READY_TIMEOUT_S = 30.0
STORE = "bench"


def synthetic_gtin(index: int) -> str:
    """The `index`-th synthetic GTIN-14 (prefix 2 = in-store numbers, never a real product)."""
    body = f"2{index:011d}"
    return f"0{body}{gs1_check_digit('0' + body)}"


def _product_json(gtin: str, index: int, cursor: int, at: str, price: int) -> str:
    return json.dumps(
        {
            "gtin": gtin,
            "name": f"Synthetic product {index}",
            "brand": f"Brand {index % 500}",
            "category": "grocery",
            "subcategory": f"aisle-{index % 40}",
            "description": "",
            "image_url": f"/v1/products/{gtin}/image.png",
            "currency": "EUR",
            "price_cents": price,
            "online_price_cents": price - 10,
            "attributes": {"size": f"{index % 9 + 1}00 g"},
            "complements": [],
            "online_stock": [
                {"warehouse": "wh-1", "name": "Main", "quantity": index % 50, "delivery_days": 2}
            ],
            "rating_count": 0,
            "version": cursor,
            "updated_at": at,
        },
        separators=(",", ":"),
    )


Row = tuple[str | int, ...]


def _rows(count: int, at: str) -> Iterator[list[tuple[Row, Row, Row]]]:
    for start in range(0, count, INSERT_CHUNK):
        chunk: list[tuple[Row, Row, Row]] = []
        for index in range(start, min(count, start + INSERT_CHUNK)):
            gtin, cursor, price = synthetic_gtin(index), index + 1, 100 + index % 900
            product: Row = (gtin, f"Synthetic product {index}", price, cursor, at)
            stock: Row = (gtin, index % 50)
            change: Row = (cursor, gtin, at, _product_json(gtin, index, cursor, at, price))
            chunk.append((product, stock, change))
        yield chunk


def fill_central(path: Path, count: int) -> None:
    """Writes `count` synthetic products, their stock and their feed entries into central."""
    migrate(SqlDatabase(path))
    at = iso_utc(datetime.now(UTC))
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA synchronous=OFF")
    conn.execute("BEGIN")
    conn.execute("INSERT INTO warehouses (id, name) VALUES ('wh-1', 'Main')")
    for chunk in _rows(count, at):
        conn.executemany(
            "INSERT INTO products (gtin, name, brand, category, currency, price_cents,"
            " online_price_cents, version, updated_at) VALUES (?, ?, 'Brand', 'grocery', 'EUR',"
            " ?, NULL, ?, ?)",
            [row[0] for row in chunk],
        )
        conn.executemany(
            "INSERT INTO online_stock (gtin, warehouse, quantity, delivery_days)"
            " VALUES (?, 'wh-1', ?, 2)",
            [row[1] for row in chunk],
        )
        conn.executemany(
            "INSERT INTO changes (cursor, kind, gtin, at, product_json)"
            " VALUES (?, 'product', ?, ?, ?)",
            [row[2] for row in chunk],
        )
    conn.execute("UPDATE feed_counter SET value = ? WHERE id = 1", [count])
    conn.execute("COMMIT")
    conn.close()


def add_price_changes(path: Path, count: int, total: int) -> None:
    """Appends `count` price changes (spread over the catalog) to central's feed."""
    at = iso_utc(datetime.now(UTC))
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("BEGIN IMMEDIATE")
    first = int(conn.execute("SELECT value FROM feed_counter WHERE id = 1").fetchone()[0]) + 1
    step = max(1, total // count)
    rows = []
    for offset in range(count):
        index, cursor = (offset * step) % total, first + offset
        gtin, price = synthetic_gtin(index), 1000 + offset % 500
        rows.append((cursor, gtin, at, _product_json(gtin, index, cursor, at, price)))
    conn.executemany(
        "INSERT INTO changes (cursor, kind, gtin, at, product_json) VALUES (?, 'price', ?, ?, ?)",
        rows,
    )
    conn.execute("UPDATE feed_counter SET value = ? WHERE id = 1", [first + count - 1])
    conn.execute("COMMIT")
    conn.close()


def start_central(path: Path) -> tuple[subprocess.Popen[bytes], str]:
    """Starts central as its own process; returns it and its base URL.

    Raises:
        RuntimeError: if central does not answer within `READY_TIMEOUT_S`.
    """
    port = free_port()
    command = [sys.executable, "-m", "central", "--db", str(path), "--port", str(port)]
    process = subprocess.Popen(
        [*command, "--log-level", "warning"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    base_url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + READY_TIMEOUT_S
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base_url}/v1/health", timeout=1).status_code == 200:
                return process, base_url
        except httpx.HTTPError:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError("central did not start")


def cpu_s(pid: int) -> float:
    """CPU seconds (user + system) a process has used so far (Linux `/proc`; 0.0 elsewhere)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def peer_rates(base_url: str, folder: Path, page_limit: int) -> tuple[float, float]:
    """Changes per second of central's feed read alone, and of the hub's parse-and-write alone."""
    bodies = []
    start_s = time.perf_counter()
    with httpx.Client(base_url=base_url, timeout=60) as http:
        for page in range(PEER_PAGES):
            params = {"cursor": page * page_limit, "limit": page_limit}
            bodies.append(http.get("/v1/changes", params=params).content)
    read_s = time.perf_counter() - start_s
    scratch = open_database(folder / "peer.db")
    sync = CatalogSync(
        CentralClient(base_url, timeout_s=60),
        scratch,
        clock=lambda: datetime.now(UTC),
        page_limit=page_limit,
    )
    start_s = time.perf_counter()
    for page, body in enumerate(bodies):
        sync.apply_prepared(PreparedPage.from_body(page * page_limit, body))
    write_s = time.perf_counter() - start_s
    scratch.close()
    changes = PEER_PAGES * page_limit
    return changes / read_s, changes / write_s


@dataclass(frozen=True, slots=True)
class Timed:
    """One timed sync: wall seconds, the cursor reached, CPU seconds of hub and central."""

    wall_s: float
    cursor: int
    hub_cpu_s: float
    central_cpu_s: float


def hub_cpu_s() -> float:
    """CPU seconds of this process and of its finished children (the sync's page worker;
    central, still running, is not counted until it ends)."""
    times = os.times()
    return times.user + times.system + times.children_user + times.children_system


def timed_sync(sync: CatalogSync, central_pid: int) -> Timed:
    """Runs a sync to caught up, timing it (wall clock and each side's CPU)."""
    hub_before_s, central_before_s = hub_cpu_s(), cpu_s(central_pid)
    start_s = time.perf_counter()
    report = sync.run_once()
    while not report.caught_up:
        report = sync.run_once()
    wall_s = time.perf_counter() - start_s
    hub_used_s = hub_cpu_s() - hub_before_s
    return Timed(wall_s, report.cursor, hub_used_s, cpu_s(central_pid) - central_before_s)


@dataclass(frozen=True, slots=True)
class ReconcileRun:
    """One timed reconciliation run over a delta: wall seconds, changes pulled, findings."""

    wall_s: float
    applied: int
    findings: int
    ledger_products: int


def reconcile_run(
    folder: Path, central_db: Path, base_url: str, sync: CatalogSync, products: int
) -> ReconcileRun:
    """Gives the store a ledger, adds a delta of price changes at central, and times one
    reconciliation run: pull the delta, snapshot the ledger, read central's view of the store's
    stock, queue the availability push and write the report."""
    db = open_database(folder / "hub.db", run_migrations=False)
    step = max(1, products // LEDGER_PRODUCTS)
    gtins = [synthetic_gtin(i) for i in range(0, products, step)][:LEDGER_PRODUCTS]
    items = [StockSeedItem(gtin=gtin, on_hand=1 + i % 20) for i, gtin in enumerate(gtins)]
    apply_stock_seed(db, StockSeed(store=STORE, items=items), store_id=STORE, now=datetime.now(UTC))
    add_price_changes(central_db, min(DELTA_CHANGES, products), products)
    reconciler = Reconciler(
        db,
        client=CentralClient(base_url, timeout_s=60),
        sync=sync,
        store_id=STORE,
        clock=lambda: datetime.now(UTC),
    )
    start_s = time.perf_counter()
    report = reconciler.run_once()
    wall_s = time.perf_counter() - start_s
    db.close()
    return ReconcileRun(wall_s, report.summary.changes_applied, len(report.findings), len(gtins))


def _measure(folder: Path, args: argparse.Namespace) -> dict[str, float | int | str]:
    central_db = folder / "central.db"
    start_s = time.perf_counter()
    fill_central(central_db, args.products)
    fill_s = time.perf_counter() - start_s
    process, base_url = start_central(central_db)
    try:
        hub_db = open_database(folder / "hub.db")
        sync = CatalogSync(
            CentralClient(base_url, timeout_s=60),
            hub_db,
            clock=lambda: datetime.now(UTC),
            page_limit=args.page_limit,
            process_after_changes=args.process_after or None,
        )
        full = timed_sync(sync, process.pid)
        sync.checkpoint()  # as the hub's sync thread does between runs
        delta = min(DELTA_CHANGES, args.products)
        add_price_changes(central_db, delta, args.products)
        delta_run = timed_sync(sync, process.pid)
        sync.checkpoint()
        products = int(hub_db.execute("SELECT COUNT(*) FROM products").fetchone()[0])
        reconciled = reconcile_run(folder, central_db, base_url, sync, args.products)
        pages = min(PEER_PAGES * args.page_limit, args.products)
        read_rate, write_rate = peer_rates(base_url, folder, max(1, pages // PEER_PAGES))
    finally:
        process.terminate()
        process.wait(10)
    result = _figures(full, delta_run, reconciled)
    return {
        **result,
        "products": products,
        "peer_feed_read_per_s": round(read_rate, 1),
        "peer_hub_parse_write_per_s": round(write_rate, 1),
        "delta_changes": delta,
        "central_fill_s": round(fill_s, 1),
        "page_limit": args.page_limit,
        "process_after_changes": args.process_after,
    }


def _figures(full: Timed, delta: Timed, reconciled: ReconcileRun) -> dict[str, float | int]:
    return {
        "full_sync_s": round(full.wall_s, 2),
        "delta_10k_s": round(delta.wall_s, 3),
        "changes_per_s_full": round(full.cursor / full.wall_s, 1),
        "hub_cpu_s_full": round(full.hub_cpu_s, 2),
        "central_cpu_s_full": round(full.central_cpu_s, 2),
        "hub_cpu_s_delta": round(delta.hub_cpu_s, 3),
        "central_cpu_s_delta": round(delta.central_cpu_s, 3),
        "reconcile_run_delta_s": round(reconciled.wall_s, 3),
        "reconcile_run_applied": reconciled.applied,
        "reconcile_run_findings": reconciled.findings,
        "ledger_products": reconciled.ledger_products,
    }


def run(args: argparse.Namespace) -> dict[str, float | int | str]:
    """Builds central, runs the full sync, the delta and a reconciliation run; returns the JSON
    result with the machine's load."""
    with tempfile.TemporaryDirectory(prefix="aisle-bench-reconcile-") as tmp:
        result = _measure(Path(tmp), args)
    return {**result, "load_avg_1m": round(os.getloadavg()[0], 2)}


def main(argv: Sequence[str] | None = None) -> int:
    """Runs the reconcile benchmark.

    Returns:
        0 on success, 1 when central or the sync failed.
    """
    parser = argparse.ArgumentParser(prog="aisle bench reconcile", description=__doc__)
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--products", type=int, default=1_000_000, help="products at central")
    parser.add_argument("--page-limit", type=int, default=5000, help="changes per page")
    parser.add_argument(
        "--process-after",
        type=int,
        default=PROCESS_AFTER_CHANGES,
        help="changes after which a worker process fetches and parses pages (0: never)",
    )

    args = parser.parse_args(argv)
    try:
        result = run(args)
    except (RuntimeError, OSError) as exc:
        print(f"aisle bench reconcile: {exc}", file=sys.stderr)
        return 1
    if args.json:
        print(json.dumps(result))
    else:
        for key, value in result.items():
            print(f"{key:>20}: {value}")
    return 0
