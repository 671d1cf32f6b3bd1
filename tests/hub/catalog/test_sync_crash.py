"""Tests that a full catalog sync survives real crashes: the hub process syncing from a real
central process is killed with SIGKILL mid-feed (after its page worker process took over), and
central itself is killed mid-feed; each time the sync resumes from its stored cursor and ends
with exactly central's catalog, every change applied once (`changes_applied` equals central's
last cursor). The page worker reports an unreachable central as such."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from sqlite_utils import Database

from aisle.bench.reconcile import add_price_changes, fill_central, start_central
from aisle.broker import free_port
from contracts.catalog import CatalogProduct
from hub.catalog.client import CentralClient
from hub.catalog.producer import process_pages
from hub.catalog.sync import CatalogSync
from hub.db import catalog
from hub.db.connection import open_database
from hub.errors import CatalogUnavailable

PRODUCTS = 3_000
PRICE_CHANGES = 600
PAGE_LIMIT = 40
DEADLINE_S = 60.0

SYNC_PROCESS = """
import sys
from datetime import UTC, datetime
from pathlib import Path
from hub.catalog.client import CentralClient
from hub.catalog.producer import process_pages
from hub.catalog.sync import CatalogSync
from hub.db.connection import open_database
sync = CatalogSync(CentralClient(sys.argv[1], timeout_s=30), open_database(Path(sys.argv[2])),
                   clock=lambda: datetime.now(UTC), page_limit=int(sys.argv[3]),
                   process_after_changes=int(sys.argv[4]))
while not sync.run_once().caught_up:
    pass
"""


def _utc_now() -> datetime:
    return datetime.now(UTC)


@pytest.fixture
def central_db(tmp_path: Path) -> Path:
    """A central database with synthetic products, then price changes spread over them."""
    path = tmp_path / "central.db"
    fill_central(path, PRODUCTS)
    add_price_changes(path, PRICE_CHANGES, PRODUCTS)
    return path


def _centrals_catalog(path: Path) -> dict[str, CatalogProduct]:
    """Central's catalog as its feed leaves it: the newest snapshot of each product."""
    conn = sqlite3.connect(path)
    rows = conn.execute(
        "SELECT product_json FROM changes WHERE cursor IN"
        " (SELECT MAX(cursor) FROM changes GROUP BY gtin)"
    ).fetchall()
    conn.close()
    products = (CatalogProduct.model_validate_json(row[0]) for row in rows)
    return {product.gtin: product for product in products}


def _assert_exact_copy(db: Database, central_db: Path) -> None:
    expected = _centrals_catalog(central_db)
    gtins = [row[0] for row in db.execute("SELECT gtin FROM products").fetchall()]
    assert sorted(gtins) == sorted(expected)
    copies = catalog.get_products(db, gtins)
    assert {gtin: record.product for gtin, record in copies.items()} == expected
    state = catalog.load_sync_state(db)
    assert state.cursor == state.changes_applied == PRODUCTS + PRICE_CHANGES


def _wait_for_cursor(hub_path: Path, above: int, process: subprocess.Popen[bytes]) -> int:
    deadline = time.monotonic() + DEADLINE_S
    db = open_database(hub_path, run_migrations=False)
    try:
        while time.monotonic() < deadline and process.poll() is None:
            cursor = catalog.load_sync_state(db).cursor
            if cursor > above:
                return cursor
            time.sleep(0.005)
    finally:
        db.close()
    raise AssertionError(f"the sync process never passed cursor {above}")


def test_a_hub_killed_mid_sync_resumes_to_exactly_centrals_catalog(
    central_db: Path, tmp_path: Path
) -> None:
    hub_path = tmp_path / "hub.db"
    open_database(hub_path).close()
    central, base_url = start_central(central_db)
    try:
        handover = 3 * PAGE_LIMIT  # then a worker process fetches and parses the pages
        args = [base_url, str(hub_path), str(PAGE_LIMIT), str(handover)]
        syncing = subprocess.Popen([sys.executable, "-c", SYNC_PROCESS, *args])
        reached = _wait_for_cursor(hub_path, handover + 2 * PAGE_LIMIT, syncing)
        syncing.kill()
        assert syncing.wait(10) == -9, "the sync finished before it could be killed"
        db = open_database(hub_path, run_migrations=False)
        assert 0 < reached <= catalog.load_sync_state(db).cursor < PRODUCTS + PRICE_CHANGES
        sync = CatalogSync(
            CentralClient(base_url, timeout_s=30), db, clock=_utc_now, page_limit=PAGE_LIMIT
        )
        assert sync.run_once().caught_up
        _assert_exact_copy(db, central_db)
        db.close()
    finally:
        central.kill()
        central.wait(10)


@pytest.mark.parametrize("process_after_changes", [None, PAGE_LIMIT])
def test_central_killed_mid_feed_the_sync_resumes_once_it_is_back(
    central_db: Path, hub_db: Database, process_after_changes: int | None
) -> None:
    central, base_url = start_central(central_db)
    client = CentralClient(base_url, timeout_s=30)
    sync = CatalogSync(client, hub_db, clock=_utc_now, page_limit=PAGE_LIMIT)
    applied_before = 0
    try:
        for _ in range(5):  # five pages, then central dies under the sync's next request
            applied_before += sync.apply_prepared(
                sync.fetch(catalog.load_sync_state(hub_db).cursor)
            )
        central.kill()
        central.wait(10)
        with pytest.raises(CatalogUnavailable):
            sync.run_once()
        assert catalog.load_sync_state(hub_db).cursor == applied_before == 5 * PAGE_LIMIT
        central, base_url = start_central(central_db)
        resumed = CatalogSync(
            CentralClient(base_url, timeout_s=30),
            hub_db,
            clock=_utc_now,
            page_limit=PAGE_LIMIT,
            process_after_changes=process_after_changes,
        )
        assert resumed.run_once().caught_up
        _assert_exact_copy(hub_db, central_db)
    finally:
        central.kill()
        central.wait(10)


def test_the_page_worker_reports_central_unreachable(tmp_path: Path) -> None:
    port = free_port()  # nothing listens there
    client = CentralClient(f"http://127.0.0.1:{port}", timeout_s=2)
    with pytest.raises(CatalogUnavailable, match="ConnectError"):
        list(process_pages(client, 0, limit=PAGE_LIMIT))


def test_the_page_worker_refuses_an_injected_transport() -> None:
    client = CentralClient("http://central", timeout_s=2, transport=httpx.MockTransport(_never))
    with pytest.raises(ValueError, match="injected transport"):
        list(process_pages(client, 0, limit=PAGE_LIMIT))


def _never(request: httpx.Request) -> httpx.Response:
    raise AssertionError(f"no request expected, got {request.url}")
