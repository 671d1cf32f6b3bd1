"""Provides staff dashboard test helpers: accounts, logging in through the real form, a clock."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

import httpx
from fastapi.testclient import TestClient
from hub_builders import catalog_product, change, make_envelope, scan_payload
from sqlite_utils import Database

from contracts.orders import ReservationRequest
from hub.db import audit, catalog, repo, reservations, stock
from hub.db import staff as staff_db
from hub.db.connection import write_transaction
from hub.db.stock import Movement
from hub.domain.passwords import ScryptCost, hash_password
from hub.domain.reservations import ReservationPolicy
from hub.domain.sequence import SeqDecision, SeqGap

MANAGER = "morgan"
ASSOCIATE = "avery"
PASSWORD = "correct horse battery"
# Tests hash with a lower cost than production (same code path, faster suite).
TEST_COST = ScryptCost(log2_n=12)
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


class FakeClock:
    """A UTC clock that moves only when told."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, delta: timedelta) -> None:
        """Moves the clock forward."""
        self.now += delta


def add_staff(db: Database, username: str, *, role: str, now: datetime) -> None:
    """Creates a staff account with `PASSWORD`."""
    with write_transaction(db):
        staff_db.add_user(
            db,
            username,
            role=role,
            password_hash=hash_password(PASSWORD, cost=TEST_COST),
            created_by="test",
            now=now,
        )


def csrf_of(html: str) -> str:
    """The CSRF token of the first form on a page."""
    found = _CSRF.search(html)
    assert found is not None, "no CSRF token on the page"
    return found.group(1)


def post_login(
    client: TestClient, username: str, password: str, *, next_path: str = "/dashboard"
) -> httpx.Response:
    """Submits the login form as a browser would (its CSRF cookie and field)."""
    token = csrf_of(client.get("/login").text)
    return client.post(
        "/login",
        data={"csrf_token": token, "username": username, "password": password, "next": next_path},
        follow_redirects=False,
    )


def log_in(client: TestClient, username: str = MANAGER) -> str:
    """Logs in and returns the session's CSRF token (from the overview page)."""
    response = post_login(client, username, PASSWORD)
    assert response.status_code == 303, response.text
    return csrf_of(client.get("/dashboard").text)


def seed_store(db: Database, now: datetime, *, device: str = "kiosk-1") -> dict[str, str]:
    """Fills a hub database with a small store: products, stock, a reservation, a device with
    events and a seq gap, an unknown code, an AI decision. Returns the ids tests refer to."""
    with write_transaction(db):
        for cursor, (gtin, name, category) in enumerate(PRODUCTS, start=1):
            product = catalog_product(gtin, name=name, category=category)
            catalog.apply_change(db, change(cursor, product), now)
        stock.record_movement(db, Movement(OAT_MILK, "receipt", 12, "stock-seed:test"), now)
        stock.set_shelf_location(db, OAT_MILK, "A3-2", source="test", now=now)
        stock.record_demand(db, UNKNOWN_GTIN, device=device, now=now)
        reservation, _ = reservations.create_reservation(
            db,
            ReservationRequest(gtin=OAT_MILK, quantity=2, device=device),
            key="k-0001",
            now=now,
            policy=ReservationPolicy(hold_s=3600, safety_buffer_units=0),
        )
        for seq in (1, 2, 5):
            envelope = make_envelope("demo", device, seq, payload=scan_payload(SOLD_OUT))
            repo.insert_event(db, envelope, digest=f"d{seq}", received_at=now)
            repo.count_applied(db, device, now)
        repo.record_seq_decision(
            db, device, SeqDecision(outcome="gap", last_seq=5, opened=SeqGap(3, 4)), now
        )
        audit.record_scan_decision(
            db, event_id=envelope.id, device=device, payload=envelope.payload, now=now
        )
    return {"reservation": reservation.id, "event": envelope.id, "pickup": reservation.pickup_code}


OAT_MILK = "04006381333931"
SOLD_OUT = "05012345678900"
UNKNOWN_GTIN = "04006381333948"
BARISTA_OAT = "04012734004359"  # the product of the kiosk_oat_milk replay
PRODUCTS = (
    (OAT_MILK, "Oat milk 1 l", "dairy alternatives"),
    (SOLD_OUT, "Crunchy cereal", "breakfast"),
    (BARISTA_OAT, "Barista oat drink 1 l", "dairy alternatives"),
)
