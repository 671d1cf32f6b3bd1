"""Tests the product card API over the real FastAPI app and a real database file."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from hub_builders import CEREAL, KETTLE, OAT_MILK, SPOON, T0, catalog_product, change, review
from hub_tokens import api_headers
from sqlite_utils import Database

from contracts.cards import ProductCard, UnknownCode
from hub.api.app import create_app
from hub.config import HubSettings
from hub.db import catalog, stock
from hub.db.stock import Movement

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
CENTRAL = "http://central.test:8100"


def seed_catalog(db: Database) -> None:
    """Oat milk (stocked, two reviews, three complements), cereal, a spoon, a kettle."""
    oat = catalog_product(
        OAT_MILK,
        name="Oat drink 1 l",
        complements=[CEREAL, SPOON, KETTLE],
        online_stock=[
            {"warehouse": "wh-south", "name": "South", "quantity": 40, "delivery_days": 3},
            {"warehouse": "wh-north", "name": "North", "quantity": 5, "delivery_days": 1},
        ],
        rating_average=4.0,
        rating_count=2,
    )
    with db.atomic():
        catalog.apply_change(db, change(1, oat), T0)
        catalog.apply_change(db, change(2, catalog_product(CEREAL, name="Granola")), T0)
        catalog.apply_change(db, change(3, catalog_product(SPOON, name="Spoon")), T0)
        catalog.apply_change(
            db, change(4, catalog_product(KETTLE, name="Kettle", price_cents=2999)), T0
        )
        catalog.apply_change(db, change(5, oat, review(1, OAT_MILK, helpful_votes=1)), T0)
        catalog.apply_change(db, change(6, oat, review(2, OAT_MILK, helpful_votes=9, rating=5)), T0)
        for gtin, quantity in ((OAT_MILK, 12), (CEREAL, 4), (KETTLE, 1)):
            stock.record_movement(db, Movement(gtin, "receipt", quantity, "seed:test"), T0)
        stock.record_movement(db, Movement(OAT_MILK, "sale", -2, "evt-sale-1"), T0)
        stock.record_movement(db, Movement(KETTLE, "sale", -1, "evt-sale-2"), T0)
        stock.set_shelf_location(db, OAT_MILK, "Aisle 5, bay 2", source="seed", now=T0)


@pytest.fixture
def settings(db_path: Path, store_id: str) -> HubSettings:
    """Settings of a test hub (its broker is never contacted by these tests)."""
    return HubSettings(store_id=store_id, db_path=db_path, central_url=CENTRAL)


@pytest.fixture
def client(settings: HubSettings, hub_db: Database) -> Iterator[TestClient]:
    """The real hub app over a seeded database."""
    seed_catalog(hub_db)
    app, headers = (
        create_app(settings, hub_db, clock=lambda: NOW),
        api_headers(hub_db, role="kiosk"),
    )
    with TestClient(app, headers=headers) as test_client:
        yield test_client


@pytest.mark.parametrize("code", [OAT_MILK, OAT_MILK[1:], f" {OAT_MILK[1:]} "])
def test_card_for_a_known_gtin_in_any_form(client: TestClient, code: str) -> None:
    response = client.get(f"/api/v1/cards/{code}")
    assert response.status_code == 200, response.text
    card = ProductCard.model_validate(response.json())
    assert (card.gtin, card.name, card.currency) == (OAT_MILK, "Oat drink 1 l", "EUR")
    assert (card.store_price_cents, card.online_price_cents) == (249, 229)
    assert card.price_comparison == "cheaper_online"
    assert (card.on_hand, card.shelf_location) == (10, "Aisle 5, bay 2")
    assert card.image_url == f"{CENTRAL}/v1/products/{OAT_MILK}/image.png"
    assert [w.warehouse for w in card.online_stock] == ["wh-north", "wh-south"]
    assert [r.helpful_votes for r in card.top_reviews] == [9, 1]
    assert (card.rating_average, card.rating_count) == (4.0, 2)
    assert [(c.gtin, c.on_hand) for c in card.complements] == [(CEREAL, 4)]
    assert card.catalog_as_of == T0
    assert card.central_reachable is False  # the hub never reached central in this test


def test_upc_a_code_is_normalised_and_sync_state_shows_in_the_card(
    client: TestClient, hub_db: Database
) -> None:
    with hub_db.atomic():
        catalog.save_sync_progress(hub_db, cursor=6, as_of=NOW, caught_up=True, applied=6, now=NOW)
    card = ProductCard.model_validate(client.get(f"/api/v1/cards/{KETTLE[2:]}").json())
    assert (card.gtin, card.on_hand, card.online_price_cents) == (KETTLE, 0, 229)
    assert card.central_reachable is True
    assert card.catalog_as_of == NOW


def test_unknown_gtin_is_404_and_recorded_as_demand(client: TestClient, hub_db: Database) -> None:
    for _ in range(2):
        response = client.get("/api/v1/cards/4006381333948", params={"device": "kiosk-1"})
        assert response.status_code == 404
    body = UnknownCode.model_validate(response.json())
    assert (body.code, body.demand_recorded) == ("04006381333948", True)
    (signal,) = stock.list_demand(hub_db, limit=5)
    assert (signal.code, signal.device, signal.count) == ("04006381333948", "kiosk-1", 2)
    assert client.get("/api/v1/demand").json()[0]["count"] == 2


@pytest.mark.parametrize("code", ["4006381333949", "not-a-code", "123"])
def test_a_code_that_is_no_gtin_is_404_without_demand(
    client: TestClient, hub_db: Database, code: str
) -> None:
    response = client.get(f"/api/v1/cards/{code}")
    assert response.status_code == 404
    body = UnknownCode.model_validate(response.json())
    assert body.demand_recorded is False
    assert stock.list_demand(hub_db, limit=5) == []
