"""End to end: the hub builds a photo-search index and ships it to a running edge agent.

Central and the hub run as real processes (as `aisle store up` starts them) on the session
mosquitto; the kiosk's edge agent runs in this process with an `[index]` section. Staff enroll a
photo, ask for a build over the API; the hub runs the edge indexer (the committed INT8 model) over
central's catalog images, publishes the version in chunks, the agent fetches, verifies and
installs it, and its retained state reports the version, which `GET /api/v1/index` shows.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import cv2
import httpx
import numpy as np
import pytest
from hub_tokens import api_headers

from aisle.broker import BrokerEndpoint, free_port
from aisle.processes import Child, ChildSpec, aisle_argv
from aisle.store import PASSWORD_ENV, broker_url
from edge.agent import EdgeAgent
from edge.config import DeviceConfig, load_device_config, with_overrides

pytestmark = [pytest.mark.slow, pytest.mark.timeout(300)]

REPO = Path(__file__).resolve().parents[2]
KIOSK_CONFIG = REPO / "firmware_configs" / "demo" / "kiosk-1.toml"
REPLAY = REPO / "tests" / "fixtures" / "replays" / "kiosk_oat_milk"
OAT_MILK = "04012734004359"  # the oat milk of the demo catalog
BUILD_WAIT_S = 240.0
WAIT_S = 60.0


def _poll(what: str, probe: Callable[[], Any], *, timeout_s: float) -> Any:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        value = probe()
        if value:
            return value
        time.sleep(0.2)
    pytest.fail(f"{what} not seen within {timeout_s} s")


@pytest.fixture
def hub_url(mqtt_broker: BrokerEndpoint, tmp_path: Path) -> Iterator[str]:
    """Central and the hub as processes; yields the hub's URL once it holds the catalog."""
    central_url, hub = f"http://127.0.0.1:{free_port()}", f"http://127.0.0.1:{free_port()}"
    central_argv = ["central", "--db", str(tmp_path / "c.db"), "--seed", "demo"]
    hub_argv = ["hub", "--store", "demo", "--db", str(tmp_path / "h.db"), "--central-url"]
    hub_argv += [central_url, "--broker-url", broker_url(mqtt_broker)]
    specs = [
        ChildSpec(
            "central",
            aisle_argv(*central_argv, "--port", central_url.rsplit(":", 1)[1]),
            ready_url=f"{central_url}/v1/health",
        ),
        ChildSpec(
            "hub",
            aisle_argv(*hub_argv, "--port", hub.rsplit(":", 1)[1]),
            env={PASSWORD_ENV: mqtt_broker.password},
            ready_url=f"{hub}/api/v1/health",
        ),
    ]
    children = []
    try:
        for spec in specs:
            children.append(Child(spec, log_dir=tmp_path / "logs"))
            children[-1].wait_ready(timeout_s=60)
        _poll(
            "the catalog on the hub",
            lambda: httpx.get(f"{hub}/api/v1/health", timeout=5).json().get("catalog_as_of"),
            timeout_s=WAIT_S,
        )
        yield hub
    finally:
        for child in reversed(children):
            child.stop()


def _agent_config(endpoint: BrokerEndpoint, tmp_path: Path) -> DeviceConfig:
    environ = {PASSWORD_ENV: endpoint.password}
    base = with_overrides(
        load_device_config(KIOSK_CONFIG, environ=environ),
        replay_path=REPLAY,
        realtime=True,
        loop=True,
        broker_url=broker_url(endpoint),
        outbox_path=tmp_path / "kiosk-outbox.db",
    )
    data = base.model_dump() | {"state_interval_s": 0.5, "index": {"folder": tmp_path / "idx"}}
    return DeviceConfig.model_validate(data)


def _build(hub_url: str, auth: dict[str, str]) -> dict[str, Any]:
    before = httpx.get(f"{hub_url}/api/v1/index", timeout=5, headers=auth).json()["current"]
    started = httpx.post(f"{hub_url}/api/v1/index/builds", timeout=5, headers=auth).json()
    assert started == {"started": True}

    def done() -> dict[str, Any] | None:
        body: dict[str, Any] = httpx.get(f"{hub_url}/api/v1/index", timeout=5, headers=auth).json()
        assert body["build"]["last_error"] is None, body["build"]
        fresh = body["current"] is not None and body["current"] != before
        return body if fresh and not body["build"]["running"] else None

    result: dict[str, Any] = _poll("a finished build", done, timeout_s=BUILD_WAIT_S)
    return result


def _photo() -> bytes:
    image = cv2.resize(
        np.random.default_rng(1).integers(0, 255, (6, 6, 3), dtype=np.uint8), (120, 160)
    )
    return cv2.imencode(".jpg", image)[1].tobytes()


def test_hub_builds_and_ships_an_index_the_agent_runs_and_reports(
    hub_url: str, mqtt_broker: BrokerEndpoint, tmp_path: Path
) -> None:
    auth = api_headers(tmp_path / "h.db")  # the hub fixture's database
    enrolled = httpx.post(
        f"{hub_url}/api/v1/products/{OAT_MILK}/reference-photos",
        files={"photo": ("front.jpg", _photo(), "image/jpeg")},
        timeout=10,
        headers=auth,
    )
    assert enrolled.status_code == 201, enrolled.text
    first = _build(hub_url, auth)["current"]
    assert first["products"] >= 300 and first["count"] == first["products"] + 1
    agent = EdgeAgent(
        _agent_config(mqtt_broker, tmp_path), environ={PASSWORD_ENV: mqtt_broker.password}
    )
    stop = threading.Event()
    runner = threading.Thread(target=agent.run, args=(stop,), name="agent", daemon=True)
    runner.start()
    try:
        version = first["version"]
        _poll(
            "the agent on the new index", lambda: agent.index.version == version, timeout_s=WAIT_S
        )
        loaded = agent.index.current()
        assert loaded is not None and OAT_MILK in loaded.data.index.product_ids
        assert loaded.data.index.dim == first["dims"]

        def reported() -> bool:
            index = httpx.get(f"{hub_url}/api/v1/index", timeout=5, headers=auth).json()
            devices = index["devices"]
            return any(d["device"] == "kiosk-1" and d["up_to_date"] for d in devices)

        _poll("kiosk-1 reporting the version", reported, timeout_s=WAIT_S)
        second = _build(hub_url, auth)["current"]  # a new version while the agent runs
        assert second["version"] > version
        _poll(
            "the switch to the second version",
            lambda: agent.index.version == second["version"],
            timeout_s=WAIT_S,
        )
        _poll("kiosk-1 reporting the second version", reported, timeout_s=WAIT_S)
        assert agent.index.swaps == 2
    finally:
        stop.set()
        runner.join(30)
    assert not runner.is_alive()
