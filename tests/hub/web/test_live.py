"""Tests the staff live stream over real HTTP (uvicorn): it tells the browser how soon to
reconnect, resumes after the browser's Last-Event-ID, and needs a staff session."""

from __future__ import annotations

import re
from collections.abc import Iterator

import httpx
import pytest
from hub_harness import ServedApp
from sqlite_utils import Database
from web_harness import MANAGER, PASSWORD, FakeClock, seed_store

from hub.api.app import create_app
from hub.api.notifier import EventNotifier
from hub.config import HubSettings

READ_S = 5.0


@pytest.fixture
def served(settings: HubSettings, staff_db: Database, clock: FakeClock) -> Iterator[ServedApp]:
    """The seeded hub app under uvicorn (three events from glasses-7)."""
    seed_store(staff_db, clock(), device="glasses-7")
    notifier = EventNotifier()
    app = ServedApp(create_app(settings, staff_db, notifier=notifier, clock=clock))
    yield app
    notifier.close()
    app.stop()


def _logged_in(base_url: str) -> httpx.Client:
    client = httpx.Client(base_url=base_url, timeout=READ_S)
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").text)
    assert token is not None
    form = {"csrf_token": token.group(1), "username": MANAGER, "password": PASSWORD}
    assert client.post("/login", data=form).status_code == 303
    return client


def _first_frame(client: httpx.Client, headers: dict[str, str]) -> tuple[str, str]:
    with client.stream("GET", "/dashboard/live", headers=headers) as response:
        assert response.status_code == 200
        lines = response.iter_lines()
        retry = next(lines)
        frame_id = next(line for line in lines if line.startswith("id:"))
    return retry, frame_id


def test_the_stream_sets_retry_and_resumes_after_last_event_id(served: ServedApp) -> None:
    client = _logged_in(served.base_url)
    try:
        retry, frame_id = _first_frame(
            client, {"Accept": "text/event-stream", "Last-Event-ID": "1"}
        )
    finally:
        client.close()
    assert retry == "retry: 1500"
    assert frame_id == "id: 2"


def test_the_stream_needs_a_session(served: ServedApp) -> None:
    with httpx.Client(base_url=served.base_url, timeout=READ_S) as client:
        response = client.get("/dashboard/live", headers={"Accept": "text/event-stream"})
    assert response.status_code == 401
