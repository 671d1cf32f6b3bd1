"""End to end, one flow: replay fixture -> edge agent -> real broker -> hub -> API -> kiosk screen.

Central and the hub run as real processes (as `aisle store up` starts them); the kiosk's edge
agent and UI run in this process, composed by the same runner code `aisle kiosk` uses. Runs on
mosquitto and on the amqtt fallback broker.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from hub_tokens import api_headers, api_token
from textual.pilot import Pilot

from aisle.broker import BrokerEndpoint, free_port
from aisle.kiosk_runner import AgentHost, kiosk_settings
from aisle.processes import Child, ChildSpec, aisle_argv
from aisle.store import PASSWORD_ENV, broker_url
from edge.config import DeviceConfig, load_device_config, with_overrides
from kiosk.__main__ import build_app
from kiosk.app import KioskApp

pytestmark = [pytest.mark.slow, pytest.mark.timeout(120)]

REPO = Path(__file__).resolve().parents[2]
REPLAYS = REPO / "tests" / "fixtures" / "replays"
KIOSK_CONFIG = REPO / "firmware_configs" / "demo" / "kiosk-1.toml"
CATALOG = REPO / "central" / "data" / "demo_catalog.json"
WAIT_S = 20.0


class Store:
    """Central and hub processes around one broker."""

    def __init__(self, endpoint: BrokerEndpoint, data_dir: Path) -> None:
        self.endpoint = endpoint
        self.central_url = f"http://127.0.0.1:{free_port()}"
        self.hub_url = f"http://127.0.0.1:{free_port()}"
        self.data_dir = data_dir
        self.children: list[Child] = []

    def start(self) -> None:
        central_port, hub_port = self.central_url.rsplit(":", 1)[1], self.hub_url.rsplit(":", 1)[1]
        specs = [
            ChildSpec(
                "central",
                aisle_argv(
                    "central",
                    "--db",
                    str(self.data_dir / "c.db"),
                    "--seed",
                    "demo",
                    "--port",
                    central_port,
                ),
                ready_url=f"{self.central_url}/v1/health",
            ),
            ChildSpec(
                "hub",
                aisle_argv(
                    "hub",
                    "--store",
                    "demo",
                    "--db",
                    str(self.data_dir / "h.db"),
                    "--broker-url",
                    broker_url(self.endpoint),
                    "--central-url",
                    self.central_url,
                    "--port",
                    hub_port,
                    "--seed-stock",
                    str(REPO / "hub" / "data" / "demo_store_stock.json"),
                ),
                env={PASSWORD_ENV: self.endpoint.password},
                ready_url=f"{self.hub_url}/api/v1/health",
            ),
        ]
        for spec in specs:
            child = Child(spec, log_dir=self.data_dir / "logs")
            self.children.append(child)
            child.wait_ready(timeout_s=60)

    def stop(self) -> None:
        for child in reversed(self.children):
            child.stop()


@pytest.fixture
def store(any_broker: BrokerEndpoint, tmp_path: Path) -> Iterator[Store]:
    running = Store(any_broker, tmp_path)
    try:
        running.start()
        _wait_for_catalog(running.hub_url)
        yield running
    finally:
        running.stop()


def _wait_for_catalog(hub_url: str) -> None:
    deadline = time.monotonic() + WAIT_S
    while time.monotonic() < deadline:
        health = httpx.get(f"{hub_url}/api/v1/health", timeout=2).json()
        if health.get("catalog_as_of"):
            return
        time.sleep(0.1)
    pytest.fail(f"the hub did not sync the catalog within {WAIT_S} s: {health}")


def _kiosk_config(store: Store, fixture: str, tmp_path: Path) -> DeviceConfig:
    environ = {PASSWORD_ENV: store.endpoint.password}
    return with_overrides(
        load_device_config(KIOSK_CONFIG, environ=environ),
        replay_path=REPLAYS / fixture,
        realtime=False,
        loop=False,
        broker_url=broker_url(store.endpoint),
        outbox_path=tmp_path / "kiosk-outbox.db",
    )


def _expected_gtin(fixture: str) -> str:
    expected = json.loads((REPLAYS / fixture / "expected.json").read_text())
    gtin: str = expected["scans"][0]["gtin"]
    return gtin


def _catalog_name(gtin: str) -> str:
    catalog: dict[str, Any] = json.loads(CATALOG.read_text())
    names = {product["gtin"]: product["name"] for product in catalog["products"]}
    return str(names[gtin])


async def _wait(pilot: Pilot[None], what: str, predicate: Any) -> None:
    deadline = time.monotonic() + WAIT_S
    while not predicate():
        if time.monotonic() > deadline:
            pytest.fail(f"{what} not seen within {WAIT_S} s")
        await pilot.pause(0.05)


async def _run_kiosk(store: Store, fixture: str, tmp_path: Path) -> KioskApp:
    """Runs the kiosk UI with its edge agent on `fixture` until the lookup finished."""
    config = _kiosk_config(store, fixture, tmp_path)
    kiosk_token = api_token(store.data_dir / "h.db", device="kiosk-1", role="kiosk")
    environ = {PASSWORD_ENV: store.endpoint.password, "AISLE_HUB_TOKEN": kiosk_token}
    app = build_app(kiosk_settings(config, store.hub_url), environ)
    host = AgentHost(config, [config.source], environ)
    async with app.run_test(size=(120, 40)) as pilot:
        await _wait(
            pilot, "the kiosk's MQTT subscription", lambda: app.scanner_status == "Scanner: ready"
        )
        host.start()
        try:
            await _wait(
                pilot,
                "a finished lookup",
                lambda: app.kiosk_state.view in ("card", "unknown", "error"),
            )
        finally:
            host.stop()
    return app


async def test_replayed_scan_reaches_the_kiosk_card(store: Store, tmp_path: Path) -> None:
    gtin = _expected_gtin("kiosk_oat_milk")
    app = await _run_kiosk(store, "kiosk_oat_milk", tmp_path)
    assert app.kiosk_state.view == "card", app.kiosk_state
    assert app.kiosk_state.card is not None
    assert app.kiosk_state.card.gtin == gtin
    assert app.kiosk_state.card.name == _catalog_name(gtin)
    auth = api_headers(store.data_dir / "h.db")
    card = httpx.get(f"{store.hub_url}/api/v1/cards/{gtin}", timeout=5, headers=auth).json()
    assert card["name"] == _catalog_name(gtin)
    events = httpx.get(f"{store.hub_url}/api/v1/events?limit=50", timeout=5, headers=auth).json()
    scans = [e for e in events if e["device"] == "kiosk-1" and e["type"] == "scan"]
    assert [scan["payload"]["gtin"] for scan in scans] == [gtin]


async def test_unknown_code_shows_the_unknown_card_and_records_demand(
    store: Store, tmp_path: Path
) -> None:
    gtin = _expected_gtin("kiosk_unknown_code")
    app = await _run_kiosk(store, "kiosk_unknown_code", tmp_path)
    assert app.kiosk_state.view == "unknown", app.kiosk_state
    auth = api_headers(store.data_dir / "h.db")
    demand = httpx.get(f"{store.hub_url}/api/v1/demand", timeout=5, headers=auth).json()
    assert gtin in json.dumps(demand)
