"""Staff dashboard fixtures: a hub app over a real database file, with staff accounts."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlite_utils import Database
from web_harness import ASSOCIATE, MANAGER, FakeClock, add_staff

from hub.api.app import create_app
from hub.config import HubSettings


@pytest.fixture
def clock() -> FakeClock:
    """A settable UTC clock for the app."""
    return FakeClock(datetime(2026, 3, 2, 9, 30, tzinfo=UTC))


@pytest.fixture
def settings(db_path: Path, store_id: str) -> HubSettings:
    """Settings of a test hub."""
    return HubSettings(store_id=store_id, db_path=db_path)


@pytest.fixture
def staff_db(hub_db: Database, clock: FakeClock) -> Database:
    """The hub database with a manager and an associate account."""
    add_staff(hub_db, MANAGER, role="manager", now=clock())
    add_staff(hub_db, ASSOCIATE, role="associate", now=clock())
    return hub_db


@pytest.fixture
def client(settings: HubSettings, staff_db: Database, clock: FakeClock) -> Iterator[TestClient]:
    """A TestClient on the hub app (not logged in)."""
    with TestClient(create_app(settings, staff_db, clock=clock)) as test_client:
        yield test_client
