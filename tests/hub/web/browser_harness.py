"""Provides the browser tests' store: a real hub (ingest on a real broker, the app served by
uvicorn on a loopback port), an in-process edge agent replaying a fixture, and Chromium."""

from __future__ import annotations

import shutil
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from hub_harness import ServedApp, broker_address, utc_now

from aisle.broker import BrokerEndpoint
from edge.agent import EdgeAgent
from edge.config import load_device_config, with_overrides
from edge.sources.factory import make_source
from hub.api.app import create_app
from hub.api.notifier import EventNotifier
from hub.config import HubSettings
from hub.db.connection import open_database
from hub.ingest.mqtt_ingest import MqttIngest
from hub.ingest.processor import EventProcessor

REPO = Path(__file__).resolve().parents[3]
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-quic",
    "--no-first-run",
    "--disable-sync",
]
ARTIFACTS = REPO / "test-artifacts" / "dashboard"
KIOSK_CONFIG = REPO / "firmware_configs" / "demo" / "kiosk-1.toml"
REPLAYS = REPO / "tests" / "fixtures" / "replays"
PASSWORD_ENV = "AISLE_MQTT_PASSWORD"
AGENT_STOP_S = 10.0


def require_chromium() -> None:
    """Skips the test, saying why, when Debian's Chromium is not installed."""
    if not CHROMIUM.exists() and shutil.which("chromium") is None:
        pytest.skip(f"Chromium not found at {CHROMIUM}: apt-get install chromium chromium-driver")


@dataclass
class LiveHub:
    """A hub whose ingest and API share one notifier, served over HTTP."""

    served: ServedApp
    ingest: MqttIngest
    store_id: str

    @property
    def url(self) -> str:
        """The hub's base URL."""
        return self.served.base_url


@contextmanager
def live_hub(endpoint: BrokerEndpoint, db_path: Path, store_id: str) -> Iterator[LiveHub]:
    """Runs ingest on the broker and the app under uvicorn until the block ends."""
    notifier = EventNotifier()
    processor = EventProcessor(
        open_database(db_path, run_migrations=False),
        store_id=store_id,
        clock=utc_now,
        on_applied=notifier.notify,
    )
    ingest = MqttIngest(broker_address(endpoint), store_id=store_id, processor=processor)
    ingest.start()
    assert ingest.wait_subscribed(10.0), "ingest did not subscribe"
    api_db = open_database(db_path, run_migrations=False)
    settings = HubSettings(store_id=store_id, db_path=db_path)
    app = create_app(settings, api_db, notifier=notifier, broker_connected=ingest.is_connected)
    served = ServedApp(app)
    try:
        yield LiveHub(served, ingest, store_id)
    finally:
        notifier.close()
        served.stop()
        ingest.stop()
        api_db.close()


@contextmanager
def replaying_kiosk(
    endpoint: BrokerEndpoint, *, store_id: str, fixture: str, outbox: Path
) -> Iterator[threading.Thread]:
    """Runs the demo kiosk's edge agent on a replay fixture, publishing to `store_id`."""
    environ = {PASSWORD_ENV: endpoint.password}
    base = with_overrides(
        load_device_config(KIOSK_CONFIG, environ=environ),
        replay_path=REPLAYS / fixture,
        realtime=False,
        loop=False,
        broker_url=endpoint.url_without_password,
        outbox_path=outbox,
    )
    config = base.model_copy(update={"store_id": store_id})
    agent = EdgeAgent(config, environ=environ, source=make_source(config.source))
    stop = threading.Event()
    thread = threading.Thread(target=agent.run, args=(stop,), name="edge-agent", daemon=True)
    thread.start()
    try:
        yield thread
    finally:
        stop.set()
        thread.join(AGENT_STOP_S)
