"""Provides staff dashboard test helpers: accounts, logging in through the real form, a clock."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

import httpx
from fastapi.testclient import TestClient
from sqlite_utils import Database

from hub.db import staff as staff_db
from hub.db.connection import write_transaction
from hub.domain.passwords import ScryptCost, hash_password

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
