"""Tests the catalog sync against the real central app served over HTTP: full sync, deltas,
resume from a stored cursor after a crash, and central down (cards still served)."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from hub_harness import ServedApp, utc_now
from hub_tokens import api_headers
from sqlite_utils import Database

from central.repository import CentralRepository
from contracts.cards import ProductCard
from contracts.catalog import CatalogProduct
from hub.api.app import create_app
from hub.catalog.client import CentralClient
from hub.catalog.sync import CatalogSync
from hub.config import HubSettings
from hub.db import catalog, repo
from hub.errors import CatalogUnavailable
from hub.stock.seed import apply_stock_seed, load_stock_seed

REPO_ROOT = Path(__file__).resolve().parents[3]
DEMO_STOCK = REPO_ROOT / "hub" / "data" / "demo_store_stock.json"
PAGE_LIMIT = 100


class FailingAfter(httpx.HTTPTransport):
    """A real HTTP transport that loses the network after `pages` requests (a cut cable)."""

    def __init__(self, pages: int) -> None:
        super().__init__()
        self._left = pages

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if self._left == 0:
            raise httpx.ConnectError("network cut by the test", request=request)
        self._left -= 1
        return super().handle_request(request)


def comparable(product: CatalogProduct) -> dict[str, object]:
    """A product as JSON, online stock in warehouse order (the hub sorts by delivery time)."""
    data = product.model_dump(mode="json")
    data["online_stock"] = sorted(data["online_stock"], key=lambda level: level["warehouse"])
    return data


def make_sync(
    base_url: str, db: Database, transport: httpx.BaseTransport | None = None
) -> CatalogSync:
    """A sync over a real HTTP client of central."""
    client = CentralClient(base_url, timeout_s=5, transport=transport)
    return CatalogSync(client, db, clock=utc_now, page_limit=PAGE_LIMIT)


def test_full_sync_copies_central_and_a_delta_applies_only_the_new_change(
    central: ServedApp, central_repo: CentralRepository, hub_db: Database
) -> None:
    health = central_repo.health()
    report = make_sync(central.base_url, hub_db).run_once()
    assert (report.cursor, report.applied, report.caught_up) == (
        health.last_cursor,
        health.last_cursor,
        True,
    )
    assert report.pages == -(-health.last_cursor // PAGE_LIMIT)
    assert repo.count_rows(hub_db, "products") == health.products
    gtin = hub_db.execute("SELECT gtin FROM products ORDER BY gtin LIMIT 1").fetchone()[0]
    local = catalog.get_product(hub_db, gtin)
    assert local is not None
    assert comparable(local.product) == comparable(central_repo.product(gtin))

    response = httpx.put(
        f"{central.base_url}/v1/admin/products/{gtin}/price", json={"online_price_cents": 101}
    )
    assert response.status_code == 200, response.text
    delta = make_sync(central.base_url, hub_db).run_once()
    assert (delta.applied, delta.cursor, delta.pages) == (1, health.last_cursor + 1, 1)
    updated = catalog.get_product(hub_db, gtin)
    assert updated is not None and updated.product.online_price_cents == 101
    assert make_sync(central.base_url, hub_db).run_once().applied == 0


def test_sync_resumes_from_the_stored_cursor_after_a_cut(
    central: ServedApp, central_repo: CentralRepository, hub_db: Database
) -> None:
    with pytest.raises(CatalogUnavailable, match="network cut by the test"):
        make_sync(central.base_url, hub_db, FailingAfter(pages=3)).run_once()
    state = catalog.load_sync_state(hub_db)
    assert (state.cursor, state.changes_applied) == (3 * PAGE_LIMIT, 3 * PAGE_LIMIT)
    assert state.central_reachable is False
    assert "network cut" in (state.last_error or "")

    report = make_sync(central.base_url, hub_db).run_once()
    last_cursor = central_repo.health().last_cursor
    assert (report.applied, report.cursor) == (last_cursor - 3 * PAGE_LIMIT, last_cursor)
    state = catalog.load_sync_state(hub_db)
    assert state.changes_applied == last_cursor  # every change applied exactly once
    assert state.central_reachable is True
    assert repo.count_rows(hub_db, "products") == central_repo.health().products


def test_central_down_the_card_is_served_from_the_local_copy(
    central: ServedApp, hub_db: Database, db_path: Path
) -> None:
    make_sync(central.base_url, hub_db).run_once()
    apply_stock_seed(hub_db, load_stock_seed(DEMO_STOCK), store_id="demo", now=utc_now())
    item = next(i for i in json.loads(DEMO_STOCK.read_text())["items"] if i["on_hand"] > 0)
    as_of = catalog.load_sync_state(hub_db).caught_up_as_of
    base_url = central.base_url
    central.stop()

    with pytest.raises(CatalogUnavailable):
        make_sync(base_url, hub_db).run_once()
    settings = HubSettings(store_id="demo", db_path=db_path, central_url=base_url)
    kiosk = api_headers(hub_db, device="kiosk-1", role="kiosk")
    with TestClient(create_app(settings, hub_db), headers=kiosk) as client:
        response = client.get(f"/api/v1/cards/{item['gtin']}")
        health = client.get("/api/v1/health").json()
    assert response.status_code == 200, response.text
    card = ProductCard.model_validate(response.json())
    assert (card.on_hand, card.shelf_location) == (item["on_hand"], item["shelf_location"])
    assert card.central_reachable is False
    assert card.catalog_as_of == as_of
    assert (health["central_reachable"], health["status"]) == (False, "degraded")
    assert "ConnectError" in health["last_sync_error"]


def test_a_change_older_than_the_stored_product_never_rolls_it_back(hub_db: Database) -> None:
    from hub_builders import T0, catalog_product, change

    newer = catalog_product("04006381333931", price_cents=300, version=7)
    older = catalog_product("04006381333931", price_cents=100, version=3)
    with hub_db.atomic():
        catalog.apply_change(hub_db, change(7, newer), T0)
        catalog.apply_change(hub_db, change(3, older), T0)
    record = catalog.get_product(hub_db, "04006381333931")
    assert record is not None
    assert record.product.price_cents == 300
    assert isinstance(record.product, CatalogProduct)
