"""End to end through a real broker: reserve for pickup and order for delivery from the kiosk
screen, with central stopped and started again, and the glasses answer.

Central and the hub run as real processes; the kiosk's edge agent replays a fixture to the
store's mosquitto and the kiosk UI (Textual Pilot) shows the card, then the confirmation.
"""

from __future__ import annotations

import json
import queue
import sqlite3
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import paho.mqtt.client as mqtt
import pytest
from hub_tokens import api_headers, api_token
from paho.mqtt.enums import CallbackAPIVersion
from textual.pilot import Pilot

from aisle.broker import BrokerEndpoint, free_port
from aisle.kiosk_runner import AgentHost, kiosk_settings
from aisle.processes import Child, ChildSpec, aisle_argv
from aisle.store import PASSWORD_ENV, broker_url
from contracts.envelope import Envelope
from contracts.ids import new_ulid
from contracts.payloads import Answer
from contracts.topics import answer_topic, events_topic, state_topic
from edge.config import DeviceConfig, load_device_config, with_overrides
from kiosk.__main__ import build_app
from kiosk.action_view import QUEUED_TEXT
from kiosk.app import KioskApp
from kiosk.screens.confirmation import ConfirmationScreen

pytestmark = [pytest.mark.slow, pytest.mark.timeout(180)]

REPO = Path(__file__).resolve().parents[2]
REPLAYS = REPO / "tests" / "fixtures" / "replays"
KIOSK_CONFIG = REPO / "firmware_configs" / "demo" / "kiosk-1.toml"
OAT_MILK = "04012734004359"
HOLD_S = 4
WAIT_S = 20.0
HUB_TOML = f"""
catalog_sync_interval_s = 0.5
outbox_retry_base_s = 0.2
outbox_retry_max_s = 1.0
outbox_idle_s = 1.0
reservation_hold_s = {HOLD_S}
reservation_sweep_interval_s = 0.2
"""


class Store:
    """Central and hub processes around the session mosquitto; central can stop and restart."""

    def __init__(self, endpoint: BrokerEndpoint, data_dir: Path) -> None:
        self.endpoint = endpoint
        self.central_port = free_port()
        self.central_url = f"http://127.0.0.1:{self.central_port}"
        self.hub_url = f"http://127.0.0.1:{free_port()}"
        self.auth: dict[str, str] = {}
        self.data_dir = data_dir
        self.central: Child | None = None
        self.hub: Child | None = None

    def start_central(self) -> None:
        spec = ChildSpec(
            "central",
            aisle_argv(
                "central",
                "--db",
                str(self.data_dir / "c.db"),
                "--seed",
                "demo",
                "--port",
                str(self.central_port),
            ),
            ready_url=f"{self.central_url}/v1/health",
        )
        self.central = Child(spec, log_dir=self.data_dir / "logs")
        self.central.wait_ready(timeout_s=60)

    def stop_central(self) -> None:
        if self.central is not None:
            self.central.stop()
            self.central = None

    def start_hub(self) -> None:
        config = self.data_dir / "hub.toml"
        config.write_text(HUB_TOML)
        args = ["hub", "--config", str(config), "--store", "demo", "--db"]
        args += [str(self.data_dir / "h.db"), "--broker-url", broker_url(self.endpoint)]
        args += ["--central-url", self.central_url, "--port", self.hub_url.rsplit(":", 1)[1]]
        args += ["--seed-stock", str(REPO / "hub" / "data" / "demo_store_stock.json")]
        spec = ChildSpec(
            "hub",
            aisle_argv(*args),
            env={PASSWORD_ENV: self.endpoint.password},
            ready_url=f"{self.hub_url}/api/v1/health",
        )
        self.hub = Child(spec, log_dir=self.data_dir / "logs")
        self.hub.wait_ready(timeout_s=60)

    def stop(self) -> None:
        for child in (self.hub, self.central):
            if child is not None:
                child.stop()

    def get(self, path: str) -> Any:
        if not self.auth:
            self.auth.update(api_headers(self.data_dir / "h.db", role="service"))
        return httpx.get(f"{self.hub_url}{path}", timeout=5, headers=self.auth).json()

    def kiosk_environ(self) -> dict[str, str]:
        """The kiosk's environment: broker password and a live kiosk API token."""
        token = api_token(self.data_dir / "h.db", device="kiosk-1", role="kiosk")
        return {PASSWORD_ENV: self.endpoint.password, "AISLE_HUB_TOKEN": token}

    def central_orders(self) -> list[tuple[str, str]]:
        with sqlite3.connect(self.data_dir / "c.db") as conn:
            return list(conn.execute("SELECT id, idempotency_key FROM orders").fetchall())


def wait_for(what: str, predicate: Callable[[], bool], *, timeout_s: float = WAIT_S) -> None:
    deadline = time.monotonic() + timeout_s
    while not predicate():
        if time.monotonic() > deadline:
            pytest.fail(f"{what} not seen within {timeout_s} s")
        time.sleep(0.1)


@pytest.fixture
def store(mqtt_broker: BrokerEndpoint, tmp_path: Path) -> Iterator[Store]:
    running = Store(mqtt_broker, tmp_path)
    try:
        running.start_central()
        running.start_hub()
        wait_for("the catalog sync", lambda: bool(running.get("/api/v1/health")["catalog_as_of"]))
        yield running
    finally:
        running.stop()


def _kiosk_config(store: Store, tmp_path: Path) -> DeviceConfig:
    environ = {PASSWORD_ENV: store.endpoint.password}
    return with_overrides(
        load_device_config(KIOSK_CONFIG, environ=environ),
        replay_path=REPLAYS / "kiosk_oat_milk",
        realtime=False,
        loop=False,
        broker_url=broker_url(store.endpoint),
        outbox_path=tmp_path / "kiosk-outbox.db",
    )


async def _wait(pilot: Pilot[None], what: str, predicate: Callable[[], bool]) -> None:
    deadline = time.monotonic() + WAIT_S
    while not predicate():
        if time.monotonic() > deadline:
            pytest.fail(f"{what} not seen within {WAIT_S} s")
        await pilot.pause(0.05)


async def _scan_to_card(pilot: Pilot[None], app: KioskApp, host: AgentHost) -> None:
    await _wait(
        pilot, "the kiosk's MQTT subscription", lambda: app.scanner_status.endswith("ready")
    )
    host.start()
    try:
        await _wait(pilot, "the card", lambda: app.kiosk_state.view == "card")
    finally:
        host.stop()


def _status(app: KioskApp) -> str:
    screen = app.screen
    return screen.view.status if isinstance(screen, ConfirmationScreen) else ""


async def test_order_made_while_central_is_down_reaches_central_once(
    store: Store, tmp_path: Path
) -> None:
    config = _kiosk_config(store, tmp_path)
    environ = store.kiosk_environ()
    app = build_app(kiosk_settings(config, store.hub_url), environ)
    host = AgentHost(config, [config.source], environ)
    async with app.run_test(size=(120, 40)) as pilot:
        await _scan_to_card(pilot, app, host)
        store.stop_central()
        await pilot.press("o")
        await _wait(pilot, "the queued order", lambda: _status(app) == QUEUED_TEXT)
        store.start_central()
        await _wait(pilot, "the accepted order", lambda: _status(app).startswith("Accepted"))
    action = app.kiosk_state.action
    assert action is not None and action.result is not None
    order = store.get(f"/api/v1/orders/{action.result.id}")
    assert order["state"] == "accepted" and order["attempts"] >= 2
    assert store.central_orders() == [(order["central_order_id"], f"demo.{action.key}")]
    rows = store.get("/api/v1/outbox?limit=1000")["rows"]
    order_rows = [(row["kind"], row["ref"], row["state"]) for row in rows if row["kind"] == "order"]
    assert order_rows == [("order", action.result.id, "sent")]  # availability pushes share it


async def test_reservation_holds_stock_then_expires_and_releases(
    store: Store, tmp_path: Path
) -> None:
    before = store.get(f"/api/v1/cards/{OAT_MILK}")["on_hand"]
    config = _kiosk_config(store, tmp_path)
    environ = store.kiosk_environ()
    app = build_app(kiosk_settings(config, store.hub_url), environ)
    host = AgentHost(config, [config.source], environ)
    async with app.run_test(size=(120, 40)) as pilot:
        await _scan_to_card(pilot, app, host)
        await pilot.press("r")
        await _wait(pilot, "the reservation", lambda: _status(app).startswith("Reserved"))
    action = app.kiosk_state.action
    assert action is not None and action.result is not None
    reservation_id = action.result.id
    assert store.get(f"/api/v1/cards/{OAT_MILK}")["on_hand"] == before - 1
    queue_ids = [r["id"] for r in store.get("/api/v1/reservations?state=new&state=ready")]
    assert queue_ids == [reservation_id]
    wait_for(
        "the expiry",
        lambda: store.get(f"/api/v1/reservations/{reservation_id}")["state"] == "expired",
        timeout_s=HOLD_S + WAIT_S,
    )
    assert store.get(f"/api/v1/cards/{OAT_MILK}")["on_hand"] == before


class GlassesDevice:
    """A paho client acting as a glasses device: its state, its scans, its answers."""

    def __init__(self, endpoint: BrokerEndpoint, device: str) -> None:
        self.device = device
        self.answers: queue.Queue[Answer] = queue.Queue()
        ready: queue.Queue[bool] = queue.Queue()
        client = mqtt.Client(callback_api_version=CallbackAPIVersion.VERSION2, client_id=device)
        client.username_pw_set(endpoint.username, endpoint.password)
        client.on_subscribe = lambda *_: ready.put(True)
        client.on_message = lambda _c, _u, m: self.answers.put(
            Answer.model_validate_json(m.payload)
        )
        client.connect(endpoint.host, endpoint.port)
        client.loop_start()
        client.subscribe(answer_topic("demo", device), qos=1)
        assert ready.get(timeout=WAIT_S)
        self.client = client

    def publish(self, topic: str, payload: bytes, *, retain: bool = False) -> None:
        info = self.client.publish(topic, payload, qos=1, retain=retain)
        info.wait_for_publish(timeout=WAIT_S)

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()


def test_a_glasses_scan_is_answered_by_the_hub_process(
    store: Store, mqtt_broker: BrokerEndpoint
) -> None:
    glasses = GlassesDevice(mqtt_broker, "glasses-e2e")
    try:
        state = {"device": glasses.device, "profile": "glasses", "status": "online"}
        glasses.publish(
            state_topic("demo", glasses.device), json.dumps(state).encode(), retain=True
        )
        wait_for(
            "the glasses' state",
            lambda: any(d["id"] == glasses.device for d in store.get("/api/v1/devices")),
        )
        envelope = Envelope.model_validate(
            {
                "v": 1,
                "id": new_ulid(int(time.time() * 1000)),
                "store": "demo",
                "device": glasses.device,
                "seq": 1,
                "ts": "2026-03-02T10:00:00Z",
                "type": "scan",
                "payload": {
                    "text": OAT_MILK[1:],
                    "symbology": "ean13",
                    "gtin": OAT_MILK,
                    "engine": "zxing",
                    "frames_confirmed": 3,
                    "time_to_scan_ms": 90.0,
                },
            }
        )
        glasses.publish(events_topic("demo", glasses.device), envelope.to_json_bytes())
        answer = glasses.answers.get(timeout=WAIT_S)
        card = store.get(f"/api/v1/cards/{OAT_MILK}")
        assert answer.event_id == envelope.id
        assert answer.text.startswith("Barista oat drink 1 l, 2.49 here, 2.29 online")
        assert f"{card['on_hand']} on shelf" in answer.text
    finally:
        glasses.publish(state_topic("demo", glasses.device), b"", retain=True)
        glasses.close()
