"""Tests the hub's device, event, health and dashboard endpoints, and the live event stream fed by
a real ingest on a real broker."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from hub_builders import make_envelope
from hub_harness import Publisher, RunningIngest, ServedApp, broker_address, utc_now
from hub_tokens import api_headers
from sqlite_utils import Database

from aisle.broker import BrokerEndpoint
from contracts.topics import events_topic
from hub.api.app import create_app
from hub.api.notifier import EventNotifier
from hub.config import HubSettings
from hub.db.connection import open_database
from hub.ingest.mqtt_ingest import MqttIngest
from hub.ingest.processor import EventProcessor

STREAM_READ_S = 5.0


@pytest.fixture
def settings(db_path: Path, store_id: str) -> HubSettings:
    """Settings of a test hub."""
    return HubSettings(store_id=store_id, db_path=db_path)


def test_events_devices_gaps_and_dead_letters_are_listed(
    running_ingest: RunningIngest,
    publisher: Publisher,
    settings: HubSettings,
    hub_db: Database,
    store_id: str,
) -> None:
    for seq in (1, 3):
        publisher.publish_event(make_envelope(store_id, "kiosk-1", seq))
    publisher.publish(events_topic(store_id, "kiosk-1"), b'{"v": 99}')
    running_ingest.wait_received(3)
    with TestClient(create_app(settings, hub_db), headers=api_headers(hub_db)) as client:
        events = client.get("/api/v1/events", params={"limit": 10}).json()
        devices = client.get("/api/v1/devices").json()
        gaps = client.get("/api/v1/gaps").json()
        letters = client.get("/api/v1/dead-letters").json()
    assert [(e["device"], e["seq"]) for e in events] == [("kiosk-1", 3), ("kiosk-1", 1)]
    assert [(d["id"], d["last_seq"], d["open_gaps"]) for d in devices] == [("kiosk-1", 3, 1)]
    assert [(g["from_seq"], g["to_seq"], g["filled"]) for g in gaps] == [(2, 2, False)]
    assert letters[0]["head"] == '{"v": 99}'
    assert "unsupported envelope version 99" in letters[0]["reason"]


def test_health_reports_each_dependency(settings: HubSettings, hub_db: Database) -> None:
    app = create_app(settings, hub_db, broker_connected=lambda: True)
    with TestClient(app) as client:
        response = client.get("/api/v1/health")
    assert response.status_code == 200
    health = response.json()
    assert (health["status"], health["db_ok"], health["broker_connected"]) == (
        "degraded",
        True,
        True,
    )
    assert (health["central_reachable"], health["catalog_as_of"]) == (False, None)


def test_dashboard_asks_for_a_login_whose_page_loads_only_vendored_files(
    settings: HubSettings, hub_db: Database
) -> None:
    with TestClient(create_app(settings, hub_db)) as client:
        page = client.get("/dashboard", follow_redirects=False)
        login = client.get("/login")
        script = client.get("/static/staff.js")
    assert (page.status_code, page.headers["location"]) == (303, "/login?next=%2Fdashboard")
    assert login.status_code == 200
    assert re.findall(r'(?:src|href)="([^"]+)"', login.text) == ["/static/staff.css", "/dashboard"]
    assert script.status_code == 200
    assert "EventSource" in script.text


@pytest.fixture
def live_hub(
    mqtt_broker: BrokerEndpoint, settings: HubSettings, db_path: Path, store_id: str
) -> Iterator[ServedApp]:
    """Ingest and API wired through one notifier, the API served by uvicorn."""
    notifier = EventNotifier()
    processor = EventProcessor(
        open_database(db_path, run_migrations=False),
        store_id=store_id,
        clock=utc_now,
        on_applied=notifier.notify,
    )
    ingest = MqttIngest(broker_address(mqtt_broker), store_id=store_id, processor=processor)
    ingest.start()
    assert ingest.wait_subscribed(10)
    api_db = open_database(db_path, run_migrations=False)
    served = ServedApp(create_app(settings, api_db, notifier=notifier))
    yield served
    notifier.close()
    served.stop()
    ingest.stop()


def _next_event(lines: Iterator[str]) -> dict[str, object]:
    for line in lines:
        if line.startswith("data: "):
            data: dict[str, object] = json.loads(line.removeprefix("data: "))
            return data
    raise AssertionError("stream ended without an event")


def test_live_stream_wakes_on_each_ingested_event(
    live_hub: ServedApp, publisher: Publisher, store_id: str, db_path: Path
) -> None:
    timeout = httpx.Timeout(STREAM_READ_S)
    url, headers = f"{live_hub.base_url}/api/v1/events/stream", api_headers(db_path)
    with httpx.stream("GET", url, timeout=timeout, headers=headers) as r:
        assert r.headers["content-type"].startswith("text/event-stream")
        lines = r.iter_lines()
        for seq in (1, 2):
            envelope = make_envelope(store_id, "glasses-1", seq)
            publisher.publish_event(envelope)
            # The keepalive is 15 s and the read timeout 5 s: only a wake-up delivers this.
            event = _next_event(lines)
            assert (event["id"], event["seq"], event["device"]) == (envelope.id, seq, "glasses-1")
