"""Tests of `/api/v1` authentication: device/kiosk bearer tokens, staff sessions, the CLI."""

from __future__ import annotations

import importlib
import pkgutil
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from hub_builders import OAT_MILK, T0, catalog_product, change
from hub_tokens import api_token, bearer, staff_headers
from sqlite_utils import Database
from starlette.routing import Mount

from hub.__main__ import main as hub_main
from hub.api import routes as routes_package
from hub.api.api_auth import OPEN_PATHS
from hub.api.app import create_app
from hub.config import HubSettings
from hub.db import catalog, stock
from hub.db.api_tokens import token_sha256
from hub.db.connection import write_transaction
from hub.db.stock import Movement

RESERVE = {"gtin": OAT_MILK, "quantity": 1, "device": "kiosk-1"}
PAGES = ("/dashboard", "/dashboard/stock", "/dashboard/pickups", "/dashboard/audit")


@pytest.fixture
def client(db_path: Path, store_id: str, hub_db: Database) -> Iterator[TestClient]:
    """The real hub app, no credentials by default, one product with 10 units."""
    with write_transaction(hub_db):
        catalog.apply_change(hub_db, change(1, catalog_product(OAT_MILK)), T0)
        stock.record_movement(hub_db, Movement(OAT_MILK, "receipt", 10, "seed:test"), T0)
    app = create_app(HubSettings(store_id=store_id, db_path=db_path), hub_db)
    with TestClient(app) as test_client:
        yield test_client


def _reserve(client: TestClient, headers: dict[str, str], key: str) -> str:
    response = client.post(
        "/api/v1/reservations", json=RESERVE, headers={**headers, "Idempotency-Key": key}
    )
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


def test_without_a_token_every_api_route_but_health_is_401(client: TestClient) -> None:
    assert client.get("/api/v1/health").status_code == 200
    for path in ("/api/v1/events", f"/api/v1/cards/{OAT_MILK}", "/api/v1/reservations"):
        response = client.get(path)
        assert response.status_code == 401, path
        assert response.json()["code"] == "unauthorized"
        assert response.headers["www-authenticate"] == "Bearer"
    assert client.post("/api/v1/reservations", json=RESERVE).status_code == 401
    assert client.get("/api/v1/events", headers={"Authorization": "Basic eDp5"}).status_code == 401
    assert client.get("/api/v1/events", headers=bearer("made-up")).status_code == 401


def test_a_kiosk_token_reads_cards_and_reserves(client: TestClient, hub_db: Database) -> None:
    kiosk = bearer(api_token(hub_db, device="kiosk-1", role="kiosk"))
    card = client.get(f"/api/v1/cards/{OAT_MILK}", headers=kiosk)
    assert card.status_code == 200
    assert card.json()["on_hand"] == 10
    reservation = _reserve(client, kiosk, "k-1")
    assert client.get(f"/api/v1/reservations/{reservation}", headers=kiosk).status_code == 200


def test_a_revoked_token_is_401(client: TestClient, db_path: Path, hub_db: Database) -> None:
    token = api_token(hub_db, device="kiosk-9", role="kiosk")
    assert client.get("/api/v1/events", headers=bearer(token)).status_code == 200
    assert hub_main(["revoke-token", "--db", str(db_path), "--device", "kiosk-9"]) == 0
    refused = client.get("/api/v1/events", headers=bearer(token))
    assert (refused.status_code, refused.json()["code"]) == (401, "unauthorized")
    assert hub_main(["revoke-token", "--db", str(db_path), "--device", "kiosk-9"]) == 2


def test_a_kiosk_token_may_not_move_a_pickup(client: TestClient, hub_db: Database) -> None:
    kiosk = bearer(api_token(hub_db, device="kiosk-1", role="kiosk"))
    reservation = _reserve(client, kiosk, "k-2")
    for move in ("ready", "picked-up", "cancel"):
        refused = client.post(f"/api/v1/reservations/{reservation}/{move}", headers=kiosk)
        assert (refused.status_code, refused.json()["code"]) == (403, "forbidden"), move
    assert client.post("/api/v1/outbox/retry", headers=kiosk).status_code == 403
    for queue in ("/api/v1/reservations", "/api/v1/orders"):  # pickup codes are not for kiosks
        assert client.get(queue, headers=kiosk).status_code == 403, queue


def test_a_staff_session_moves_a_pickup_with_its_csrf_header(
    client: TestClient, hub_db: Database
) -> None:
    staff = staff_headers(hub_db)
    reservation = _reserve(client, staff, "s-1")
    no_csrf = {"Cookie": staff["Cookie"]}
    refused = client.post(f"/api/v1/reservations/{reservation}/ready", headers=no_csrf)
    assert refused.status_code == 403
    ready = client.post(f"/api/v1/reservations/{reservation}/ready", headers=staff)
    assert (ready.status_code, ready.json()["state"]) == (200, "ready")


def test_a_kiosk_token_on_staff_pages_gets_the_login_never_data(
    client: TestClient, hub_db: Database
) -> None:
    kiosk = bearer(api_token(hub_db, device="kiosk-1", role="kiosk"))
    for path in PAGES:
        page = client.get(path, headers=kiosk, follow_redirects=False)
        assert page.status_code == 303, path
        assert page.headers["location"].startswith("/login"), path
        assert OAT_MILK[1:] not in page.text
    stream = client.get("/dashboard/live", headers=kiosk, follow_redirects=False)
    assert stream.status_code in (401, 303)


def test_tokens_are_stored_as_sha256_only(
    db_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert (
        hub_main(["add-token", "--db", str(db_path), "--device", "kiosk-2", "--role", "kiosk"]) == 0
    )
    token = capsys.readouterr().out.strip()
    files = [db_path, db_path.with_name(db_path.name + "-wal")]
    raw = b"".join(path.read_bytes() for path in files if path.exists())
    assert token.encode() not in raw
    db = Database(db_path)
    rows = db.execute("SELECT token_sha256, device, role, revoked_at FROM api_tokens").fetchall()
    db.close()
    assert rows == [(token_sha256(token), "kiosk-2", "kiosk", None)]


def test_add_token_writes_a_private_token_file(db_path: Path, tmp_path: Path) -> None:
    path = tmp_path / "secrets" / "kiosk-3.token"
    argv = ["add-token", "--db", str(db_path), "--device", "kiosk-3", "--role", "kiosk"]
    assert hub_main([*argv, "--token-file", str(path)]) == 0
    assert path.stat().st_mode & 0o777 == 0o600
    assert len(path.read_text().strip()) >= 40
    with pytest.raises(SystemExit):
        hub_main(["add-token", "--db", str(db_path), "--device", "x", "--role", "admin"])


def test_every_api_route_of_every_router_is_behind_the_gate(
    db_path: Path, store_id: str, hub_db: Database
) -> None:
    """Each `/api/v1` route of every module in `hub.api.routes` (also those `hub.__main__` adds
    after `create_app`, like index and try-on) answers 401 without credentials."""
    app = create_app(HubSettings(store_id=store_id, db_path=db_path), hub_db)
    wired = set(app.openapi()["paths"])
    for info in pkgutil.iter_modules(routes_package.__path__):
        module = importlib.import_module(f"{routes_package.__name__}.{info.name}")
        router = getattr(module, "router", None)
        paths = {getattr(route, "path", "") for route in getattr(router, "routes", [])}
        if router is not None and not paths & wired:  # not yet included by create_app
            app.include_router(router)
    app.openapi_schema = None  # built again below, with the added routers
    assert not [r for r in app.routes if isinstance(r, Mount) and r.path.startswith("/api")]
    checked = set()
    with TestClient(app) as client:
        for path, operations in app.openapi()["paths"].items():
            if not path.startswith("/api/v1") or path in OPEN_PATHS:
                continue
            for method in operations:
                answer = client.request(method.upper(), re.sub(r"\{[^}]+\}", "x", path))
                assert answer.status_code == 401, (method, path, answer.status_code)
                checked.add((method.upper(), path))
    assert ("POST", "/api/v1/reservations/{reservation_id}/ready") in checked
    assert len(checked) >= 20
