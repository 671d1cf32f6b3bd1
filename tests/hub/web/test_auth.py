"""Tests staff auth on the real app and database: login, wrong password, lock-out, sessions,
CSRF, roles, and that no kiosk/device credential opens a staff page."""

from __future__ import annotations

from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlite_utils import Database
from web_harness import ASSOCIATE, MANAGER, PASSWORD, FakeClock, log_in, post_login

from hub.api.app import create_app
from hub.config import HubSettings
from hub.db.staff import token_digest
from hub.domain.staff import ADDRESS_LOCKOUT_FAILURES

STAFF_PAGES = [
    "/dashboard",
    "/dashboard/stock",
    "/dashboard/stock/04006381333931",
    "/dashboard/discrepancies",
    "/dashboard/pickups",
    "/dashboard/devices",
    "/dashboard/devices/kiosk-1",
    "/dashboard/events/01HZZZZZZZZZZZZZZZZZZZZZZZ",
    "/dashboard/demand",
    "/dashboard/demand.csv",
    "/dashboard/audit",
    "/dashboard/users",
    "/dashboard/prices",
]


@pytest.mark.parametrize("path", STAFF_PAGES)
def test_every_staff_page_redirects_to_login_without_a_session(
    client: TestClient, path: str
) -> None:
    response = client.get(path, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"].startswith("/login?next=")


@pytest.mark.parametrize(
    "headers",
    [
        {"Authorization": "Bearer kiosk-token-0123456789"},
        {"X-Device-Token": "kiosk-token-0123456789"},
        {"Cookie": "aisle_session=forged-or-expired-token"},
    ],
)
def test_kiosk_and_device_credentials_never_open_a_staff_page(
    client: TestClient, headers: dict[str, str]
) -> None:
    response = client.get("/dashboard", headers=headers, follow_redirects=False)
    assert response.status_code == 303
    live = client.get("/dashboard/live", headers={**headers, "Accept": "text/event-stream"})
    assert live.status_code == 401


def test_login_sets_an_httponly_session_cookie_and_lands_on_next(client: TestClient) -> None:
    response = post_login(client, MANAGER, PASSWORD, next_path="/dashboard/devices")
    assert (response.status_code, response.headers["location"]) == (303, "/dashboard/devices")
    cookie = response.headers["set-cookie"]
    assert "aisle_session=" in cookie and "HttpOnly" in cookie and "SameSite=lax" in cookie
    assert "Secure" not in cookie  # plain http on loopback; https sets Secure
    page = client.get("/dashboard")
    assert page.status_code == 200 and MANAGER in page.text
    assert page.headers["content-security-policy"].startswith("default-src 'self'")


@pytest.mark.parametrize("next_path", ["https://evil.example/", "//evil.example/x", "/\\evil"])
def test_login_never_redirects_off_site(client: TestClient, next_path: str) -> None:
    response = post_login(client, MANAGER, PASSWORD, next_path=next_path)
    assert response.headers["location"] == "/dashboard"


def test_wrong_password_and_unknown_user_get_the_same_refusal(client: TestClient) -> None:
    wrong = post_login(client, MANAGER, "not the password")
    unknown = post_login(client, "nobody-here", PASSWORD)
    for response in (wrong, unknown):
        assert response.status_code == 401
        assert "Wrong username or password." in response.text
        assert "aisle_session" not in response.headers.get("set-cookie", "")


def test_empty_fields_show_field_errors(client: TestClient) -> None:
    response = post_login(client, "", "")
    assert response.status_code == 422
    assert 'data-field="username"' in response.text and 'data-field="password"' in response.text


def test_five_failures_lock_the_account_for_fifteen_minutes(
    client: TestClient, clock: FakeClock
) -> None:
    for _ in range(5):
        assert post_login(client, MANAGER, "guess").status_code == 401
    locked = post_login(client, MANAGER, PASSWORD)
    assert locked.status_code == 429 and "locked" in locked.text
    clock.advance(timedelta(minutes=15, seconds=1))
    assert post_login(client, MANAGER, PASSWORD).status_code == 303


def test_lock_out_is_per_address_so_nobody_locks_a_colleague_out(
    client: TestClient, settings: HubSettings, staff_db: Database, clock: FakeClock
) -> None:
    for _ in range(5):
        assert post_login(client, MANAGER, "guess").status_code == 401
    assert post_login(client, MANAGER, PASSWORD).status_code == 429
    app = create_app(settings, staff_db, clock=clock)
    with TestClient(app, client=("10.0.0.7", 40000)) as till:
        assert post_login(till, MANAGER, PASSWORD).status_code == 303


def test_many_failures_from_one_address_lock_it_for_every_username(
    client: TestClient, settings: HubSettings, staff_db: Database, clock: FakeClock
) -> None:
    for n in range(ADDRESS_LOCKOUT_FAILURES):
        assert post_login(client, f"guess-{n}", "wrong password").status_code == 401
    refused = post_login(client, ASSOCIATE, PASSWORD)
    assert refused.status_code == 429 and "from this address" in refused.text
    app = create_app(settings, staff_db, clock=clock)
    with TestClient(app, client=("10.0.0.8", 40000)) as other:
        assert post_login(other, ASSOCIATE, PASSWORD).status_code == 303
    clock.advance(timedelta(minutes=15, seconds=1))
    assert post_login(client, ASSOCIATE, PASSWORD).status_code == 303


def test_login_form_without_its_csrf_token_is_refused(client: TestClient) -> None:
    client.get("/login")
    response = client.post("/login", data={"username": MANAGER, "password": PASSWORD})
    assert response.status_code == 400
    assert "CSRF" in response.text


def test_logout_needs_the_session_csrf_token_and_ends_the_session(client: TestClient) -> None:
    token = log_in(client)
    refused = client.post("/logout", data={"csrf_token": "wrong"}, follow_redirects=False)
    assert refused.status_code == 400
    done = client.post("/logout", data={"csrf_token": token}, follow_redirects=False)
    assert (done.status_code, done.headers["location"]) == (303, "/login")
    assert client.get("/dashboard", follow_redirects=False).status_code == 303


def test_an_idle_session_expires(client: TestClient, clock: FakeClock) -> None:
    log_in(client)
    clock.advance(timedelta(hours=2, minutes=1))
    assert client.get("/dashboard", follow_redirects=False).status_code == 303


def test_sessions_are_stored_as_digests_only(client: TestClient, staff_db: Database) -> None:
    log_in(client)
    token = client.cookies.get("aisle_session")
    assert token
    stored = [row[0] for row in staff_db.execute("SELECT token_sha256 FROM staff_sessions")]
    assert stored == [token_digest(token)]


def test_an_associate_cannot_open_manager_pages(client: TestClient) -> None:
    log_in(client, ASSOCIATE)
    response = client.get("/dashboard/users")
    assert response.status_code == 403
    assert 'href="/dashboard/users"' not in client.get("/dashboard").text
