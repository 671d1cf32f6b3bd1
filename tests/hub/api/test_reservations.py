"""Tests pickup reservations over the real hub app and database: holds, first committed wins,
the safety buffer while central is unreachable, staff moves, expiry."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hub_builders import KETTLE, OAT_MILK, T0, UNKNOWN_GTIN, catalog_product, change
from hub_tokens import staff_headers
from sqlite_utils import Database

from contracts.orders import Refusal, Reservation
from hub.api.app import create_app
from hub.config import HubSettings
from hub.db import catalog, stock
from hub.db.connection import open_database, write_transaction
from hub.db.stock import Movement
from hub.pickup.sweeper import ReservationSweeper

HOLD_S = 600.0


@dataclass
class SetClock:
    """A clock the test moves by hand."""

    now: datetime = field(default=T0 + timedelta(hours=3))

    def __call__(self) -> datetime:
        return self.now


def seed(db: Database, *, reachable: bool) -> None:
    """Oat milk with 10 on hand and a shelf place, a kettle with 1; central reachable or not."""
    with write_transaction(db):
        catalog.apply_change(db, change(1, catalog_product(OAT_MILK, name="Oat drink 1 l")), T0)
        catalog.apply_change(db, change(2, catalog_product(KETTLE, name="Kettle")), T0)
        stock.record_movement(db, Movement(OAT_MILK, "receipt", 10, "seed:test"), T0)
        stock.record_movement(db, Movement(KETTLE, "receipt", 1, "seed:test"), T0)
        stock.set_shelf_location(db, OAT_MILK, "Aisle 5, bay 2", source="seed", now=T0)
        if reachable:
            catalog.save_sync_progress(db, cursor=2, as_of=T0, caught_up=True, applied=2, now=T0)


@pytest.fixture
def clock() -> SetClock:
    """The hub's clock in these tests."""
    return SetClock()


def make_client(db_path: Path, store_id: str, db: Database, clock: SetClock) -> TestClient:
    """The real hub app with a 600 s hold and a 2-unit safety buffer."""
    settings = HubSettings(
        store_id=store_id,
        db_path=db_path,
        reservation_hold_s=HOLD_S,
        reservation_safety_buffer_units=2,
    )
    # A staff session: it may both reserve (like a kiosk) and move pickups (kiosk tokens get 403
    # there, see tests/hub/api/test_api_auth.py).
    return TestClient(create_app(settings, db, clock=clock), headers=staff_headers(db))


@pytest.fixture
def client(db_path: Path, store_id: str, hub_db: Database, clock: SetClock) -> Iterator[TestClient]:
    """The hub app, central reachable."""
    seed(hub_db, reachable=True)
    with make_client(db_path, store_id, hub_db, clock) as test_client:
        yield test_client


def reserve(client: TestClient, key: str, quantity: int = 1, gtin: str = OAT_MILK) -> Any:
    """POSTs a reservation from kiosk-1."""
    body = {"gtin": gtin, "quantity": quantity, "device": "kiosk-1"}
    return client.post("/api/v1/reservations", json=body, headers={"Idempotency-Key": key})


def on_hand(client: TestClient, gtin: str = OAT_MILK) -> int:
    """On-hand as the product card shows it."""
    return int(client.get(f"/api/v1/cards/{gtin}").json()["on_hand"])


def test_a_reservation_holds_stock_and_a_retry_returns_the_same(
    client: TestClient, clock: SetClock
) -> None:
    first = reserve(client, "k-1", 3)
    assert first.status_code == 201, first.text
    made = Reservation.model_validate(first.json())
    assert (made.state, made.quantity, made.name) == ("new", 3, "Oat drink 1 l")
    assert made.shelf_location == "Aisle 5, bay 2"
    assert made.expires_at == clock.now + timedelta(seconds=HOLD_S)
    assert len(made.pickup_code) == 6 and made.pickup_code in made.id.upper()
    assert on_hand(client) == 7
    again = reserve(client, "k-1", 3)
    assert (again.status_code, again.json()) == (200, first.json())
    assert on_hand(client) == 7
    reused = reserve(client, "k-1", 2)
    assert reused.status_code == 409
    assert Refusal.model_validate(reused.json()).code == "idempotency_key_reused"


def test_first_committed_wins_when_stock_is_short(client: TestClient) -> None:
    assert reserve(client, "a", 6).status_code == 201
    late = reserve(client, "b", 6)
    assert late.status_code == 409
    refusal = Refusal.model_validate(late.json())
    assert refusal.code == "insufficient_stock" and "4 unit" in refusal.message
    assert reserve(client, "c", 4).status_code == 201
    assert on_hand(client) == 0


def test_safety_buffer_while_central_is_unreachable(
    db_path: Path, store_id: str, hub_db: Database, clock: SetClock
) -> None:
    seed(hub_db, reachable=False)
    with make_client(db_path, store_id, hub_db, clock) as client:
        assert reserve(client, "a", 9).json()["code"] == "insufficient_stock"
        assert reserve(client, "b", 8).status_code == 201
        assert reserve(client, "c", 1, gtin=KETTLE).status_code == 409  # 1 on hand, 2 kept


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"gtin": UNKNOWN_GTIN, "quantity": 1, "device": "kiosk-1"}, 422, "unknown_gtin"),
        ({"gtin": OAT_MILK[:-1] + "0", "quantity": 1, "device": "kiosk-1"}, 422, None),
        ({"gtin": OAT_MILK, "quantity": 0, "device": "kiosk-1"}, 422, None),
    ],
)
def test_bad_requests_are_refused_and_hold_nothing(
    client: TestClient, body: dict[str, Any], status: int, code: str | None
) -> None:
    response = client.post("/api/v1/reservations", json=body, headers={"Idempotency-Key": "x"})
    assert response.status_code == status
    if code is not None:
        assert response.json()["code"] == code
    assert on_hand(client) == 10


def test_a_missing_idempotency_key_is_422(client: TestClient) -> None:
    body = {"gtin": OAT_MILK, "quantity": 1, "device": "kiosk-1"}
    assert client.post("/api/v1/reservations", json=body).status_code == 422


def test_staff_moves_ready_then_picked_up_record_a_sale(
    client: TestClient, hub_db: Database
) -> None:
    made = reserve(client, "k", 2).json()
    queue = client.get("/api/v1/reservations", params={"state": ["new", "ready"]}).json()
    assert [r["id"] for r in queue] == [made["id"]]
    assert client.post(f"/api/v1/reservations/{made['id']}/ready").json()["state"] == "ready"
    done = client.post(f"/api/v1/reservations/{made['id']}/picked-up")
    assert done.json()["state"] == "picked_up"
    assert client.post(f"/api/v1/reservations/{made['id']}/picked-up").status_code == 200
    assert on_hand(client) == 8
    kinds = hub_db.execute(
        "SELECT kind, quantity FROM stock_movements WHERE source_event = ? ORDER BY id",
        [f"reservation:{made['id']}"],
    ).fetchall()
    assert kinds == [("reservation", -2), ("release", 2), ("sale", -2)]
    refused = client.post(f"/api/v1/reservations/{made['id']}/cancel")
    assert (refused.status_code, refused.json()["code"]) == (409, "invalid_transition")
    assert client.get("/api/v1/reservations", params={"state": "new"}).json() == []


def test_cancel_releases_and_unknown_id_is_404(client: TestClient) -> None:
    made = reserve(client, "k", 4).json()
    assert on_hand(client) == 6
    assert client.post(f"/api/v1/reservations/{made['id']}/cancel").json()["state"] == "cancelled"
    assert on_hand(client) == 10
    assert client.get("/api/v1/reservations/res_nope").status_code == 404
    assert client.post("/api/v1/reservations/res_nope/ready").json()["code"] == "not_found"


def test_the_sweeper_expires_overdue_reservations_and_releases_their_units(
    client: TestClient, db_path: Path, clock: SetClock
) -> None:
    early = reserve(client, "early", 3).json()
    clock.now += timedelta(seconds=HOLD_S / 2)
    late = reserve(client, "late", 2).json()
    sweeper = ReservationSweeper(open_database(db_path, run_migrations=False), clock=clock)
    assert sweeper.sweep_once() == []
    clock.now = datetime.fromisoformat(early["expires_at"])
    assert sweeper.sweep_once() == [early["id"]]
    assert client.get(f"/api/v1/reservations/{early['id']}").json()["state"] == "expired"
    assert client.get(f"/api/v1/reservations/{late['id']}").json()["state"] == "new"
    assert on_hand(client) == 8
    assert sweeper.sweep_once() == []
